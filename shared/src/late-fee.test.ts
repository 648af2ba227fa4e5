import { computeLateFeeFen, daysOverdue, type LateFeeRule } from './late-fee';

/** The demo operator's published rule: 万分之五 a day, no grace, at most the amount owed. */
const published: LateFeeRule = { ratePerDayBasisPoints: 5, graceDays: 0, capPercent: 100 };

describe('daysOverdue', () => {
  test.each([
    ['paid before the due date', '2026-03-15', '2026-03-10', 0, 0],
    ['on the due date', '2026-03-15', '2026-03-15', 0, 0],
    ['the day after', '2026-03-15', '2026-03-16', 0, 1],
    ['across a month end', '2026-01-31', '2026-02-01', 0, 1],
    ['across a leap day', '2028-02-28', '2028-03-01', 0, 2],
    ['across a year end', '2026-12-31', '2027-01-10', 0, 10],
    ['inside the grace days', '2026-03-15', '2026-03-18', 3, 0],
    ['one day past the grace days', '2026-03-15', '2026-03-19', 3, 1],
  ])('%s: due %s, as of %s, grace %i → %i days', (_name, due, asOf, grace, expected) => {
    expect(daysOverdue(due, asOf, grace)).toBe(expected);
  });
});

describe('computeLateFeeFen', () => {
  test.each<[string, number, string, string, LateFeeRule, number]>([
    ['not yet due', 10_000, '2026-03-15', '2026-03-01', published, 0],
    ['due today', 10_000, '2026-03-15', '2026-03-15', published, 0],
    ['¥100 one day late: 5 fen', 10_000, '2026-03-15', '2026-03-16', published, 5],
    ['¥100 ten days late: 50 fen', 10_000, '2026-03-15', '2026-03-25', published, 50],
    // 3_999 × 5 × 1 / 10000 = 1.9995 → a part of a fen is not charged
    ['fractions of a fen are dropped', 3_999, '2026-03-15', '2026-03-16', published, 1],
    // floored once over the total: 3_999 × 5 × 3 / 10000 = 5.9985 → 5 (day by day would give 3)
    ['the floor is taken over the total, not per day', 3_999, '2026-03-15', '2026-03-18', published, 5],
    ['under one fen a day still adds up', 1_000, '2026-03-15', '2026-03-17', published, 1],
    ['nothing owed, nothing charged', 0, '2020-01-01', '2026-03-15', published, 0],
    // 10_000 × 5 × 2999 / 10000 = 14_995 → capped at the amount owed
    ['capped at the amount owed', 10_000, '2018-01-01', '2026-03-19', published, 10_000],
    ['cap at 30%', 10_000, '2026-01-01', '2026-12-31', { ratePerDayBasisPoints: 10, graceDays: 0, capPercent: 30 }, 3_000],
    ['cap rounds down', 999, '2020-01-01', '2026-01-01', { ratePerDayBasisPoints: 10, graceDays: 0, capPercent: 30 }, 299],
    ['grace days are not charged', 10_000, '2026-03-15', '2026-03-25', { ...published, graceDays: 7 }, 15],
    ['within the grace days', 10_000, '2026-03-15', '2026-03-22', { ...published, graceDays: 7 }, 0],
    ['a zero rate charges nothing', 10_000, '2026-03-15', '2026-06-25', { ...published, ratePerDayBasisPoints: 0 }, 0],
    ['a zero cap charges nothing', 10_000, '2026-03-15', '2026-06-25', { ...published, capPercent: 0 }, 0],
    // 9e13 × 10000 × 2999 is far beyond 2^53; exact integer arithmetic still caps at the amount owed
    ['large amounts stay exact', 90_000_000_000_000, '2018-01-01', '2026-03-19', { ratePerDayBasisPoints: 10_000, graceDays: 0, capPercent: 100 }, 90_000_000_000_000],
    // 1_234_567_891_234 × 7 × 365 / 10000 = 315_432_096_210.287 → 315_432_096_210
    ['large amounts below the cap', 1_234_567_891_234, '2025-03-15', '2026-03-15', { ratePerDayBasisPoints: 7, graceDays: 0, capPercent: 100 }, 315_432_096_210],
  ])('%s', (_name, amountFen, due, asOf, rule, expected) => {
    const fee = computeLateFeeFen(amountFen, due, asOf, rule);
    expect(fee).toBe(expected);
    expect(Number.isSafeInteger(fee)).toBe(true);
  });

  test.each<[string, () => number]>([
    ['a negative amount', () => computeLateFeeFen(-1, '2026-03-15', '2026-03-16', published)],
    ['a fractional amount', () => computeLateFeeFen(10.5, '2026-03-15', '2026-03-16', published)],
    ['a date that does not exist', () => computeLateFeeFen(100, '2026-02-30', '2026-03-16', published)],
    ['a date in another format', () => computeLateFeeFen(100, '2026-03-15', '2026/03/16', published)],
    ['a negative rate', () => computeLateFeeFen(100, '2026-03-15', '2026-03-16', { ...published, ratePerDayBasisPoints: -5 })],
    ['fractional grace days', () => computeLateFeeFen(100, '2026-03-15', '2026-03-16', { ...published, graceDays: 1.5 })],
  ])('refuses %s', (_name, call) => {
    expect(call).toThrow(RangeError);
  });

  test('takes exactly the real calendar dates: leap days, month ends, and what a Date round trip takes', () => {
    expect(daysOverdue('2024-02-28', '2024-03-01', 0)).toBe(2);
    expect(daysOverdue('2000-02-28', '2000-03-01', 0)).toBe(2);
    for (const bad of ['2026-02-29', '2100-02-29', '2026-04-31', '2026-00-10', '2026-13-01', '2026-01-00', '0099-01-01']) {
      expect(() => daysOverdue(bad, '2026-03-01', 0)).toThrow(RangeError);
    }
    // Every day from 1999 to 2101, and the impossible day after each month's last, against Date.
    const byDate = (s: string) => new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
    for (let y = 1999; y <= 2101; y++) {
      for (let m = 1; m <= 12; m++) {
        for (const d of [28, 29, 30, 31, 32]) {
          const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          const valid = d <= 31 && byDate(s);
          if (valid) expect(daysOverdue('1970-01-01', s, 0)).toBe(Date.UTC(y, m - 1, d) / 86_400_000);
          else expect(() => daysOverdue('1970-01-01', s, 0)).toThrow(RangeError);
        }
      }
    }
  });

  test('dates read before give the same days, and a date that is not one is refused every time it is asked', () => {
    for (let i = 0; i < 3; i++) {
      expect(computeLateFeeFen(10000, '2026-03-15', '2026-04-14', published)).toBe(computeLateFeeFen(10000, '2026-03-15', '2026-04-14', published));
      expect(daysOverdue('2026-03-15', '2026-04-14', 0)).toBe(30);
      expect(() => computeLateFeeFen(100, '2026-02-30', '2026-03-16', published)).toThrow(RangeError);
      expect(() => daysOverdue('2026-03-15', '2026-4-14', 0)).toThrow(RangeError);
    }
  });
});
