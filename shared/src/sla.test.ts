import fs from 'fs';
import path from 'path';
import {
  computeDeadline,
  createWorkCalendar,
  formatRemaining,
  slaStatus,
  calendarStatus,
  calendarNoteFor,
  isDueSoon,
  DUE_SOON_HOURS,
  DUE_SOON_MS,
  type ClockExtension,
  type ClockPause,
  type CommitmentTarget,
  type HolidayYear,
} from './sla';

/** The operator's real calendar: these tables check config/holidays.json as much as the code. */
const holidaysFile = JSON.parse(fs.readFileSync(path.join(__dirname, '../../config/holidays.json'), 'utf8')) as {
  years: Record<string, HolidayYear>;
};
const calendar = createWorkCalendar(holidaysFile.years);

/** Business time (Asia/Shanghai, UTC+8) as an instant: bj('2026-03-09T10:00'). */
const bj = (local: string) => new Date(`${local}:00+08:00`);
/** Expected deadlines are written as exact ISO instants in +08:00 and compared in UTC. */
const iso = (instant: string) => new Date(instant).toISOString();
const pause = (from: string, to: string | null): ClockPause => ({ from: bj(from), to: to === null ? null : bj(to) });
const extension = (amount: number, unit: ClockExtension['unit']): ClockExtension => ({ amount, unit, reason: '需协调施工队', approvedBy: '王班长 (1021)' });

const fault24: CommitmentTarget = { amount: 24, unit: 'hours' };
const fault72: CommitmentTarget = { amount: 72, unit: 'hours' };
const complaint3: CommitmentTarget = { amount: 3, unit: 'working_days' };
const install5: CommitmentTarget = { amount: 5, unit: 'working_days' };
const HOUR = 3_600_000;

describe('the work calendar (config/holidays.json)', () => {
  test.each([
    ['an ordinary Monday', '2026-03-09', true],
    ['an ordinary Saturday', '2026-03-07', false],
    ['National Day, a Thursday', '2026-10-01', false],
    ['National Day week, Wednesday', '2026-10-07', false],
    ['make-up Saturday after National Day', '2026-10-10', true],
    ['the Sunday after it', '2026-10-11', false],
    ['make-up Sunday before Mid-Autumn', '2026-09-20', true],
    ['Mid-Autumn, a Friday', '2026-09-25', false],
    ['make-up Saturday before Spring Festival', '2026-02-14', true],
    ['last day of Spring Festival, a Monday', '2026-02-23', false],
    ['make-up Saturday after Spring Festival', '2026-02-28', true],
    ['a year not covered: plain weekday', '2025-12-31', true],
    ['a year not covered: plain Saturday', '2028-01-01', false],
  ])('%s (%s) → working day %s', (_name, date, expected) => {
    expect(calendar.isWorkingDay(date)).toBe(expected);
  });

  test('says which years it covers and which are provisional', () => {
    expect([2025, 2026, 2027, 2028].map((y) => calendar.covers(y))).toEqual([false, true, true, false]);
    expect([2026, 2027, 2028].map((y) => calendar.isProvisional(y))).toEqual([false, true, false]);
  });

  test.each<[string, Record<string, HolidayYear>]>([
    ['a date that does not exist', { '2026': { holidays: ['2026-02-30'], workdays: [] } }],
    ['a date in another format', { '2026': { holidays: ['2026/10/01'], workdays: [] } }],
    ['a date under the wrong year', { '2026': { holidays: ['2027-01-01'], workdays: [] } }],
    ['a day both off and worked', { '2026': { holidays: ['2026-10-10'], workdays: ['2026-10-10'] } }],
    ['a year that is not a year', { '26': { holidays: [], workdays: [] } }],
  ])('refuses a calendar with %s', (_name, years) => {
    expect(() => createWorkCalendar(years)).toThrow(RangeError);
  });

  test('refuses to classify a malformed date', () => {
    expect(() => calendar.isWorkingDay('2026-9-20')).toThrow(RangeError);
  });
});

