/**
 * The commitment clock: when a ticket is due under the operator's published service commitments
 * (config/operator.json `commitments`), and how it stands right now.
 *
 * Pure and dependency-free, so the server (queue, metrics, breach jobs) and the client (the live
 * countdown the subscriber sees) compute the same deadline from the same facts. Instants are `Date`
 * (integer milliseconds); calendar dates are `YYYY-MM-DD` strings in business time, Asia/Shanghai,
 * which is UTC+8 all year (China has no daylight saving). Nothing here reads the process TZ.
 *
 * The rules, as the operators' standards state them (shared/DOMAIN.md, "Clock rules"):
 * - `hours`: elapsed wall-clock time. "24 hours" is 24 hours, nights, weekends and holidays included.
 * - `working_days`: counted on the national holiday calendar the operator maintains
 *   (config/holidays.json). The day the request comes in does not count; the deadline is the end
 *   (24:00) of the N-th working day after it.
 * - `days`: calendar days, counted like working days but with every day counting.
 * - Time waiting for the subscriber (pauses) does not count; approved extensions add to the target.
 *
 * A deadline is the last instant that is still on time: done at the deadline is on time, a
 * millisecond later is late. "The end of Thursday" is represented as Thursday 24:00, i.e. the
 * instant Friday 00:00 business time (`2026-03-13T00:00:00+08:00`), never as 23:59:59.999.
 */
