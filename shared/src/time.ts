/**
 * Business time is Asia/Shanghai (UTC+8, no daylight saving). These helpers turn instants into
 * business calendar dates without depending on the server's TZ setting.
 */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The business date (YYYY-MM-DD) of an instant. */
export function businessDate(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The business date and time of an instant to the minute: 2026-12-04T02:00Z → "2026-12-04 10:00". */
export function businessDateTime(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** Business-time wall clock parts of an instant: weekday 1 = Monday … 7 = Sunday, minutes since midnight. */
export function businessClock(at: Date): { date: string; weekday: number; minutes: number } {
  const shifted = new Date(at.getTime() + SHANGHAI_OFFSET_MS);
  const day = shifted.getUTCDay();
  return {
    date: shifted.toISOString().slice(0, 10),
    weekday: day === 0 ? 7 : day,
    minutes: shifted.getUTCHours() * 60 + shifted.getUTCMinutes(),
  };
}

/** Adds whole calendar days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The instant a business date starts (00:00 Asia/Shanghai). */
export function startOfBusinessDay(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS);
}
