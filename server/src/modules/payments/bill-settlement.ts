import type { EntityManager } from '@mikro-orm/knex';
import { offlinePaymentChannelNames } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { placeholders } from '../../read-db';
import type { BillingWriteoffMessage, BillingWriteoffReversedMessage } from '../../integrations/billing/billing.adapter';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { Bill } from '../billing/bill.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { enqueueOutbox } from '../outbox/outbox.service';
import { PaymentOrderBill } from './payment-order-bill.entity';
import type { PaymentOrder } from './payment-order.entity';
import { Refund } from './refund.entity';
import { DuplicatePaymentError } from './settlers';

/**
 * Run in the transaction that settled orders' bills (all of them paid by then), with each account
 * whose bills they paid and its payer: an account once per payer (twice when two payers paid its bills).
 */
export type BillsSettledHook = (em: EntityManager, settled: ReadonlyArray<{ accountId: number; userId: number }>, now: Date) => Promise<void>;

/** Outbox topic telling the billing system that a refund undid a bill order's write-off. */
export const BILLING_WRITEOFF_REVERSED_TOPIC = 'billing.writeoff_reversed';

const SYSTEM: AuditActor = { kind: 'system', id: null };

/**
 * What paying bills through an order does to them: the 'bills' settler (bills paid with the late
 * fee fixed at the order's, their locks released, the write-off queued for the billing system)
 * and the 'bills' refund reverser (a fully refunded order's bills owed again, the write-off
 * reversed), with the hooks other modules hang on a settlement.
 */
