import type {
  BillStatus,
  CommitmentUnit,
  FaultSeverity,
  HotlineKind,
  PaymentOrderStatus,
  ServiceType,
  SubscriptionView,
  TicketStatus,
  TicketType,
} from '@openhall/shared';

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

export const ticketTypeLabels: Record<TicketType, string> = {
  fault: '故障报修',
  installation: '新装',
  restoration: '复通',
  complaint: '投诉',
  suggestion: '建议',
};

export const ticketStatusLabels: Record<TicketStatus, string> = {
  submitted: '待受理',
  accepted: '已受理',
  dispatched: '已派单',
  en_route: '师傅在路上',
  on_site: '师傅已上门',
  resolved: '已处理',
  closed: '已办结',
  cancelled: '已撤销',
};

export const faultSeverityLabels: Record<FaultSeverity, string> = {
  ordinary: '一般故障（24小时内修复）',
  major: '重大故障（72小时内修复）',
};

/** A staff member or technician as the subscriber is shown them: "王芳（工号 KF1001）". */
export function formatPerson(person: { name: string; jobNo: string | null } | null): string {
  if (!person) return '';
  return person.jobNo ? `${person.name}（工号 ${person.jobNo}）` : person.name;
}

export const billStatusLabels: Record<BillStatus, string> = {
  unpaid: '待缴费',
  overdue: '已逾期',
  paid: '已缴费',
};

export const paymentOrderStatusLabels: Record<PaymentOrderStatus, string> = {
  created: '待支付',
  paid: '已支付',
  refunding: '退款中',
  refunded: '已退款',
  closed: '已关闭',
};

export const subscriptionStatusLabels: Record<SubscriptionView['status'], string> = {
  active: '使用中',
  expiring: '即将到期',
  expired: '已过期',
};

/** "2026-03" → "2026年3月". */
export function formatPeriod(period: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  return m ? `${m[1]}年${Number(m[2])}月` : period;
}
