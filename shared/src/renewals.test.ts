import { addMonthsToExpiry, priceRenewal, renewedExpiry, renewalDeclineSchema, renewalQuoteSchema } from './renewals';

describe('addMonthsToExpiry', () => {
  test.each([
    ['2027-01-15', 1, '2027-02-15'],
    ['2027-01-31', 1, '2027-02-28'],
    ['2028-01-31', 1, '2028-02-29'], // leap year
    ['2027-01-30', 1, '2027-02-28'],
    ['2027-01-29', 1, '2027-02-28'],
    ['2028-01-29', 1, '2028-02-29'],
    ['2027-02-28', 1, '2027-03-31'], // month end stays month end
    ['2028-02-28', 1, '2028-03-28'], // not the last day of a leap February
    ['2028-02-29', 12, '2029-02-28'],
    ['2027-04-30', 1, '2027-05-31'],
    ['2027-03-31', 1, '2027-04-30'],
    ['2027-08-31', 6, '2028-02-29'],
    ['2026-11-30', 3, '2027-02-28'],
    ['2026-12-20', 1, '2027-01-20'], // across the year
    ['2026-12-31', 12, '2027-12-31'],
    ['2026-10-15', 12, '2027-10-15'],
    ['2027-05-10', 0, '2027-05-10'],
  ])('%s + %i month(s) = %s', (date, months, expected) => {
    expect(addMonthsToExpiry(date, months)).toBe(expected);
  });

  test.each([['2027-02-30'], ['2027-13-01'], ['27-01-01'], ['']])('refuses the non-date %j', (date) => {
    expect(() => addMonthsToExpiry(date, 1)).toThrow(RangeError);
  });

  test('refuses negative or fractional months', () => {
    expect(() => addMonthsToExpiry('2027-01-01', -1)).toThrow(RangeError);
    expect(() => addMonthsToExpiry('2027-01-01', 1.5)).toThrow(RangeError);
  });
});

describe('renewedExpiry counts from max(current expiry, today)', () => {
  test.each([
    ['running: from the expiry', '2027-01-31', '2027-01-10', 1, '2027-02-28'],
    ['expires today: from today, which is the expiry', '2027-01-10', '2027-01-10', 3, '2027-04-10'],
    ['lapsed: from today', '2026-12-20', '2027-01-10', 1, '2027-02-10'],
    ['lapsed at month end, renewed on a month end', '2026-12-31', '2027-02-28', 1, '2027-03-31'],
  ])('%s', (_label, expiry, today, months, expected) => {
    expect(renewedExpiry(expiry, today, months)).toBe(expected);
  });
});

describe('priceRenewal', () => {
  // tv_basic in config/demo/fee-schedules.json: 2500 fen a month; prepay 3: 0%, 6: 5%, 12: 10%; low income 50% off.
  const prepayDiscounts = [
    { months: 3, percentOff: 0 },
    { months: 6, percentOff: 5 },
    { months: 12, percentOff: 10 },
  ];
  const lowIncome = { code: 'low_income', name: '低保', description: '', kind: 'percent_off' as const, value: 50 };

  test.each([
    [1, null, 2500],
    [3, null, 7500],
    [6, null, 14250],
    [12, null, 27000],
    [1, lowIncome, 1250],
    [3, lowIncome, 3750],
    [6, lowIncome, 7125],
    [12, lowIncome, 13500],
  ])('tv_basic, %i months, concession %j: %i fen', (months, concession, total) => {
    const p = priceRenewal({ listMonthlyFeeFen: 2500, months, prepayDiscounts, concession });
    expect(p.totalFen).toBe(total);
    expect(p.subtotalFen - p.prepayDiscountFen).toBe(total);
    expect(p.listTotalFen - p.concessionDiscountFen).toBe(p.subtotalFen);
  });

  test('a fixed monthly concession (broadband_100m: 4000 − 1000), 12 months at 10% off', () => {
    const p = priceRenewal({ listMonthlyFeeFen: 4000, months: 12, prepayDiscounts, concession: { code: 'low_income', name: 'x', description: '', kind: 'fixed_off', value: 1000 } });
    expect(p).toMatchObject({ monthlyFeeFen: 3000, subtotalFen: 36000, prepayPercentOff: 10, prepayDiscountFen: 3600, totalFen: 32400, concessionDiscountFen: 12000 });
  });

  test('fractions of a fen are never charged: 999 fen × 6 at 5% off = floor(5694.3)', () => {
    expect(priceRenewal({ listMonthlyFeeFen: 999, months: 6, prepayDiscounts, concession: null }).totalFen).toBe(5694);
    // 333 × 50% = 166.5 → 166 a month
    expect(priceRenewal({ listMonthlyFeeFen: 333, months: 1, prepayDiscounts: [], concession: lowIncome }).monthlyFeeFen).toBe(166);
  });

  test('the discount for the largest listed term not above the months bought applies', () => {
    expect(priceRenewal({ listMonthlyFeeFen: 1000, months: 12, prepayDiscounts: [{ months: 6, percentOff: 5 }], concession: null }).prepayPercentOff).toBe(5);
    expect(priceRenewal({ listMonthlyFeeFen: 1000, months: 3, prepayDiscounts: [{ months: 6, percentOff: 5 }], concession: null }).prepayPercentOff).toBe(0);
  });

  test('a free-quantity concession does not change a package price', () => {
    expect(priceRenewal({ listMonthlyFeeFen: 2500, months: 1, prepayDiscounts: [], concession: { ...lowIncome, kind: 'free_quantity', value: 5 } }).totalFen).toBe(2500);
  });
});

describe('input schemas', () => {
  test('months must be 1, 3, 6 or 12', () => {
    expect(renewalQuoteSchema.safeParse({ subscriptionId: 1, months: 6 }).success).toBe(true);
    for (const months of [0, 2, 24, '3']) expect(renewalQuoteSchema.safeParse({ subscriptionId: 1, months }).success).toBe(false);
  });
  test('"other" needs a comment; other reasons do not', () => {
    expect(renewalDeclineSchema.safeParse({ subscriptionId: 1, reasonCode: 'other', comment: '  ' }).success).toBe(false);
    expect(renewalDeclineSchema.safeParse({ subscriptionId: 1, reasonCode: 'moving' }).success).toBe(true);
    expect(renewalDeclineSchema.safeParse({ subscriptionId: 1, reasonCode: 'cheaper' }).success).toBe(false);
  });
});