describe('computeDeadline without pauses', () => {
  test.each<[string, CommitmentTarget, string, string]>([
    // hours are wall-clock time: nights, weekends and holidays count
    ['24 h fault across midnight', fault24, '2026-03-09T20:00', '2026-03-10T20:00+08:00'],
    ['24 h fault into National Day', fault24, '2026-09-30T18:00', '2026-10-01T18:00+08:00'],
    ['72 h major fault over Spring Festival', fault72, '2026-02-13T10:00', '2026-02-16T10:00+08:00'],
    ['4 h hotline response at night', { amount: 4, unit: 'hours' }, '2026-03-09T22:30', '2026-03-10T02:30+08:00'],
    // working days: the start day does not count; due at 24:00 of the N-th working day after it
    ['3 wd complaint on Monday morning → Thursday 24:00', complaint3, '2026-03-09T10:00', '2026-03-13T00:00+08:00'],
    ['3 wd complaint at Monday 00:00 exactly: Monday still the start day', complaint3, '2026-03-09T00:00', '2026-03-13T00:00+08:00'],
    // Monday 07:00 in Shanghai is Sunday 23:00 UTC: the business date decides
    ['3 wd complaint Monday 07:00 (Sunday in UTC)', complaint3, '2026-03-09T07:00', '2026-03-13T00:00+08:00'],
    ['3 wd complaint Friday evening → Wednesday 24:00', complaint3, '2026-03-06T19:30', '2026-03-12T00:00+08:00'],
    ['3 wd complaint on a Saturday → Wednesday 24:00', complaint3, '2026-03-07T11:00', '2026-03-12T00:00+08:00'],
    ['3 wd complaint the day before National Day: Oct 8, 9 and make-up Sat 10', complaint3, '2026-09-30T16:00', '2026-10-11T00:00+08:00'],
    ['3 wd complaint on National Day itself', complaint3, '2026-10-03T09:00', '2026-10-11T00:00+08:00'],
    ['3 wd complaint on make-up Sunday Sep 20 (a working start day, not counted)', complaint3, '2026-09-20T10:00', '2026-09-24T00:00+08:00'],
    ['5 wd on make-up Sunday Sep 20, over Mid-Autumn (Sep 25–27)', install5, '2026-09-20T10:00', '2026-09-29T00:00+08:00'],
    ['3 wd complaint the Saturday before make-up Sunday Sep 20', complaint3, '2026-09-19T10:00', '2026-09-23T00:00+08:00'],
    ['5 wd before Spring Festival: Feb 13, make-up Sat 14, then Feb 24–26', install5, '2026-02-12T09:00', '2026-02-27T00:00+08:00'],
    ['5 wd on Friday Feb 13: make-up Sat 14, then Feb 24–27', install5, '2026-02-13T09:00', '2026-02-28T00:00+08:00'],
    ['5 wd filed during Spring Festival: Feb 24–27 and make-up Sat 28', install5, '2026-02-18T09:00', '2026-03-01T00:00+08:00'],
    ['10 wd rural installation over National Day', { amount: 10, unit: 'working_days' }, '2026-09-28T09:00', '2026-10-17T00:00+08:00'],
    // 2025 is not in the calendar: Dec 30 and 31 are plain weekdays; 2026 starts with Jan 1–3 off and make-up Sun Jan 4
    ['3 wd across the year end, from an uncovered year', complaint3, '2025-12-29T10:00', '2026-01-05T00:00+08:00'],
    ['3 wd on New Year\'s Eve: make-up Sunday Jan 4 counts', complaint3, '2025-12-31T10:00', '2026-01-07T00:00+08:00'],
    // calendar days: every day counts, the start day does not
    ['2 calendar days from Monday morning → Wednesday 24:00', { amount: 2, unit: 'days' }, '2026-03-09T10:00', '2026-03-12T00:00+08:00'],
    ['3 calendar days over National Day', { amount: 3, unit: 'days' }, '2026-09-30T16:00', '2026-10-04T00:00+08:00'],
  ])('%s', (_name, target, start, expected) => {
    const result = computeDeadline({ start: bj(start), target, calendar });
    expect(result.paused).toBe(false);
    expect(result.deadline?.toISOString()).toBe(iso(expected));
    expect(result.pausedMs).toBe(0);
  });
});

