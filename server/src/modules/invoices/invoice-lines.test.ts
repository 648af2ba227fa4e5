import { loadConfig } from '../../config';
import { billCharges, priceLines, type ChargeLine } from './invoice-lines';

/** The pricing of an invoice's lines from what an order paid, with the operator's rates (config/operator.json). */

const invoicing = loadConfig({}).operator.invoicing;
const water: ChargeLine = { itemCode: 'water', name: '水费', unit: '立方米', quantity: 10, amountFen: 2900 };
const sewage: ChargeLine = { itemCode: 'sewage', name: '污水处理费', unit: '立方米', quantity: 10, amountFen: 950 };

test.each([
  // lines, what the order paid for the bill, what the invoice lists
  ['lines that add up are kept as they are', [water, sewage], 3850, [[2900, 10], [950, 10]]],
  ['no lines: one line for the bill', [], 1234, [[1234, null]]],
  ['lines that do not add up are shared out over what was paid, without quantities', [water, sewage], 3000, [[2260, null], [740, null]]],
  ['a bill of nothing lists nothing', [], 0, []],
] as const)('%s', (_what, lines, billFen, expected) => {
  const out = billCharges(lines, billFen, '2026-11');
  expect(out.map((l) => [l.amountFen, l.quantity])).toEqual(expected);
  expect(out.reduce((s, l) => s + l.amountFen, 0)).toBe(billFen);
});

test('priced at each item’s configured rate; an unknown item at the default; the totals are what was paid', () => {
  const { lines, totals } = priceLines([water, sewage, { itemCode: 'mystery', name: '其他', unit: null, quantity: null, amountFen: 1000 }], 4850, invoicing);
  expect(lines.map((l) => [l.name, l.rateText, l.netFen, l.taxFen, l.unitPrice])).toEqual([
    ['*水冰雪*水费', '3%', 2816, 84, '2.816'],
    ['*非税收入*污水处理费', '不征税', 950, 0, '0.95'],
    ['*服务*其他', '6%', 943, 57, null],
  ]);
  expect(totals).toEqual({ netFen: 4709, taxFen: 141, totalFen: 4850 });
});

test('for what is left after a partial refund: shared out in fen, tax taken out of each share, lines of nothing left out', () => {
  const { lines, totals } = priceLines([water, sewage], 2850, invoicing);
  expect(lines.map((l) => [l.amountFen, l.taxFen, l.quantity, l.unitPrice])).toEqual([
    [2147, 63, null, null],
    [703, 0, null, null],
  ]);
  expect(totals.totalFen).toBe(2850);
  expect(priceLines([water, { ...sewage, amountFen: 0 }], 2900, invoicing).lines).toHaveLength(1);
});
