import type { OpeningHours } from './content';
import { calendarDayKind, isOpenAt, type BusinessCalendar } from './opening-hours';

/** A slice of the 2026 national calendar: National Day week and its make-up working days. */
const calendar: BusinessCalendar = {
  years: {
    '2026': {
      holidays: ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
      workdays: ['2026-09-20', '2026-10-10'],
    },
  },
};

/** Weekdays 08:30–17:30, Saturday morning 09:00–12:00, closed Sunday. */
const weekdaysAndSaturdayMorning: OpeningHours[] = [
  { weekdays: [1, 2, 3, 4, 5], open: '08:30', close: '17:30' },
  { weekdays: [6], open: '09:00', close: '12:00' },
];
/** Every day 08:30–18:00. */
const everyDay: OpeningHours[] = [{ weekdays: [1, 2, 3, 4, 5, 6, 7], open: '08:30', close: '18:00' }];
/** Weekends only, 10:00–16:00 (no Monday hours). */
const weekendsOnly: OpeningHours[] = [{ weekdays: [6, 7], open: '10:00', close: '16:00' }];

/** Business time (Asia/Shanghai, UTC+8) as an instant. */
const bj = (local: string) => new Date(`${local}:00+08:00`);

describe('isOpenAt', () => {
  test.each<[string, OpeningHours[], boolean, string, boolean]>([
    // ordinary days
    ['Tuesday mid-morning', weekdaysAndSaturdayMorning, false, '2026-12-01T10:00', true],
    ['Tuesday at opening time exactly', weekdaysAndSaturdayMorning, false, '2026-12-01T08:30', true],
    ['Tuesday a minute before opening', weekdaysAndSaturdayMorning, false, '2026-12-01T08:29', false],
    ['Tuesday at closing time exactly (closed)', weekdaysAndSaturdayMorning, false, '2026-12-01T17:30', false],
    ['Tuesday a minute before closing', weekdaysAndSaturdayMorning, false, '2026-12-01T17:29', true],
    ['Tuesday night', weekdaysAndSaturdayMorning, false, '2026-12-01T22:00', false],
    ['Saturday morning', weekdaysAndSaturdayMorning, false, '2026-12-05T10:00', true],
    ['Saturday afternoon', weekdaysAndSaturdayMorning, false, '2026-12-05T14:00', false],
    ['Sunday', weekdaysAndSaturdayMorning, false, '2026-12-06T10:00', false],
    ['a hall with no hours at all', [], true, '2026-12-01T10:00', false],
    // Monday 00:30 in Shanghai is still Sunday in UTC: the business weekday counts
    ['just after midnight Monday, business time', [{ weekdays: [1], open: '00:00', close: '01:00' }], false, '2026-12-07T00:30', true],
    // public holidays
    ['National Day (a Thursday), hall closed on holidays', weekdaysAndSaturdayMorning, false, '2026-10-01T10:00', false],
    ['National Day, hall open on holidays keeps its Thursday hours', everyDay, true, '2026-10-01T10:00', true],
    ['National Day, hall open on holidays, after hours', everyDay, true, '2026-10-01T19:00', false],
    ['holiday on a Saturday, hall closed on holidays', weekdaysAndSaturdayMorning, false, '2026-10-03T10:00', false],
    // make-up working days (调休): Monday hours
    ['make-up Saturday afternoon follows Monday hours', weekdaysAndSaturdayMorning, false, '2026-10-10T14:00', true],
    ['make-up Saturday after Monday closing time', weekdaysAndSaturdayMorning, false, '2026-10-10T18:00', false],
    ['make-up Sunday follows Monday hours', weekdaysAndSaturdayMorning, false, '2026-09-20T09:00', true],
    ['make-up Saturday, hall without Monday hours is closed', weekendsOnly, false, '2026-10-10T11:00', false],
    ['the Sunday after a make-up Saturday is an ordinary Sunday', weekdaysAndSaturdayMorning, false, '2026-10-11T10:00', false],
    // a year the calendar does not list has only ordinary days
    ['a date outside the calendar', weekdaysAndSaturdayMorning, false, '2030-10-01T10:00', true],
  ])('%s', (_name, hours, openOnHolidays, local, expected) => {
    expect(isOpenAt(hours, openOnHolidays, bj(local), calendar)).toBe(expected);
  });
});

test('reads the instant in business time, whatever the server timezone', () => {
  // 01:30 UTC is 09:30 in Shanghai (open); 10:00 UTC is 18:00 in Shanghai (closed).
  expect(isOpenAt(weekdaysAndSaturdayMorning, false, new Date('2026-12-01T01:30:00Z'), calendar)).toBe(true);
  expect(isOpenAt(weekdaysAndSaturdayMorning, false, new Date('2026-12-01T10:00:00Z'), calendar)).toBe(false);
});

describe('calendarDayKind', () => {
  test.each([
    ['2026-10-01', 'holiday'],
    ['2026-10-03', 'holiday'],
    ['2026-10-10', 'makeup_workday'],
    ['2026-10-09', 'weekday'],
    ['2026-10-11', 'weekend'],
    ['2027-06-05', 'weekend'],
  ])('%s is a %s', (date, kind) => {
    expect(calendarDayKind(date, calendar)).toBe(kind);
  });
});