export class BillSettlement {
  private readonly billsSettledHooks: BillsSettledHook[] = [];

  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
  ) {}

  /** Registers what follows bills of an account settled here (the prepaid module: arrears cleared, restoration asked for). */
  onBillsSettled(hook: BillsSettledHook): void {
    this.billsSettledHooks.push(hook);
  }

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** The 'bills' settler of one order (see `settleMany`). */
  async settle(tx: EntityManager, order: PaymentOrder): Promise<void> {
    await this.settleMany(tx, [order]);
  }

  /**
   * The 'bills' settler of orders just marked paid in one transaction (one order, or notifications
   * settled together): their bills paid with the late fee fixed at each order's, the locks released,
   * one write-off queued per order, the hooks told of each account and payer. The same fixed
   * statements however many orders (bill day's hot path). A bill that is no longer unpaid throws
   * DuplicatePaymentError naming it (the first such bill of the first order that has one).
   */
  async settleMany(tx: EntityManager, orders: readonly PaymentOrder[]): Promise<void> {
    if (orders.length === 0) return;
    const ids = orders.map((o) => o.id);
    // The orders' bills with what the write-off message names of each, in one read (plain rows:
    // nothing here is changed through the ORM).
    const rows = await writeoffLines(tx, ids);
    const linesOf = new Map<number, BillingWriteoffMessage['bills']>(ids.map((id) => [id, []]));
    for (const r of rows) linesOf.get(Number(r.order_id))!.push(writeoffLineOf(r));
    const all = orders.flatMap((o) => linesOf.get(o.id)!.map((l) => ({ order: o, line: l })));
    if (all.length > 0) {
      // One conditional UPDATE for every bill: each one moves only while it is unpaid.
      const cases = all.map(() => 'when ? then ?').join(' ');
      const by = <T>(value: (x: (typeof all)[number]) => T) => all.flatMap((x) => [x.line.billId, value(x)]);
      const moved = await tx.execute<{ affectedRows: number }>(
        `update \`bill\` set \`status\` = 'paid', \`paid_at\` = case \`id\` ${cases} end, \`payment_id\` = case \`id\` ${cases} end, \`late_fee_fen\` = case \`id\` ${cases} end ` +
          `where \`id\` in (${placeholders(all.length)}) and \`status\` = 'unpaid'`,
        [
          ...by((x) => (x.order.paidAt ? this.deps.readDb.datetime(x.order.paidAt) : null)),
          ...by((x) => x.order.id),
          ...by((x) => x.line.lateFeeFen),
          ...all.map((x) => x.line.billId),
        ],
        'run',
      );
      if (moved.affectedRows !== all.length) throw new DuplicatePaymentError(await this.whyNotAllPayable(tx, all));
    }
    await tx.execute(`update \`payment_order_bill\` set \`open_lock\` = null where \`order_id\` in (${placeholders(ids.length)})`, ids, 'run');
    const now = this.now();
    await enqueueOutbox(
      tx,
      orders.map((order) => {
        const message: BillingWriteoffMessage = {
          orderId: order.id,
          outTradeNo: order.outTradeNo,
          channel: order.channel,
          gatewayTradeNo: order.gatewayTradeNo,
          paidAt: new Date(order.paidAt ?? now).toISOString(),
          amountFen: Number(order.paidAmountFen ?? order.amountFen),
          bills: linesOf.get(order.id)!,
        };
        return { topic: 'billing.writeoff', dedupeKey: `writeoff:${order.id}`, payload: message as unknown as Record<string, unknown> };
      }),
      now,
    );
    // Each account once per payer, in the orders' order: every bill is paid by now, so a second
    // order of the same account and payer would find nothing more to do.
    const pairs = new Map<string, { accountId: number; userId: number }>();
    for (const order of orders) for (const l of linesOf.get(order.id)!) pairs.set(`${l.accountId}:${order.userId}`, { accountId: l.accountId, userId: order.userId });
    const settled = [...pairs.values()];
    if (settled.length === 0) return;
    for (const hook of this.billsSettledHooks) await hook(tx, settled, now);
  }

  /** Why the bills' UPDATE moved fewer rows than asked: the first bill, order by order, that the UPDATE left alone, in words. */
  private async whyNotAllPayable(tx: EntityManager, all: ReadonlyArray<{ order: PaymentOrder; line: { billId: number } }>): Promise<string> {
    const ids = [...new Set(all.map((x) => x.line.billId))];
    const rows = await tx.execute<Array<{ id: number; status: string; payment_id: number | null }>>(
      `select \`id\`, \`status\`, \`payment_id\` from \`bill\` where \`id\` in (${placeholders(ids.length)})`,
      ids,
    );
    const state = new Map(rows.map((r) => [Number(r.id), r]));
    const left = all.find((x) => {
      const r = state.get(x.line.billId);
      return !r || r.status !== 'paid' || Number(r.payment_id) !== x.order.id;
    });
    return whyNotPayable(tx, (left ?? all[0]).line.billId);
  }

  /**
   * The 'bills' refund reverser, run in the transaction of the refund success that brings a bill
   * order's refunds up to what it paid: the money this order paid for its bills is gone, so the
   * bills it settled are owed again, and the billing system is told to reverse the order's
   * write-off (topic `billing.writeoff_reversed`, through the outbox, after the write-off itself).
   *
   * Only what this order paid is undone:
   * - each of its bills is claimed once (`payment_order_bill.reversed_at`, a conditional UPDATE), so
   *   calling this again, in this or another transaction, changes nothing;
   * - a bill is reopened only while it is still paid by this order (`payment_id` = the order): one
   *   paid since by another order, paid at a counter or by the bank, or withdrawn (冲正) stays as it
   *   is (recorded as `kept`);
   * - an order whose money was refunded automatically (a duplicate or late payment: its bills were
   *   paid another way) never paid for them: nothing is reopened and nothing is sent.
   * A reopened bill is unpaid again with no stored late fee: it shows, and is paid, like any other
   * unpaid bill (its late fee computed live from the due date).
   */
  async reverse(tx: EntityManager, order: PaymentOrder): Promise<{ reopened: number[]; kept: number[] }> {
    const refunds = await tx.find(Refund, { orderId: order.id }, { refresh: true });
    if (refunds.some((r) => r.kind !== 'staff')) return { reopened: [], kept: [] };
    const rows = await writeoffLines(tx, [order.id]);
    const now = this.now();
    const bills: BillingWriteoffReversedMessage['bills'] = [];
    for (const r of rows) {
      const claimed = await tx.nativeUpdate(PaymentOrderBill, { id: Number(r.line_id), reversedAt: null }, { reversedAt: now });
      if (claimed !== 1) continue;
      const reopened =
        (await tx.nativeUpdate(
          Bill,
          { id: Number(r.bill_id), status: 'paid', paymentId: order.id },
          { status: 'unpaid', paidAt: null, paymentId: null, lateFeeFen: 0, updatedAt: now },
        )) === 1;
      await tx.nativeUpdate(PaymentOrderBill, { id: Number(r.line_id) }, { reversal: reopened ? 'reopened' : 'kept' });
      bills.push({ ...writeoffLineOf(r), reopened });
    }
    if (bills.length === 0) return { reopened: [], kept: [] };
    const message: BillingWriteoffReversedMessage = {
      orderId: order.id,
      outTradeNo: order.outTradeNo,
      writeoffKey: `writeoff:${order.id}`,
      channel: order.channel,
      gatewayTradeNo: order.gatewayTradeNo,
      refundedFen: Number(order.refundedFen),
      reversedAt: now.toISOString(),
      bills,
    };
    await enqueueOutbox(tx, { topic: BILLING_WRITEOFF_REVERSED_TOPIC, dedupeKey: `writeoff-reversed:${order.id}`, payload: message as unknown as Record<string, unknown> }, now);
    const reopened = bills.filter((b) => b.reopened).map((b) => b.billId);
    const kept = bills.filter((b) => !b.reopened).map((b) => b.billId);
    this.audit.record(tx, SYSTEM, { action: 'payment.bills_reopened', entityType: 'payment_order', entityId: order.id, detail: { outTradeNo: order.outTradeNo, reopened, kept } }, now);
    return { reopened, kept };
  }

  /**
   * Delivers a write-off reversal (outbox topic `billing.writeoff_reversed`) to the billing system,
   * but never before the write-off it reverses: while that is still waiting in the outbox (its
   * receiver down, retried with backoff), this throws and is retried too, so the billing system
   * never sees a reversal before its write-off.
   */
  async deliverWriteoffReversal(message: BillingWriteoffReversedMessage, dedupeKey: string): Promise<void> {
    const writeoff = await this.fork().findOne(OutboxMessage, { dedupeKey: message.writeoffKey });
    if (writeoff && writeoff.status !== 'sent' && writeoff.status !== 'skipped') {
      throw new Error(`write-off ${message.writeoffKey} is ${writeoff.status}: its reversal waits for it`);
    }
    await this.deps.billingSystem.reverseWriteOff(message, dedupeKey);
  }
}

