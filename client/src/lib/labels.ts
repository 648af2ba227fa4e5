import type { CommitmentUnit, HotlineKind, ServiceType } from '@openhall/shared';

export const serviceTypeLabels: Record<ServiceType, string> = {
  water: '供水',
  tv: '有线电视',
  broadband: '宽带',
  tv_broadband: '电视+宽带',
};

export const commitmentUnitLabels: Record<CommitmentUnit, string> = {
  hours: '小时',
  working_days: '个工作日',
  days: '天',
};

export const hotlineKindLabels: Record<HotlineKind, string> = {
  service: '客服热线',
  complaint: '投诉热线',
  supervision: '监督电话',
  repair: '报修热线',
};

/** 1234 → "1.2 公里", 850 → "850 米". */
export function formatDistance(meters: number): string {
  if (meters < 1000) return `${Math.round(meters)} 米`;
  return `${(meters / 1000).toFixed(1)} 公里`;
}

const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];

/** [1,2,3,4,5] → "周一至周五"; [6,7] → "周六、周日". */
export function formatWeekdays(days: number[]): string {
  const sorted = [...days].sort((a, b) => a - b);
  const contiguous = sorted.every((d, i) => i === 0 || d === sorted[i - 1] + 1);
  if (sorted.length >= 3 && contiguous) return `周${WEEKDAYS[sorted[0] - 1]}至周${WEEKDAYS[sorted[sorted.length - 1] - 1]}`;
  return sorted.map((d) => `周${WEEKDAYS[d - 1]}`).join('、');
}

/** ISO instant → "11月26日 08:00" in business time (Asia/Shanghai). */
export function formatDateTime(iso: string): string {
  const shifted = new Date(Date.parse(iso) + 8 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${shifted.getUTCMonth() + 1}月${shifted.getUTCDate()}日 ${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}
