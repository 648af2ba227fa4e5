import { businessClock, MAINTENANCE_NOTICE_LEAD_HOURS, type NoticeKind } from '@openhall/shared';
import { AppError } from '../../http/errors';

const MINUTE = 60_000;

/** An instant as business-time wall clock, `YYYY-MM-DD HH:mm`. */
export function formatBusinessMinute(at: Date): string {
  const { date, minutes } = businessClock(at);
  return `${date} ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * Planned maintenance must be published at least 24 hours before its window starts (服务承诺:
 * 计划检修公告). On create the window must start 24 hours after now or later. On update the rule
 * only bites when the start moves earlier (or an announcement becomes maintenance): subscribers
 * already warned of a start are not harmed by a correction to the text or a postponement.
 */
export function assertNoticeLeadTime(
  next: { kind: NoticeKind; startsAt: Date },
  before: { kind: NoticeKind; startsAt: Date } | null,
  now: Date,
): void {
  if (next.kind !== 'maintenance') return;
  const earliestMs = now.getTime() + MAINTENANCE_NOTICE_LEAD_HOURS * 3_600_000;
  if (next.startsAt.getTime() >= earliestMs) return;
  if (before && before.kind === 'maintenance' && next.startsAt.getTime() >= before.startsAt.getTime()) return;
  // Rounded up to the minute so the time we name is itself allowed.
  const earliest = new Date(Math.ceil(earliestMs / MINUTE) * MINUTE);
  throw new AppError(
    'NOTICE_TOO_LATE',
    400,
    `计划检修须至少提前${MAINTENANCE_NOTICE_LEAD_HOURS}小时公告，检修开始时间最早为 ${formatBusinessMinute(earliest)}（北京时间）`,
    { field: 'startsAt', minimumLeadHours: MAINTENANCE_NOTICE_LEAD_HOURS, earliestStartsAt: earliest.toISOString() },
  );
}