describe('computeDeadline with pauses (waiting for the subscriber)', () => {
  test.each<[string, CommitmentTarget, string, ClockPause[], string, number]>([
    ['hours: one pause moves the deadline by its length', fault24, '2026-03-09T10:00', [pause('2026-03-09T14:00', '2026-03-09T17:30')], '2026-03-10T13:30+08:00', 3.5 * HOUR],
    ['hours: a pause over the weekend counts in full', fault24, '2026-03-06T10:00', [pause('2026-03-06T18:00', '2026-03-07T09:00')], '2026-03-08T01:00+08:00', 15 * HOUR],
    ['hours: a pause beginning after the deadline changes nothing', fault24, '2026-03-09T10:00', [pause('2026-03-10T11:00', '2026-03-10T15:00')], '2026-03-10T10:00+08:00', 0],
    ['hours: a pause beginning exactly at the deadline changes nothing', fault24, '2026-03-09T10:00', [pause('2026-03-10T10:00', '2026-03-10T15:00')], '2026-03-10T10:00+08:00', 0],
    ['hours: a pause straddling the deadline counts in full', fault24, '2026-03-09T10:00', [pause('2026-03-10T09:00', '2026-03-10T12:00')], '2026-03-10T13:00+08:00', 3 * HOUR],
    // the first pause moves the deadline to Tue 14:00, which brings the second one (Tue 12–13) in
    ['hours: a pause after the original deadline counts once the deadline has moved past it', fault24, '2026-03-09T10:00', [pause('2026-03-10T12:00', '2026-03-10T13:00'), pause('2026-03-09T12:00', '2026-03-09T16:00')], '2026-03-10T15:00+08:00', 5 * HOUR],
    ['hours: overlapping pauses count once', fault24, '2026-03-09T10:00', [pause('2026-03-09T12:00', '2026-03-09T15:00'), pause('2026-03-09T14:00', '2026-03-09T16:00')], '2026-03-10T14:00+08:00', 4 * HOUR],
    ['hours: a pause inside another counts once', fault24, '2026-03-09T10:00', [pause('2026-03-09T12:00', '2026-03-09T16:00'), pause('2026-03-09T13:00', '2026-03-09T14:00')], '2026-03-10T14:00+08:00', 4 * HOUR],
    ['hours: a pause begun before the start counts from the start', fault24, '2026-03-09T10:00', [pause('2026-03-09T08:00', '2026-03-09T11:00')], '2026-03-10T11:00+08:00', 1 * HOUR],
    ['hours: a pause wholly before the start changes nothing', fault24, '2026-03-09T10:00', [pause('2026-03-09T08:00', '2026-03-09T09:00')], '2026-03-10T10:00+08:00', 0],
    ['working days: a 6 h pause on Tuesday gives back 6 h of Thursday night', complaint3, '2026-03-09T10:00', [pause('2026-03-10T09:00', '2026-03-10T15:00')], '2026-03-13T06:00+08:00', 6 * HOUR],
    ['working days: a pause over a weekend gives back only its working-day part', complaint3, '2026-03-11T10:00', [pause('2026-03-13T18:00', '2026-03-16T09:00')], '2026-03-17T15:00+08:00', 15 * HOUR],
    ['working days: a pause on the weekend only gives back nothing', complaint3, '2026-03-06T19:30', [pause('2026-03-07T10:00', '2026-03-08T20:00')], '2026-03-12T00:00+08:00', 0],
    ['working days: a pause over National Day gives back its last working hours only', complaint3, '2026-09-29T10:00', [pause('2026-09-30T20:00', '2026-10-08T10:00')], '2026-10-10T14:00+08:00', 14 * HOUR],
    // a whole working day waited: Tue 00:00–Wed 00:00 → one working day later, Friday 24:00
    ['working days: a whole working day waited moves it a whole working day', complaint3, '2026-03-09T10:00', [pause('2026-03-10T00:00', '2026-03-11T00:00')], '2026-03-14T00:00+08:00', 24 * HOUR],
    ['working days: overlapping pauses count once', complaint3, '2026-03-09T10:00', [pause('2026-03-10T09:00', '2026-03-10T13:00'), pause('2026-03-10T11:00', '2026-03-10T15:00')], '2026-03-13T06:00+08:00', 6 * HOUR],
  ])('%s', (_name, target, start, pauses, expected, pausedMs) => {
    const result = computeDeadline({ start: bj(start), target, pauses, calendar });
    expect(result.paused).toBe(false);
    expect(result.deadline?.toISOString()).toBe(iso(expected));
    expect(result.pausedMs).toBe(pausedMs);
  });

  test.each<[string, CommitmentTarget, string, ClockPause[], string, number]>([
    // at Mon 14:00 a 24 h clock from Mon 10:00 had 20 h left
    ['hours', fault24, '2026-03-09T10:00', [pause('2026-03-09T14:00', null)], '2026-03-09T14:00+08:00', 20 * HOUR],
    // due Thu 24:00; at Wed 15:00 there were 33 h left
    ['working days', complaint3, '2026-03-09T10:00', [pause('2026-03-11T15:00', null)], '2026-03-11T15:00+08:00', 33 * HOUR],
    // due Mon 24:00 (Thu, Fri, Mon); paused Fri 15:00 with 33 working hours left: 3 days 9 h away on the wall clock
    ['working days, paused on a Friday', complaint3, '2026-03-11T10:00', [pause('2026-03-13T15:00', null)], '2026-03-13T15:00+08:00', 3 * 24 * HOUR + 9 * HOUR],
    ['an open pause that swallows a closed one', fault24, '2026-03-09T10:00', [pause('2026-03-09T14:00', null), pause('2026-03-09T15:00', '2026-03-09T16:00')], '2026-03-09T14:00+08:00', 20 * HOUR],
  ])('an open pause leaves the deadline unknown (%s)', (_name, target, start, pauses, since, remaining) => {
    const result = computeDeadline({ start: bj(start), target, pauses, calendar });
    expect(result).toMatchObject({ paused: true, deadline: null, remainingAtPauseMs: remaining });
    expect(result.paused && result.pausedSince.toISOString()).toBe(iso(since));
  });

  test('an open pause that began after the deadline changes nothing', () => {
    const result = computeDeadline({ start: bj('2026-03-09T10:00'), target: fault24, pauses: [pause('2026-03-10T12:00', null)] });
    expect(result.paused).toBe(false);
    expect(result.deadline?.toISOString()).toBe(iso('2026-03-10T10:00+08:00'));
  });
});

