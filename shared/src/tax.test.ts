import { allocateFen, fenToChineseCapital, formatTaxRate, invoiceTotals, netUnitPrice, rateBasisPoints, taxIncludedFen, taxLines } from './tax';

test.each([
  // amount fen, rate bp, tax fen
  [10900, 900, 900], // 109.00 at 9%: 100 + 9
  [10300, 300, 300],
  [10600, 600, 600],
  [100, 900, 8], // 1.00 × 9/109 = 0.0826 → 0.08
  [6, 900, 0], // 0.06 × 9/109 = 0.00495 → 0.00
  [109, 900, 9], // exactly 0.09
  [5450, 900, 450], // exactly 4.50
  [327, 900, 27], // 3.27 × 9/109 = 0.27
  [6540, 600, 370], // 65.40 × 6/106 = 3.7018 → 3.70
  [12345, 0, 0],
  [0, 900, 0],
  [-10900, 900, -900], // red-letter lines: the same tax, negated
  [-100, 900, -8],
  [10150, 150, 150], // 1.5%
])('tax inside %i fen at %i bp is %i fen', (amountFen, rateBp, taxFen) => {
  expect(taxIncludedFen(amountFen, rateBp)).toBe(taxFen);
});

test('halves round away from zero (at 100%, half of an odd amount is tax)', () => {
  // No usual rate (3, 6, 9, 13 %) ever lands on an exact half; a rate of 100 % does.
  expect(taxIncludedFen(1, 10_000)).toBe(1);
  expect(taxIncludedFen(3, 10_000)).toBe(2);
  expect(taxIncludedFen(-3, 10_000)).toBe(-2);
});

test.each([
  [9, 900],
  [6, 600],
  [1.5, 150],
  [0, 0],
  [13, 1300],
])('%d%% is %i bp', (percent, bp) => {
  expect(rateBasisPoints(percent)).toBe(bp);
});

test.each([[-1], [1.234], [Number.NaN]])('%d is not a rate', (percent) => {
  expect(() => rateBasisPoints(percent)).toThrow(RangeError);
});

test('lines: net + tax is each amount, and the totals add up to what was paid', () => {
  const lines = taxLines([
    { name: '水费', amountFen: 7137, rateBp: 300 },
    { name: '污水处理费', amountFen: 2795, rateBp: 0 },
    { name: '滞纳金', amountFen: 33, rateBp: 300 },
    { name: '宽带月租', amountFen: 9900, rateBp: 600 },
  ]);
  expect(lines.map((l) => [l.netFen, l.taxFen])).toEqual([
    [6929, 208],
    [2795, 0],
    [32, 1],
    [9340, 560],
  ]);
  for (const l of lines) expect(l.netFen + l.taxFen).toBe(l.amountFen);
  expect(invoiceTotals(lines)).toEqual({ netFen: 19096, taxFen: 769, totalFen: 19865 });
});

test.each([
  // weights, total, shares
  [[100, 100, 100], 100, [34, 33, 33]],
  [[7137, 2795, 33], 5000, [3581, 1402, 17]],
  [[1, 0, 1], 3, [2, 0, 1]],
  [[500], 123, [123]],
  [[300, 200], 0, [0, 0]],
  [[1, 1, 1, 1], 2, [1, 1, 0, 0]],
])('allocate %j over %i → %j (sums exactly)', (weights, total, shares) => {
  const out = allocateFen(weights, total);
  expect(out).toEqual(shares);
  expect(out.reduce((s, x) => s + x, 0)).toBe(total);
});

test('allocation stays exact on large orders', () => {
  const weights = [9_999_999_999, 1, 123_456_789];
  const out = allocateFen(weights, 7_777_777_777);
  expect(out.reduce((s, x) => s + x, 0)).toBe(7_777_777_777);
});

test.each([
  [6929, 13, '5.33'], // 69.29 / 13 m³ = 5.33
  [9340, 1, '93.40'],
  [2795, 13, '2.15'],
  [100, 3, '0.33333333'],
  [32, 1, '0.32'],
  [-9340, 1, '-93.40'],
  [1000, 0, null],
])('net unit price of %i fen over %i is %s', (netFen, quantity, text) => {
  expect(netUnitPrice(netFen, quantity)).toBe(text);
});

test.each([
  [900, null, '9%'],
  [150, null, '1.5%'],
  [0, '不征税', '不征税'],
  [0, null, '0%'],
])('rate %i bp reads %s', (bp, label, text) => {
  expect(formatTaxRate(bp, label)).toBe(text);
});

test.each([
  [0, '零元整'],
  [5, '伍分'],
  [50, '伍角整'],
  [100, '壹元整'],
  [12345, '壹佰贰拾叁元肆角伍分'],
  [10000, '壹佰元整'],
  [10050, '壹佰元伍角整'],
  [10005, '壹佰元零伍分'],
  [100100, '壹仟零壹元整'],
  [1000000, '壹万元整'],
  [1050000, '壹万零伍佰元整'],
  [100000100, '壹佰万零壹元整'],
  [1000100000, '壹仟万壹仟元整'],
  [1000010000, '壹仟万零壹佰元整'],
  [10000000000, '壹亿元整'],
  [10010000000, '壹亿零壹拾万元整'],
  [19865, '壹佰玖拾捌元陆角伍分'],
  [-10900, '（负数）壹佰零玖元整'],
])('%i fen in capitals is %s', (fen, text) => {
  expect(fenToChineseCapital(fen)).toBe(text);
});