/**
 * Why a bill can no longer be paid through an order, in the words its subscriber reads on the
 * refund: paid at the hall counter (or by bank withholding…), paid through another portal order,
 * or withdrawn by the operator.
 */
/** A bill line of some orders as written off (and, if refunded, reversed): the bill and what the order paid for it. */
interface WriteoffLineRow {
  line_id: number;
  order_id: number;
  bill_id: number;
  amount_fen: number | string;
  late_fee_fen: number | string;
  account_id: number;
  period: string;
  external_id: string | null;
  account_no: string;
}

/** The bill lines of some orders, in the order they were added, with each bill's account number. */
function writeoffLines(tx: EntityManager, orderIds: number[]): Promise<WriteoffLineRow[]> {
  return tx.execute<WriteoffLineRow[]>(
    'select `l`.`id` as `line_id`, `l`.`order_id`, `l`.`bill_id`, `l`.`amount_fen`, `l`.`late_fee_fen`, `b`.`account_id`, `b`.`period`, `b`.`external_id`, `a`.`account_no` from `payment_order_bill` as `l` ' +
      `join \`bill\` as \`b\` on \`b\`.\`id\` = \`l\`.\`bill_id\` join \`account\` as \`a\` on \`a\`.\`id\` = \`b\`.\`account_id\` where \`l\`.\`order_id\` in (${placeholders(orderIds.length)}) order by \`l\`.\`id\` asc`,
    orderIds,
  );
}

/** A line as the billing system's write-off (and its reversal) names it. */
function writeoffLineOf(r: WriteoffLineRow): BillingWriteoffMessage['bills'][number] {
  return {
    billId: Number(r.bill_id),
    externalId: r.external_id,
    accountId: Number(r.account_id),
    accountNo: r.account_no,
    period: r.period,
    amountFen: Number(r.amount_fen),
    lateFeeFen: Number(r.late_fee_fen),
  };
}

export async function whyNotPayable(tx: EntityManager, billId: number): Promise<string> {
  const bill = await tx.findOne(Bill, billId, { disableIdentityMap: true });
  if (!bill) return `账单 ${billId} 已不存在`;
  if (bill.status === 'cancelled') return `账单 ${bill.period} 已由营业厅撤销（冲正），无需缴费`;
  if (bill.paidChannel) return `账单 ${bill.period} 已在${offlinePaymentChannelNames[bill.paidChannel]}缴清`;
  return `账单 ${bill.period} 已通过其他订单缴清`;
}