describe('extensions and when they were approved', () => {
  const approved = (amount: number, unit: ClockExtension['unit'], at: string): ClockExtension => ({ ...extension(amount, unit), approvedAt: bj(at) });
  it.each<[string, typeof fault24, string, ClockExtension[], ReturnType<typeof pause>[], string]>([
    ['approved before the deadline: counts', fault24, '2026-03-09T10:00', [approved(24, 'hours', '2026-03-10T09:00')], [], '2026-03-11T10:00+08:00'],
    ['approved exactly at the deadline (the last on-time instant): counts', fault24, '2026-03-09T10:00', [approved(24, 'hours', '2026-03-10T10:00')], [], '2026-03-11T10:00+08:00'],
    ['approved an hour after the deadline: does not cure the breach', fault24, '2026-03-09T10:00', [approved(24, 'hours', '2026-03-10T11:00')], [], '2026-03-10T10:00+08:00'],
    ['a pause before the approval is counted when judging it: still on time', fault24, '2026-03-09T10:00', [approved(24, 'hours', '2026-03-10T11:00')], [pause('2026-03-09T12:00', '2026-03-09T14:00')], '2026-03-11T12:00+08:00'],
    ['a pause after the approval does not make a late approval count', fault24, '2026-03-09T10:00', [approved(24, 'hours', '2026-03-10T11:00')], [pause('2026-03-10T12:00', '2026-03-10T14:00')], '2026-03-10T10:00+08:00'],
    ['the second, approved within the first extension, counts', fault24, '2026-03-09T10:00', [approved(24, 'hours', '2026-03-10T09:00'), approved(12, 'hours', '2026-03-11T09:00')], [], '2026-03-11T22:00+08:00'],
    ['the second, approved after the extended deadline, does not (order of approval, not of listing)', fault24, '2026-03-09T10:00', [approved(12, 'hours', '2026-03-11T11:00'), approved(24, 'hours', '2026-03-10T09:00')], [], '2026-03-11T10:00+08:00'],
    ['working days: +2 approved Thursday after a complaint due Wednesday 24:00 does not count', complaint3, '2026-03-06T19:30', [approved(2, 'working_days', '2026-03-12T09:00')], [], '2026-03-12T00:00+08:00'],
    ['working days: +2 approved Wednesday afternoon counts', complaint3, '2026-03-06T19:30', [approved(2, 'working_days', '2026-03-11T15:00')], [], '2026-03-14T00:00+08:00'],
  ])('%s', (_name, target, start, extensions, pauses, expected) => {
    const result = computeDeadline({ start: bj(start), target, extensions, pauses, calendar });
    expect(result.paused ? null : result.deadline.toISOString()).toBe(new Date(expected).toISOString());
  });

  it('a resolution on time stays on time, a late one stays late, whatever is approved afterwards', () => {
    const base = { start: bj('2026-03-09T10:00'), target: fault24, calendar };
    const late = slaStatus({ ...base, extensions: [approved(24, 'hours', '2026-03-10T12:00')], now: bj('2026-03-12T00:00'), completedAt: bj('2026-03-10T11:00') });
    expect(late).toMatchObject({ onTime: false, breached: true });
    const early = slaStatus({ ...base, extensions: [approved(24, 'hours', '2026-03-10T09:00')], now: bj('2026-03-12T00:00'), completedAt: bj('2026-03-10T11:00') });
    expect(early).toMatchObject({ onTime: true, breached: false });
  });
});