import type { CommitmentUnit } from './content';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Asia/Shanghai is UTC+8 with no daylight saving, so a fixed offset is exact. */
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;
/** Guard against a calendar with no working days at all (every day a holiday): ~270 years. */
const MAX_DAYS_SCANNED = 100_000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a YYYY-MM-DD date; RangeError for anything that is not a real calendar date. */
function dayNumberOf(date: string, name: string): number {
  const m = DATE.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  // Date.UTC rolls 2026-02-30 over into March; a date that does not round-trip is not a date.
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new RangeError(`${name} is not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  }
  return ms / DAY_MS;
}

/** The business day (days since 1970-01-01, Asia/Shanghai) an instant falls on. */
const businessDayOf = (ms: number) => Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
/** The instant a business day starts (00:00 Asia/Shanghai). */
const startOfDay = (day: number) => day * DAY_MS - SHANGHAI_OFFSET_MS;
const dateOfDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

// ---- the working-day calendar ----

/**
 * One year of config/holidays.json: the public holidays (法定节假日, days off, whatever the weekday)
 * and the make-up working days (调休上班日, weekend days worked in exchange). `provisional` marks a
 * year published ahead of the State Council notice, to be corrected when the notice comes out.
 */
export interface HolidayYear {
  holidays: string[];
  workdays: string[];
  provisional?: boolean;
}

/**
 * Which business dates are working days (工作日), on the operator's holiday calendar.
 *
 * A year missing from the calendar is not an error: its working days are plainly Monday to Friday,
 * so a deadline can always be computed (a ticket must never lose its clock because the operator has
 * not yet entered next year's holidays). `covers(year)` says whether that fallback was needed, so the
 * server can warn staff to load the calendar; it should check the year of the start and of the deadline.
 */
export interface WorkCalendar {
  /**
   * Whether a business date is a working day: Monday to Friday unless listed as a holiday; Saturday
   * and Sunday only when listed as a make-up working day. Throws RangeError for a malformed date.
   *
   * @example calendar.isWorkingDay('2026-10-01') // false: National Day, a Thursday
   * @example calendar.isWorkingDay('2026-10-10') // true: a Saturday worked for the National Day week
   */
  isWorkingDay(date: string): boolean;
  /** Whether the calendar lists the holidays of this year; if not, only weekends are days off. */
  covers(year: number): boolean;
  /** Whether this year's entry is provisional (published ahead of the official notice). False for a year not covered. */
  isProvisional(year: number): boolean;
}

/**
 * Builds a {@link WorkCalendar} from the `years` of config/holidays.json.
 *
 * @example createWorkCalendar(JSON.parse(fs.readFileSync('config/holidays.json', 'utf8')).years)
 * @throws RangeError when a year is not four digits, a date is not a real YYYY-MM-DD date or lies
 *   outside the year it is listed under, or a date is listed both as a holiday and as a working day.
 */
export function createWorkCalendar(years: Record<string, HolidayYear>): WorkCalendar {
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  const provisional = new Set<number>();
  const covered = new Set<number>();
  for (const [year, entry] of Object.entries(years)) {
    if (!/^\d{4}$/.test(year)) throw new RangeError(`holiday calendar year is not four digits: ${JSON.stringify(year)}`);
    covered.add(Number(year));
    if (entry.provisional) provisional.add(Number(year));
    for (const [list, into] of [
      [entry.holidays, holidays],
      [entry.workdays, workdays],
    ] as const) {
      for (const date of list) {
        dayNumberOf(date, `holiday calendar date in ${year}`);
        if (!date.startsWith(`${year}-`)) throw new RangeError(`${date} is listed under the year ${year}`);
        into.add(date);
      }
    }
  }
  for (const date of holidays) {
    if (workdays.has(date)) throw new RangeError(`${date} is listed both as a holiday and as a working day`);
  }
  return {
    isWorkingDay(date: string): boolean {
      const day = dayNumberOf(date, 'date');
      if (holidays.has(date)) return false;
      if (workdays.has(date)) return true;
      const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
      return weekday !== 0 && weekday !== 6;
    },
    covers: (year) => covered.has(year),
    isProvisional: (year) => provisional.has(year),
  };
}

// ---- the calendar's edges ----

/** How far ahead the operator is warned that the holiday calendar runs out. */
export const CALENDAR_WARNING_DAYS = 90;

/** Where the holiday calendar stands: the last day it covers, and which years are provisional. */
export interface CalendarStatusView {
  /** The last date of the last year listed, or null when none is. */
  lastDay: string | null;
  /** Days from today to `lastDay` (0 on the day itself; negative once it has passed). */
  daysLeft: number | null;
  /** Years listed as provisional (published ahead of the State Council notice), this year and later. */
  provisionalYears: number[];
  /** What staff should do, or null when nothing is wrong. */
  warning: string | null;
}

/**
 * The calendar's edges as of `today` (YYYY-MM-DD): past its last year the clock counts Monday to
 * Friday only, and a provisional year may still change, so both are said out loud.
 *
 * @example calendarStatus({ '2026': {…}, '2027': { …, provisional: true } }, '2026-12-04')
 *   // { lastDay: '2027-12-31', daysLeft: 392, provisionalYears: [2027], warning: '2027 年节假日安排为暂定…' }
 */
export function calendarStatus(years: Record<string, HolidayYear>, today: string): CalendarStatusView {
  const listed = Object.keys(years).map(Number).sort((a, b) => a - b);
  const thisYear = Number(today.slice(0, 4));
  const provisionalYears = listed.filter((y) => y >= thisYear && years[String(y)].provisional);
  if (listed.length === 0) return { lastDay: null, daysLeft: null, provisionalYears, warning: '节假日日历为空：工作日时限只按周一至周五计算，请在 config/holidays.json 中维护节假日安排' };
  const lastDay = `${listed[listed.length - 1]}-12-31`;
  const daysLeft = dayNumberOf(lastDay, 'lastDay') - dayNumberOf(today, 'today');
  const warnings: string[] = [];
  if (daysLeft < 0) warnings.push(`节假日日历已于 ${lastDay} 到期，工作日时限只按周一至周五计算`);
  else if (daysLeft < CALENDAR_WARNING_DAYS) warnings.push(`节假日日历将于 ${lastDay} 到期（还剩 ${daysLeft} 天）`);
  if (provisionalYears.length > 0) warnings.push(`${provisionalYears.join('、')} 年节假日安排为暂定，国务院通知发布后请更正`);
  if (daysLeft < CALENDAR_WARNING_DAYS) warnings.push('请在 config/holidays.json 中维护下一年的节假日安排');
  return { lastDay, daysLeft, provisionalYears, warning: warnings.length > 0 ? warnings.join('；') : null };
}

/**
 * Whether a working-day clock from `start` to `end` relies on a year the calendar does not list
 * (`uncovered`: weekends only) or lists as provisional; null when every year it spans is final.
 */
export function calendarNoteFor(calendar: WorkCalendar, start: Date, end: Date): 'uncovered' | 'provisional' | null {
  const first = Number(dateOfDay(businessDayOf(start.getTime())).slice(0, 4));
  const last = Number(dateOfDay(businessDayOf(end.getTime())).slice(0, 4));
  let note: 'uncovered' | 'provisional' | null = null;
  for (let y = first; y <= last; y++) {
    if (!calendar.covers(y)) return 'uncovered';
    if (calendar.isProvisional(y)) note = 'provisional';
  }
  return note;
}

// ---- inputs ----

/** A commitment's target: `{ amount: 24, unit: 'hours' }`, `{ amount: 3, unit: 'working_days' }`. */
export interface CommitmentTarget {
  amount: number;
  unit: CommitmentUnit;
}

/**
 * Time the ticket spent waiting for the subscriber (information requested, not reachable, not home
 * at the appointment). `to: null` is a pause still open: the ticket is waiting right now.
 */
export interface ClockPause {
  from: Date;
  to: Date | null;
}

/**
 * An extension a supervisor approved, with the reason shown to the subscriber. Its unit must fit the
 * commitment's clock: `hours` or `days` on an `hours` or `days` commitment (a day is 24 hours), and
 * `working_days` on a `working_days` commitment. Mixed units are refused because they are ambiguous
 * ("24 more hours" on a complaint due Friday night: Saturday night, or Monday night?).
 */
export interface ClockExtension {
  amount: number;
  unit: CommitmentUnit;
  reason: string;
  /** Who approved it (the supervisor's name or job number 工号). */
  approvedBy: string;
  /**
   * When it was approved. An extension approved after the deadline it would move had already
   * passed does not count: a later approval never cures an earlier breach. Without it, it counts.
   */
  approvedAt?: Date;
}

/** What the clock needs to place a deadline. */
export interface DeadlineInput {
  /** When the clock started: the instant the subscriber's request was complete. */
  start: Date;
  target: CommitmentTarget;
  /** Pauses in any order; they may overlap (overlaps count once) and may begin before `start`. */
  pauses?: readonly ClockPause[];
  extensions?: readonly ClockExtension[];
  /** Needed for `working_days` targets; ignored by `hours` and `days`. */
  calendar?: WorkCalendar;
}

/**
 * Where the deadline stands. While a pause is open the deadline is not known (it moves with every
 * minute of waiting); `remainingAtPauseMs` is the wall-clock time that was left when the pause began.
 */
export type DeadlineResult =
  | {
      paused: false;
      deadline: Date;
      /** Time not counted because the ticket waited (working time for `working_days`), up to the deadline. */
      pausedMs: number;
    }
  | {
      paused: true;
      deadline: null;
      /** When the open pause began (or `start`, if it began earlier). */
      pausedSince: Date;
      /** What `deadline − now` was at `pausedSince`: the remaining time frozen while paused. */
      remainingAtPauseMs: number;
      /** Time not counted so far, the closed pauses only (working time for `working_days`). */
      pausedMs: number;
    };

// ---- the clock ----

/** A clock measures the counted time between two instants and finds when a budget of it runs out. */
interface Clock {
  /** Counted ms in [from, to), from ≤ to. */
  measure(from: number, to: number): number;
  /** The earliest instant t ≥ from with measure(from, t) = amount. */
  advance(from: number, amount: number): number;
}

const wallClock: Clock = { measure: (from, to) => to - from, advance: (from, amount) => from + amount };

/** Working time: every millisecond of a working day counts (24 h a working day), nothing else does. */
function workingClock(calendar: WorkCalendar): Clock {
  const cache = new Map<number, boolean>();
  const isWorking = (day: number) => {
    let working = cache.get(day);
    if (working === undefined) cache.set(day, (working = calendar.isWorkingDay(dateOfDay(day))));
    return working;
  };
  return {
    measure(from, to) {
      let total = 0;
      for (let t = from; t < to; ) {
        const day = businessDayOf(t);
        const end = Math.min(startOfDay(day + 1), to);
        if (isWorking(day)) total += end - t;
        t = end;
      }
      return total;
    },
    advance(from, amount) {
      let t = from;
      let left = amount;
      for (let scanned = 0; left > 0; scanned++) {
        if (scanned > MAX_DAYS_SCANNED) throw new RangeError('the work calendar has no working day in reach');
        const day = businessDayOf(t);
        const end = startOfDay(day + 1);
        if (isWorking(day)) {
          if (end - t >= left) return t + left;
          left -= end - t;
        }
        t = end;
      }
      return t;
    },
  };
}

function requireInstant(value: Date, name: string): number {
  const ms = value instanceof Date ? value.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${name} is not a valid Date`);
  return ms;
}

function requirePositiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer: ${value}`);
}

/** Pauses as sorted, disjoint [from, to) ranges, clipped to start at `start`; an open pause ends at Infinity. */
function mergePauses(pauses: readonly ClockPause[], start: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  pauses.forEach((p, i) => {
    const from = requireInstant(p.from, `pauses[${i}].from`);
    const to = p.to === null ? Infinity : requireInstant(p.to, `pauses[${i}].to`);
    if (to < from) throw new RangeError(`pauses[${i}] ends before it begins`);
    const clipped = Math.max(from, start);
    if (to > clipped) ranges.push([clipped, to]);
  });
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/**
 * The deadline of a commitment, given when its clock started, the pauses and the approved extensions.
 *
 * Rules, each with an example on the operator's 2026 calendar (times are business time, UTC+8):
 * - `hours` count wall-clock time: a 24 h fault reported Wed 2026-09-30 18:00 is due Thu 10-01 18:00,
 *   National Day or not.
 * - `working_days`: the start day does not count; due at the end of the N-th working day after it.
 *   A 3-working-day complaint filed Fri 2026-03-06 19:30 is due Wed 03-11 24:00
 *   (`2026-03-12T00:00+08:00`). Filed Wed 2026-09-30: Oct 1–7 are off and Sat Oct 10 is a make-up
 *   working day, so Oct 8, 9 and 10 count and it is due Sat 10-10 24:00.
 * - `days`: the same with every day counting (as the Civil Code counts periods in days, art. 201):
 *   2 days from Mon 10:00 is Wed 24:00.
 * - Pauses give back the time they cover, measured on the commitment's own clock, and move the
 *   deadline by that much; only time before the (moving) deadline counts, so a pause that begins at
 *   or after the deadline changes nothing, and overlapping pauses count once.
 *   Hours: 24 h from Mon 10:00 with a pause Mon 14:00–17:30 → Tue 13:30.
 *   Working days: a working day is 24 h of working time, weekends and holidays are none, so a pause
 *   gives back exactly the part of it that fell on working days. 3 working days from Mon 2026-03-09
 *   10:00 (due Thu 24:00) with a pause Tue 09:00–15:00 gives back 6 h → due Fri 03-13 06:00; a pause
 *   over a weekend only gives back nothing, as the weekend was not counted anyway.
 * - Extensions add to the target on the same clock: +24 h on a 24 h fault from Mon 10:00 → Wed 10:00;
 *   +2 working days on the complaint due Wed 03-11 24:00 → Fri 03-13 24:00. One approved after the
 *   deadline it would move had passed (`approvedAt`) does not count: a 24 h fault from Mon 10:00
 *   stays due Tue 10:00 when +24 h is approved Tue 11:00.
 *
 * An open pause (`to: null`) that begins before the deadline leaves the deadline unknown: the result
 * is `paused`, with the remaining time frozen as it was when the pause began.
 *
 * @throws RangeError for an invalid instant, a target or extension amount that is not a positive
 *   integer, an extension in a unit that does not fit the commitment, a pause that ends before it
 *   begins, or a `working_days` target without a calendar.
 */
export function computeDeadline(input: DeadlineInput): DeadlineResult {
  const start = requireInstant(input.start, 'start');
  const { amount, unit } = input.target;
  requirePositiveInteger(amount, 'target.amount');

  let clock: Clock;
  let budget: number;
  const startDay = businessDayOf(start);
  const restOfStartDay = startOfDay(startDay + 1) - start;
  if (unit === 'working_days') {
    if (!input.calendar) throw new RangeError('a working_days target needs a work calendar');
    clock = workingClock(input.calendar);
    // The start day is not one of the N, but it is working time: the rest of it is part of the budget.
    budget = clock.measure(start, startOfDay(startDay + 1)) + amount * DAY_MS;
  } else if (unit === 'days') {
    clock = wallClock;
    budget = restOfStartDay + amount * DAY_MS;
  } else if (unit === 'hours') {
    clock = wallClock;
    budget = amount * HOUR_MS;
  } else {
    throw new RangeError(`unknown target unit: ${JSON.stringify(unit)}`);
  }

  const extensions = (input.extensions ?? []).map((ext, i) => {
    requirePositiveInteger(ext.amount, `extensions[${i}].amount`);
    const fits = unit === 'working_days' ? ext.unit === 'working_days' : ext.unit === 'hours' || ext.unit === 'days';
    if (!fits) throw new RangeError(`extensions[${i}] is in ${ext.unit}, which does not fit a ${unit} commitment`);
    const approvedAt = ext.approvedAt === undefined ? -Infinity : requireInstant(ext.approvedAt, `extensions[${i}].approvedAt`);
    return { ms: ext.amount * (ext.unit === 'hours' ? HOUR_MS : DAY_MS), approvedAt };
  });

  const pauses = mergePauses(input.pauses ?? [], start);
  // In the order they were approved, each extension counts only if the ticket was still on time
  // when it was approved: on the clock as it then stood (pauses up to that moment), the deadline
  // with the extensions counted so far had not passed.
  for (const ext of extensions.sort((a, b) => a.approvedAt - b.approvedAt)) {
    if (ext.approvedAt !== -Infinity) {
      const asThen = walk(clock, start, budget, clipPauses(pauses, ext.approvedAt));
      if (!asThen.paused && asThen.deadline < ext.approvedAt) continue;
    }
    budget += ext.ms;
  }
  const result = walk(clock, start, budget, pauses);
  return result.paused
    ? { paused: true, deadline: null, pausedSince: new Date(result.pausedSince), remainingAtPauseMs: result.remainingAtPauseMs, pausedMs: result.pausedMs }
    : { paused: false, deadline: new Date(result.deadline), pausedMs: result.pausedMs };
}

/** Pauses as they were known at `at`: those begun by then, ending no later than then. */
function clipPauses(pauses: ReadonlyArray<[number, number]>, at: number): Array<[number, number]> {
  return pauses.filter(([from]) => from < at).map(([from, to]): [number, number] => [from, Math.min(to, at)]);
}

/** Walks forward from the start, spending the budget on running time and skipping paused time. */
function walk(
  clock: Clock,
  start: number,
  budget: number,
  pauses: ReadonlyArray<[number, number]>,
): { paused: false; deadline: number; pausedMs: number } | { paused: true; pausedSince: number; remainingAtPauseMs: number; pausedMs: number } {
  let cursor = start;
  let left = budget;
  let pausedMs = 0;
  for (const [from, to] of pauses) {
    if (from > cursor) {
      const running = clock.measure(cursor, from);
      if (running >= left) break; // time runs out before this pause begins: it changes nothing
      left -= running;
      cursor = from;
    }
    if (to === Infinity) {
      const ifResumedNow = clock.advance(cursor, left);
      return { paused: true, pausedSince: cursor, remainingAtPauseMs: ifResumedNow - cursor, pausedMs };
    }
    pausedMs += clock.measure(cursor, to);
    cursor = to;
  }
  return { paused: false, deadline: clock.advance(cursor, left), pausedMs };
}

// ---- status ----

/**
 * How a ticket stands against its commitment: `ok`; `due_soon` (within `dueSoonMs` of the deadline,
 * the deadline itself included); `breached` (past it, or completed late); `paused` (waiting for the subscriber).
 */
export type SlaRisk = 'ok' | 'due_soon' | 'breached' | 'paused';

/**
 * The "due soon" window in hours: an open ticket with this long or less left before its deadline
 * (the deadline itself included) is `due_soon`. The staff queue's `risk=due_soon` filter, the
 * server's clock and the client's live countdown all judge by it.
 */
export const DUE_SOON_HOURS = 4;

/** {@link DUE_SOON_HOURS} in milliseconds. */
export const DUE_SOON_MS = DUE_SOON_HOURS * HOUR_MS;

/**
 * Whether a running clock with `remainingMs` left is due soon: not yet late, and at most `windowMs`
 * (by default {@link DUE_SOON_MS}) from the deadline; exactly at the deadline still counts.
 *
 * @example
 * isDueSoon(3 * 3_600_000) // true: 3 h left
 * isDueSoon(-1)            // false: late, that is `breached`
 */
export function isDueSoon(remainingMs: number, windowMs: number = DUE_SOON_MS): boolean {
  return remainingMs >= 0 && remainingMs <= windowMs;
}

/** {@link DeadlineInput} plus the moment to judge at. */
export interface SlaStatusInput extends DeadlineInput {
  /** The moment the status is for (usually the current time). */
  now: Date;
  /** When the ticket was resolved; the clock stops there. */
  completedAt?: Date | null;
  /** How close to the deadline counts as `due_soon`; default {@link DUE_SOON_MS} (4 hours). */
  dueSoonMs?: number;
}

/** A ticket's clock, as the staff queue and the subscriber's ticket page show it. */
export interface SlaStatus {
  /**
   * The last on-time instant; null while paused, unless every pause's end is already known (a home
   * visit the subscriber chose after the deadline: the clock waits until it begins, and the deadline
   * is the commitment counted from then).
   */
  deadline: Date | null;
  paused: boolean;
  /**
   * Wall-clock ms from now (or from completion) to the deadline: negative when late, frozen at the
   * pause start while paused.
   */
  remainingMs: number;
  /** Past the deadline (or completed after it). */
  breached: boolean;
  /** For a completed ticket, whether it was completed by the deadline; null while open. */
  onTime: boolean | null;
  risk: SlaRisk;
  /** Time not counted because the ticket waited (working time for `working_days`). */
  pausedMs: number;
}

/**
 * The ticket's clock as of `now` (or as of `completedAt`, once completed).
 *
 * The pauses are taken as the record of what has happened: judged at `now`, a pause beginning after
 * `now` is left out and one ending after `now` is still open. Once completed, the clock stopped at
 * `completedAt`: a pause still open then ends there. A completed ticket is `ok` when on time and
 * `breached` when late; its `remainingMs` is the margin it was done with (negative: how late).
 *
 * @example
 * // a 24 h fault reported Mon 10:00, seen Tue 07:00: 3 h left, due soon
 * slaStatus({ start, target: { amount: 24, unit: 'hours' }, now }) // { remainingMs: 10_800_000, risk: 'due_soon', … }
 * @throws RangeError for the same bad inputs as {@link computeDeadline}, or a negative `dueSoonMs`.
 */
export function slaStatus(input: SlaStatusInput): SlaStatus {
  const now = requireInstant(input.now, 'now');
  const dueSoonMs = input.dueSoonMs ?? DUE_SOON_MS;
  if (!Number.isFinite(dueSoonMs) || dueSoonMs < 0) throw new RangeError(`dueSoonMs must be a non-negative number: ${dueSoonMs}`);
  const completedAt = input.completedAt === null || input.completedAt === undefined ? null : requireInstant(input.completedAt, 'completedAt');
  const asOf = completedAt ?? now;

  const pauses: ClockPause[] = [];
  for (const p of input.pauses ?? []) {
    const from = requireInstant(p.from, 'pause.from');
    if (completedAt !== null ? from >= asOf : from > asOf) continue;
    const open = p.to === null || requireInstant(p.to, 'pause.to') > asOf;
    pauses.push({ from: p.from, to: !open ? p.to : completedAt !== null ? new Date(completedAt) : null });
  }
  const result = computeDeadline({ ...input, pauses });

  if (result.paused) {
    const known = completedAt === null && (input.pauses ?? []).every((p) => p.to !== null) ? computeDeadline(input) : null;
    const deadline = known && !known.paused ? known.deadline : null;
    return { deadline, paused: true, remainingMs: result.remainingAtPauseMs, breached: false, onTime: null, risk: 'paused', pausedMs: result.pausedMs };
  }
  const remainingMs = result.deadline.getTime() - asOf;
  const breached = remainingMs < 0;
  const risk: SlaRisk = breached ? 'breached' : completedAt === null && isDueSoon(remainingMs, dueSoonMs) ? 'due_soon' : 'ok';
  return {
    deadline: result.deadline,
    paused: false,
    remainingMs,
    breached,
    onTime: completedAt === null ? null : !breached,
    risk,
    pausedMs: result.pausedMs,
  };
}

/**
 * Remaining (or overdue) time in Chinese, as the ticket page and the staff queue show it: days and
 * hours from one day up, hours and minutes below that, a zero part left out. Parts are rounded down,
 * so the time left is never overstated.
 *
 * @example formatRemaining(12_000_000) // '剩余 3 小时 20 分'
 * @example formatRemaining(-7_200_000) // '已超时 2 小时'
 * @example formatRemaining(187_200_000) // '剩余 2 天 4 小时'
 * @example formatRemaining(30_000) // '剩余不足 1 分'
 * @throws RangeError when `ms` is not a finite number.
 */
export function formatRemaining(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`remaining time is not a finite number: ${ms}`);
  const prefix = ms < 0 ? '已超时' : '剩余';
  const abs = Math.abs(ms);
  const days = Math.floor(abs / DAY_MS);
  const hours = Math.floor((abs % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((abs % HOUR_MS) / 60_000);
  let parts: Array<[number, string]>;
  if (days > 0) parts = [[days, '天'], [hours, '小时']];
  else if (hours > 0) parts = [[hours, '小时'], [minutes, '分']];
  else if (minutes > 0) parts = [[minutes, '分']];
  else return `${prefix}不足 1 分`;
  return `${prefix} ${parts.filter(([n]) => n > 0).map(([n, u]) => `${n} ${u}`).join(' ')}`;
}
