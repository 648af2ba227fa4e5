import { computeLateFeeFen, daysAfterDueCounted, type LateFeeRule, type LateFeeSuspension } from './late-fee';

/** 万分之五 a day, no grace, capped at the amount owed. */
const published: LateFeeRule = { ratePerDayBasisPoints: 5, graceDays: 0, capPercent: 100 };
const withGrace: LateFeeRule = { ...published, graceDays: 3 };
const open = (from: string): LateFeeSuspension => ({ from, to: null });
const answered = (from: string, to: string): LateFeeSuspension => ({ from, to });

describe('late fees stop accruing while a dispute of the bill is open', () => {
  test.each<[string, string, LateFeeSuspension[], number]>([
    ['no dispute: every day after the due date', '2026-03-25', [], 10],
    ['dispute still open since 03-18: frozen at 2 days', '2026-03-25', [open('2026-03-18')], 2],
    ['raised and answered 03-18..03-20: those 3 days are left out', '2026-03-25', [answered('2026-03-18', '2026-03-20')], 7],
    ['raised before the due date and still open: nothing accrues', '2026-03-25', [open('2026-03-10')], 0],
    ['raised before the due date, answered 03-17: accrues from 03-18', '2026-03-25', [answered('2026-03-10', '2026-03-17')], 8],
    ['raised and answered the same day: that day is free', '2026-03-25', [answered('2026-03-20', '2026-03-20')], 9],
    ['overlapping disputes count once', '2026-03-25', [answered('2026-03-18', '2026-03-22'), answered('2026-03-20', '2026-03-21')], 5],
    ['a dispute raised after asOf changes nothing yet', '2026-03-20', [open('2026-03-22')], 5],
    ['answered after asOf: still suspended as of asOf', '2026-03-20', [answered('2026-03-18', '2026-03-30')], 2],
  ])('%s (due 03-15, as of %s)', (_name, asOf, suspensions, days) => {
    expect(daysAfterDueCounted('2026-03-15', asOf, suspensions)).toBe(days);
    expect(computeLateFeeFen(10_000, '2026-03-15', asOf, published, suspensions)).toBe(days * 5);
  });

  test('grace days are kept: a dispute over the due date does not use them up', () => {
    // Open 03-14..03-20; days after the due date counted: 03-21..03-25 = 5; minus 3 grace = 2.
    expect(computeLateFeeFen(10_000, '2026-03-15', '2026-03-25', withGrace, [answered('2026-03-14', '2026-03-20')])).toBe(10);
    expect(computeLateFeeFen(10_000, '2026-03-15', '2026-03-25', withGrace, [])).toBe(35);
  });

  test('a malformed suspension date is refused, not ignored', () => {
    expect(() => computeLateFeeFen(10_000, '2026-03-15', '2026-03-25', published, [open('2026-02-30')])).toThrow(RangeError);
  });
});