describe('computeDeadline with approved extensions', () => {
  test.each<[string, CommitmentTarget, string, ClockExtension[], ClockPause[], string]>([
    ['+24 h on a 24 h fault', fault24, '2026-03-09T10:00', [extension(24, 'hours')], [], '2026-03-11T10:00+08:00'],
    ['+1 day on a 24 h fault (a day is 24 h)', fault24, '2026-03-09T10:00', [extension(1, 'days')], [], '2026-03-11T10:00+08:00'],
    ['two extensions add up', fault72, '2026-03-09T10:00', [extension(24, 'hours'), extension(12, 'hours')], [], '2026-03-13T22:00+08:00'],
    ['+2 working days on a complaint due Wednesday → Friday 24:00', complaint3, '2026-03-06T19:30', [extension(2, 'working_days')], [], '2026-03-14T00:00+08:00'],
    // due Thu Oct 8 24:00 (Sep 29, Sep 30, Oct 8); +2 → Fri Oct 9 and make-up Sat Oct 10
    ['+2 working days over the make-up Saturday', complaint3, '2026-09-28T09:00', [extension(2, 'working_days')], [], '2026-10-11T00:00+08:00'],
    ['+1 working day with a 6 h pause: Friday 06:00 → Monday 06:00', complaint3, '2026-03-09T10:00', [extension(1, 'working_days')], [pause('2026-03-10T09:00', '2026-03-10T15:00')], '2026-03-16T06:00+08:00'],
    ['+12 h with a pause on a 24 h fault', fault24, '2026-03-09T10:00', [extension(12, 'hours')], [pause('2026-03-09T14:00', '2026-03-09T16:00')], '2026-03-11T00:00+08:00'],
  ])('%s', (_name, target, start, extensions, pauses, expected) => {
    const result = computeDeadline({ start: bj(start), target, extensions, pauses, calendar });
    expect(result.deadline?.toISOString()).toBe(iso(expected));
  });

  test.each<[string, CommitmentTarget, ClockExtension]>([
    ['hours on a working-day commitment', complaint3, extension(24, 'hours')],
    ['calendar days on a working-day commitment', complaint3, extension(1, 'days')],
    ['working days on an hours commitment', fault24, extension(1, 'working_days')],
    ['a zero extension', fault24, extension(0, 'hours')],
    ['a fractional extension', fault24, extension(1.5, 'hours')],
  ])('refuses %s', (_name, target, ext) => {
    expect(() => computeDeadline({ start: bj('2026-03-09T10:00'), target, extensions: [ext], calendar })).toThrow(RangeError);
  });
});

