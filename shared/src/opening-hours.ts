import type { OpeningHours } from './content';
import { businessClock } from './time';

/**
 * The operator's holiday calendar (config/holidays.json): per year, the public holidays (法定节假日)
 * and the make-up working days (调休上班日) that fall on a weekend.
 */
export interface BusinessCalendar {
  years: Record<string, { holidays: string[]; workdays: string[] }>;
}

/** What kind of day a business date is: a public holiday, a make-up working day, or an ordinary weekday or weekend day. */
export type CalendarDayKind = 'holiday' | 'makeup_workday' | 'weekday' | 'weekend';

/** Classifies a business date (YYYY-MM-DD) with the operator's calendar; a year missing from it has only ordinary days. */
export function calendarDayKind(date: string, calendar: BusinessCalendar): CalendarDayKind {
  const year = calendar.years[date.slice(0, 4)];
  if (year?.holidays.includes(date)) return 'holiday';
  if (year?.workdays.includes(date)) return 'makeup_workday';
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6 ? 'weekend' : 'weekday';
}

/** Weekday whose hours a hall keeps on a make-up working day: a working day like any Monday. */
export const MAKEUP_WORKDAY_HOURS_FROM = 1;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Whether a hall is open at an instant, in business time (Asia/Shanghai).
 *
 * - On a public holiday a hall with `openOnHolidays = false` is closed; one that opens on holidays
 *   keeps the hours of that day of the week.
 * - On a make-up working day (调休, a Saturday or Sunday worked in place of a holiday) the hall
 *   follows its Monday hours, as the staff are at work that day like on any working day.
 * - Otherwise the hours listed for the day of the week apply; open time inclusive, close time exclusive.
 */
export function isOpenAt(hours: OpeningHours[], openOnHolidays: boolean, at: Date, calendar: BusinessCalendar): boolean {
  const { date, weekday, minutes } = businessClock(at);
  const kind = calendarDayKind(date, calendar);
  if (kind === 'holiday' && !openOnHolidays) return false;
  const day = kind === 'makeup_workday' ? MAKEUP_WORKDAY_HOURS_FROM : weekday;
  return hours.some((h) => h.weekdays.includes(day) && minutes >= minutesOf(h.open) && minutes < minutesOf(h.close));
}
