import type { EntityManager } from '@mikro-orm/knex';
import { allocateFen, formatTaxRate, invoiceTotals, netUnitPrice, rateBasisPoints, taxLines, type InvoiceTotals } from '@openhall/shared';
import type { InvoicingConfig } from '../../config';
import type { PaymentOrder } from '../payments/payment-order.entity';
import { Subscription } from '../billing/subscription.entity';

/** A charge as the order paid it, before tax is taken out. */
export interface ChargeLine {
  itemCode: string;
  name: string;
  unit: string | null;
  quantity: number | null;
  amountFen: number;
}

/** A line ready for the invoice. */
export interface PricedLine {
  itemCode: string;
  name: string;
  unit: string | null;
  quantity: number | null;
  unitPrice: string | null;
  netFen: number;
  rateBp: number;
  rateText: string;
  taxFen: number;
  amountFen: number;
}

/**
 * What an order paid for, line by line, with the account it paid for: a bill order's bill lines and
 * late fees, a renewal's months of its package, a top-up. These are the charges the invoice lists.
 */
export async function chargesOf(em: EntityManager, order: PaymentOrder): Promise<{ lines: ChargeLine[]; accountId: number | null }> {
  if (order.kind === 'bills') {
    const rows = await em.execute<
      Array<{
        bill_id: number;
        period: string;
        account_id: number;
        bill_fen: number | string;
        late_fee_fen: number | string;
        item_code: string | null;
        name: string | null;
        unit: string | null;
        quantity: number | string | null;
        amount_fen: number | string | null;
      }>
    >(
      'select `l`.`bill_id`, `b`.`period`, `b`.`account_id`, `l`.`amount_fen` as `bill_fen`, `l`.`late_fee_fen`, `bl`.`item_code`, `bl`.`name`, `bl`.`unit`, `bl`.`quantity`, `bl`.`amount_fen` ' +
        'from `payment_order_bill` as `l` join `bill` as `b` on `b`.`id` = `l`.`bill_id` left join `bill_line` as `bl` on `bl`.`bill_id` = `l`.`bill_id` ' +
        'where `l`.`order_id` = ? order by `l`.`id` asc, `bl`.`id` asc',
      [order.id],
    );
    const bills = new Map<number, { period: string; billFen: number; lateFeeFen: number; lines: ChargeLine[] }>();
    for (const r of rows) {
      const id = Number(r.bill_id);
      let bill = bills.get(id);
      if (!bill) bills.set(id, (bill = { period: r.period, billFen: Number(r.bill_fen), lateFeeFen: Number(r.late_fee_fen), lines: [] }));
      if (r.item_code !== null) {
        bill.lines.push({ itemCode: r.item_code, name: `${r.name ?? r.item_code}（${r.period}）`, unit: r.unit, quantity: r.quantity === null ? null : Number(r.quantity), amountFen: Number(r.amount_fen) });
      }
    }
    const lines: ChargeLine[] = [];
    for (const bill of bills.values()) lines.push(...billCharges(bill.lines, bill.billFen, bill.period));
    for (const { period, lateFeeFen } of bills.values()) if (lateFeeFen > 0) lines.push({ itemCode: 'late_fee', name: `滞纳金（${period}）`, unit: null, quantity: null, amountFen: lateFeeFen });
    return { lines, accountId: rows.length > 0 ? Number(rows[0].account_id) : null };
  }
  if (order.kind === 'renewal') {
    const sub = order.subscriptionId ? await em.findOne(Subscription, order.subscriptionId) : null;
    const months = order.renewalMonths ?? null;
    const name = sub ? `${sub.packageName}（续费${months ?? ''}个月）` : order.description;
    return {
      lines: [{ itemCode: `renewal_${sub?.product ?? 'tv'}`, name, unit: months ? '月' : null, quantity: months, amountFen: Number(order.amountFen) }],
      accountId: sub?.accountId ?? null,
    };
  }
  return { lines: [{ itemCode: 'topup', name: '预付费充值', unit: null, quantity: null, amountFen: Number(order.amountFen) }], accountId: order.accountId };
}

/**
 * A bill's charges as the order paid them: its lines, when they add up to what the order paid for
 * the bill (the billing system's rule). A bill without lines (older data) is one line under the
 * `default` item; lines that do not add up are shared out over the amount paid, in fen, without
 * their quantities (which would no longer be true).
 */
export function billCharges(lines: readonly ChargeLine[], billFen: number, period: string): ChargeLine[] {
  const sum = lines.reduce((s, l) => s + l.amountFen, 0);
  if (sum === billFen) return [...lines];
  if (sum <= 0) return billFen > 0 ? [{ itemCode: 'default', name: `${period}账单费用`, unit: null, quantity: null, amountFen: billFen }] : [];
  const shares = allocateFen(lines.map((l) => l.amountFen), billFen);
  return lines.map((l, i) => ({ ...l, unit: null, quantity: null, amountFen: shares[i] }));
}

/**
 * Prices the charges for an invoice of `totalFen` (what was paid, or what is left of it after a
 * partial refund): shared out over the lines in fen when the total differs from the lines' sum
 * (allocateFen; a scaled line loses its quantity and unit price, which would no longer be true),
 * each line's tax taken out at its item's rate (config/operator.json `invoicing.items`, `default`
 * for an item not listed), the name printed as `*税收分类*名称`. Lines that come to nothing are left out.
 */
export function priceLines(charges: readonly ChargeLine[], totalFen: number, invoicing: InvoicingConfig): { lines: PricedLine[]; totals: InvoiceTotals } {
  const sum = charges.reduce((s, c) => s + c.amountFen, 0);
  const scaled = sum !== totalFen;
  const amounts = scaled ? allocateFen(charges.map((c) => c.amountFen), totalFen) : charges.map((c) => c.amountFen);
  const withRates = charges
    .map((c, i) => {
      const item = invoicing.items[c.itemCode] ?? invoicing.items.default;
      const rateBp = rateBasisPoints(item.ratePercent);
      return {
        itemCode: c.itemCode,
        name: `*${item.category}*${c.name}`.slice(0, 100),
        unit: scaled ? null : c.unit,
        quantity: scaled ? null : c.quantity,
        amountFen: amounts[i],
        rateBp,
        rateText: formatTaxRate(rateBp, item.zeroRateLabel ?? null),
      };
    })
    .filter((l) => l.amountFen !== 0);
  const taxed = taxLines(withRates).map((l) => ({ ...l, unitPrice: l.quantity ? netUnitPrice(l.netFen, l.quantity) : null }));
  return { lines: taxed, totals: invoiceTotals(taxed) };
}