describe('computeDeadline refuses bad input', () => {
  test.each<[string, () => unknown]>([
    ['a zero target', () => computeDeadline({ start: bj('2026-03-09T10:00'), target: { amount: 0, unit: 'hours' } })],
    ['a fractional target', () => computeDeadline({ start: bj('2026-03-09T10:00'), target: { amount: 2.5, unit: 'working_days' }, calendar })],
    ['working days without a calendar', () => computeDeadline({ start: bj('2026-03-09T10:00'), target: complaint3 })],
    ['an invalid start', () => computeDeadline({ start: new Date('not a date'), target: fault24 })],
    ['a pause that ends before it begins', () => computeDeadline({ start: bj('2026-03-09T10:00'), target: fault24, pauses: [pause('2026-03-09T12:00', '2026-03-09T11:00')] })],
  ])('%s', (_name, call) => {
    expect(call).toThrow(RangeError);
  });
});

describe('slaStatus', () => {
  const fault = { start: bj('2026-03-09T10:00'), target: fault24, calendar }; // due Tue 10:00
  const complaint = { start: bj('2026-03-09T10:00'), target: complaint3, calendar }; // due Thu 24:00

  test.each<[string, object, string, number, 'ok' | 'due_soon' | 'breached' | 'paused', boolean]>([
    ['plenty of time', fault, '2026-03-09T12:00', 22 * HOUR, 'ok', false],
    ['a minute more than 4 h left', fault, '2026-03-10T05:59', 4 * HOUR + 60_000, 'ok', false],
    ['exactly 4 h left', fault, '2026-03-10T06:00', 4 * HOUR, 'due_soon', false],
    ['at the deadline itself: due soon, not yet late', fault, '2026-03-10T10:00', 0, 'due_soon', false],
    ['a minute past the deadline', fault, '2026-03-10T10:01', -60_000, 'breached', false],
    ['a custom due-soon window of 24 h', { ...fault, dueSoonMs: 24 * HOUR }, '2026-03-09T12:00', 22 * HOUR, 'due_soon', false],
    ['a complaint on Thursday evening', complaint, '2026-03-12T20:00', 4 * HOUR, 'due_soon', false],
    ['a complaint on Friday morning', complaint, '2026-03-13T09:00', -9 * HOUR, 'breached', false],
    // open pause since Mon 14:00: frozen at the 20 h that were left then, however late it is now
    ['paused, remaining frozen', { ...fault, pauses: [pause('2026-03-09T14:00', null)] }, '2026-03-12T09:00', 20 * HOUR, 'paused', true],
    // judged at Mon 12:00, a pause from Mon 14:00 has not begun
    ['a pause after now is not counted yet', { ...fault, pauses: [pause('2026-03-09T14:00', null)] }, '2026-03-09T12:00', 22 * HOUR, 'ok', false],
    // the pause began after the deadline had passed: still breached, not paused
    ['a pause opened after the breach', { ...fault, pauses: [pause('2026-03-10T12:00', null)] }, '2026-03-10T13:00', -3 * HOUR, 'breached', false],
    ['resumed after a closed pause', { ...fault, pauses: [pause('2026-03-09T14:00', '2026-03-09T18:00')] }, '2026-03-10T10:00', 4 * HOUR, 'due_soon', false],
  ])('%s', (_name, input, now, remainingMs, risk, paused) => {
    const status = slaStatus({ ...(input as typeof fault), now: bj(now) });
    expect(status).toMatchObject({ remainingMs, risk, paused, breached: risk === 'breached', onTime: null });
    expect(status.deadline === null).toBe(paused);
  });

  test('a pause whose end is already known (a visit chosen after the deadline) is running, with the deadline known', () => {
    // recorded as ending Tue 09:00, judged at Mon 20:00: still waiting, and 19 h given back → due Wed 05:00
    const input = { ...fault, pauses: [pause('2026-03-09T14:00', '2026-03-10T09:00')] };
    expect(slaStatus({ ...input, now: bj('2026-03-09T20:00') })).toMatchObject({ paused: true, risk: 'paused', remainingMs: 20 * HOUR, deadline: bj('2026-03-11T05:00') });
    // a second, open pause leaves it unknown again
    const open = slaStatus({ ...input, pauses: [...input.pauses, pause('2026-03-09T16:00', null)], now: bj('2026-03-09T20:00') });
    expect(open).toMatchObject({ paused: true, deadline: null });
    // once it has ended the clock runs to the same deadline
    expect(slaStatus({ ...input, now: bj('2026-03-10T09:00') })).toMatchObject({ paused: false, deadline: bj('2026-03-11T05:00'), remainingMs: 20 * HOUR });
  });

  test.each<[string, object, string, boolean, number]>([
    ['a fault fixed with an hour to spare', fault, '2026-03-10T09:00', true, HOUR],
    ['a fault fixed at the deadline exactly', fault, '2026-03-10T10:00', true, 0],
    ['a fault fixed a second late', fault, '2026-03-10T10:00:01', false, -1000],
    ['a complaint answered Thursday 23:59', complaint, '2026-03-12T23:59', true, 60_000],
    ['a complaint answered at Thursday 24:00', complaint, '2026-03-13T00:00', true, 0],
    ['a complaint answered Friday 08:00', complaint, '2026-03-13T08:00', false, -8 * HOUR],
    // the pause still open at completion ends there: 23 h waited → due Wed 09:00, the 20 h left at the pause intact
    ['fixed while a pause was open', { ...fault, pauses: [pause('2026-03-09T14:00', null)] }, '2026-03-10T13:00', true, 20 * HOUR],
    ['a pause after completion changes nothing', { ...fault, pauses: [pause('2026-03-10T11:00', null)] }, '2026-03-10T10:30', false, -30 * 60_000],
  ])('completed: %s', (_name, input, completedAt, onTime, remainingMs) => {
    const status = slaStatus({ ...(input as typeof fault), now: bj('2026-03-20T12:00'), completedAt: new Date(`${completedAt}+08:00`) });
    expect(status).toMatchObject({ onTime, breached: !onTime, remainingMs, paused: false, risk: onTime ? 'ok' : 'breached' });
  });

  test('reports the time given back and the deadline it led to', () => {
    const status = slaStatus({ ...complaint, pauses: [pause('2026-03-10T09:00', '2026-03-10T15:00')], now: bj('2026-03-12T12:00') });
    expect(status.deadline?.toISOString()).toBe(iso('2026-03-13T06:00+08:00'));
    expect(status.pausedMs).toBe(6 * HOUR);
    expect(status.remainingMs).toBe(18 * HOUR);
  });

  test('refuses a negative due-soon window', () => {
    expect(() => slaStatus({ ...fault, now: bj('2026-03-09T12:00'), dueSoonMs: -1 })).toThrow(RangeError);
  });
});

describe('formatRemaining', () => {
  test.each([
    [(3 * 60 + 20) * 60_000, '剩余 3 小时 20 分'],
    [(3 * 60 + 20) * 60_000 + 59_999, '剩余 3 小时 20 分'],
    [3 * HOUR, '剩余 3 小时'],
    [45 * 60_000, '剩余 45 分'],
    [(2 * 24 + 4) * HOUR + 30 * 60_000, '剩余 2 天 4 小时'],
    [2 * 24 * HOUR, '剩余 2 天'],
    [30_000, '剩余不足 1 分'],
    [0, '剩余不足 1 分'],
    [-30_000, '已超时不足 1 分'],
    [-2 * HOUR, '已超时 2 小时'],
    [-(2 * HOUR + 59_000), '已超时 2 小时'],
    [-(26 * HOUR), '已超时 1 天 2 小时'],
  ])('%i ms → %s', (ms, expected) => {
    expect(formatRemaining(ms)).toBe(expected);
  });

  test('refuses a number that is not finite', () => {
    expect(() => formatRemaining(NaN)).toThrow(RangeError);
  });
});

describe('the calendar’s edges', () => {
  const years = { '2026': { holidays: ['2026-10-01'], workdays: [] }, '2027': { holidays: ['2027-10-01'], workdays: [], provisional: true } };
  it.each([
    ['a year and more ahead, 2027 provisional', years, '2026-12-04', { lastDay: '2027-12-31', daysLeft: 392, provisionalYears: [2027] }, ['2027 年节假日安排为暂定']],
    ['within 90 days of the end', years, '2027-10-10', { lastDay: '2027-12-31', daysLeft: 82, provisionalYears: [2027] }, ['将于 2027-12-31 到期（还剩 82 天）', '请在 config/holidays.json']],
    ['past the end', { '2026': years['2026'] }, '2027-01-02', { lastDay: '2026-12-31', daysLeft: -2, provisionalYears: [] }, ['已于 2026-12-31 到期']],
    ['final and far from the end: nothing to say', { '2026': years['2026'], '2027': { ...years['2027'], provisional: false } }, '2026-12-04', { provisionalYears: [], warning: null }, []],
  ] as const)('%s', (_name, cal, today, expected, says) => {
    const status = calendarStatus(cal, today);
    expect(status).toMatchObject(expected);
    for (const words of says) expect(status.warning).toContain(words);
  });

  it('marks a working-day clock that runs into a provisional or unlisted year', () => {
    const cal = createWorkCalendar(years);
    expect(calendarNoteFor(cal, bj('2026-12-01T10:00'), bj('2026-12-04T00:00'))).toBeNull();
    expect(calendarNoteFor(cal, bj('2026-12-29T10:00'), bj('2027-01-04T00:00'))).toBe('provisional');
    expect(calendarNoteFor(cal, bj('2027-12-29T10:00'), bj('2028-01-04T00:00'))).toBe('uncovered');
  });
});

describe('the due-soon rule (one definition for the queue, the server clock and the client countdown)', () => {
  test('the window is 4 hours', () => {
    expect(DUE_SOON_HOURS).toBe(4);
    expect(DUE_SOON_MS).toBe(4 * HOUR);
  });
  test.each<[string, number, number | undefined, boolean]>([
    ['5 h left', 5 * HOUR, undefined, false],
    ['one ms more than 4 h left', 4 * HOUR + 1, undefined, false],
    ['exactly 4 h left', 4 * HOUR, undefined, true],
    ['3 h left', 3 * HOUR, undefined, true],
    ['at the deadline itself', 0, undefined, true],
    ['one ms late: breached, not due soon', -1, undefined, false],
    ['10 h left in a 12-hour window', 10 * HOUR, 12 * HOUR, true],
    ['13 h left in a 12-hour window', 13 * HOUR, 12 * HOUR, false],
    ['at the deadline with a zero window', 0, 0, true],
  ])('%s', (_name, remainingMs, windowMs, expected) => {
    expect(isDueSoon(remainingMs, windowMs)).toBe(expected);
  });
});
