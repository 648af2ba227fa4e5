import type { EntityManager } from '@mikro-orm/knex';
import type { PaymentOrderKind, RefundKind } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { placeholders } from '../../read-db';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { Bill } from '../billing/bill.entity';
import { whyNotPayable } from './bill-settlement';
import type { GatewayPayment } from './payment-gateways';
import { insertNotify, insertNotifies, type NotifyRecord } from './payment-notify-log';
import { PaymentOrderBill } from './payment-order-bill.entity';
import { PaymentOrder } from './payment-order.entity';
import type { RefundsService } from './refunds.service';
import { DuplicatePaymentError, type Settler } from './settlers';

/** How a payment report (notify, query) ended. */
export type PaymentOutcome = 'settled' | 'duplicate' | 'refunded_duplicate' | 'refunded_late' | 'mismatch';

const SYSTEM: AuditActor = { kind: 'system', id: null };

/** Settles several orders of one kind in the caller's transaction, as its Settler would one by one. */
export type BatchSettler = (em: EntityManager, orders: PaymentOrder[]) => Promise<unknown>;

/** What a batch did with a payment: settled it; found its order no longer open; or left it to the one-order way. */
type BatchOutcome = 'settled' | 'not_open' | 'retry';

interface Pending {
  orderId: number;
  payment: GatewayPayment;
  notify?: NotifyRecord;
  done: (outcome: BatchOutcome) => void;
}

/** Between two batches, how long what is on its way may take to join the next (milliseconds). */
const BATCH_LINGER_MS = 3;
/** At most this many payments in one settlement transaction. */
const MAX_BATCH = 64;
/** Settlement batches running at once (one instance): one, so that what arrives while it commits makes the next one (group commit). */
const MAX_BATCHES_IN_FLIGHT = 1;

/**
 * Settling: a payment a gateway reported (a verified notification, a signed query answer, the
 * reconciliation) applied to its order exactly once (`UPDATE … WHERE status = 'created'`), with
 * what the order pays for (the settler registered for its kind) in the same transaction; money
 * for an order that can no longer take it recorded and refunded (`AR<outTradeNo>`).
 */
export class SettlementService {
  private readonly settlers = new Map<PaymentOrderKind, Settler>();
  private readonly batchSettlers = new Map<PaymentOrderKind, BatchSettler>();
  private readonly queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly refunds: RefundsService,
  ) {}

  /**
   * Registers what settles orders of a kind (the renewals module registers 'renewal'); `many`,
   * when given, settles several orders of the kind at once, as `settler` would one by one.
   */
  registerSettler(kind: PaymentOrderKind, settler: Settler, many?: BatchSettler): void {
    this.settlers.set(kind, settler);
    if (many) this.batchSettlers.set(kind, many);
    else this.batchSettlers.delete(kind);
  }

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** Queues a payment for the next batch; answers what the batch did with it. */
  private submit(item: Omit<Pending, 'done'>): Promise<BatchOutcome> {
    return new Promise<BatchOutcome>((done) => {
      this.queue.push({ ...item, done });
      if (this.inFlight < MAX_BATCHES_IN_FLIGHT) void this.drain();
    });
  }

  /**
   * Settles what is queued, batch after batch, while at most MAX_BATCHES_IN_FLIGHT run: a payment
   * arriving while one is in flight waits for the next (group commit: no added wait when alone).
   */
  private async drain(): Promise<void> {
    this.inFlight++;
    try {
      while (this.queue.length > 0) {
        await this.settleBatch(this.queue.splice(0, MAX_BATCH));
        // Busy: let what is on its way join the next batch (a batch costs about as much as ten
        // of its payments); a payment arriving when none is in flight starts one at once.
        if (this.queue.length > 0 && this.queue.length < MAX_BATCH) await new Promise((resolve) => setTimeout(resolve, BATCH_LINGER_MS));
      }
    } finally {
      this.inFlight--;
    }
  }

  /**
   * One transaction for a batch of payments, each of a different order (a second copy of an order
   * in the batch is answered after the first: `not_open`, or `retry` when the batch failed): the orders' rows read and locked (`FOR UPDATE` on MySQL;
   * SQLite's one connection runs transactions one at a time), the open ones moved to paid by one
   * conditional UPDATE, settled by kind (`settleMany` when the kind has one, else its settler per
   * order), audited, and the notifications that reported them logged as settled. Orders no
   * longer open are answered `not_open`; if anything in the batch fails (a bill paid another way,
   * a deadlock), nothing of it commits and every payment is answered `retry`.
   */
  private async settleBatch(items: Pending[]): Promise<void> {
    const first = new Map<number, Pending>();
    for (const item of items) if (!first.has(item.orderId)) first.set(item.orderId, item);
    const answers = new Map<Pending, BatchOutcome>();
    try {
      const now = this.now();
      const dt = (d: Date) => this.deps.readDb.datetime(d);
      await this.fork().transactional(async (tx) => {
        const ids = [...first.keys()].sort((a, b) => a - b);
        const lock = this.deps.config.db.type === 'sqlite' ? '' : ' for update';
        const rows = await tx.execute<Array<Record<string, unknown>>>(`select * from \`payment_order\` where \`id\` in (${placeholders(ids.length)}) order by \`id\`${lock}`, ids);
        const meta = tx.getMetadata().get(PaymentOrder.name);
        const open = rows.map((r) => tx.getDriver().mapResult(r as never, meta) as unknown as PaymentOrder).filter((o) => o.status === 'created');
        for (const id of ids) answers.set(first.get(id)!, 'not_open');
        if (open.length === 0) return;
        const cases = open.map(() => 'when ? then ?').join(' ');
        const by = (value: (p: GatewayPayment) => string | number) => open.flatMap((o) => [o.id, value(first.get(o.id)!.payment)]);
        const moved = await tx.execute<{ affectedRows: number }>(
          `update \`payment_order\` set \`status\` = 'paid', \`paid_at\` = case \`id\` ${cases} end, \`paid_amount_fen\` = case \`id\` ${cases} end, \`gateway_trade_no\` = case \`id\` ${cases} end, ` +
            `\`open_subscription_id\` = null, \`updated_at\` = ? where \`id\` in (${placeholders(open.length)}) and \`status\` = 'created'`,
          [...by((p) => dt(p.paidAt)), ...by((p) => p.amountFen), ...by((p) => p.tradeNo), dt(now), ...open.map((o) => o.id)],
          'run',
        );
        // The rows are locked (or the database is ours alone): each of them moves, or something is wrong.
        if (moved.affectedRows !== open.length) throw new Error(`a batch moved ${moved.affectedRows} of ${open.length} locked orders`);
        const orders = open.map((o) => {
          const p = first.get(o.id)!.payment;
          // As the row now stands, unmanaged: the settlers only read it.
          return Object.assign(o, { status: 'paid' as const, paidAt: p.paidAt, paidAmountFen: p.amountFen, gatewayTradeNo: p.tradeNo, openSubscriptionId: null, updatedAt: now });
        });
        for (const kind of new Set(orders.map((o) => o.kind))) {
          const ofKind = orders.filter((o) => o.kind === kind);
          const many = this.batchSettlers.get(kind);
          if (many) {
            await many(tx, ofKind);
            continue;
          }
          const settler = this.settlers.get(kind);
          if (!settler) throw new Error(`no settler registered for payment orders of kind ${kind}`);
          for (const o of ofKind) await settler(tx, o);
        }
        for (const o of orders) {
          const p = first.get(o.id)!.payment;
          this.audit.record(tx, SYSTEM, { action: 'payment.settled', entityType: 'payment_order', entityId: o.id, detail: { gatewayTradeNo: p.tradeNo, amountFen: p.amountFen } }, now);
        }
        // The notifications that settled the orders are logged in the same commit.
        const notified = orders.map((o) => first.get(o.id)!.notify).filter((n): n is NotifyRecord => n !== undefined);
        await insertNotifies(this.deps, tx, notified, 'settled');
        for (const o of orders) answers.set(first.get(o.id)!, 'settled');
      });
    } catch (err) {
      answers.clear();
      if (!(err instanceof DuplicatePaymentError)) this.deps.logger.warn({ err, orders: [...first.keys()] }, 'a settlement batch failed; its payments are settled one by one');
    }
    for (const item of items) {
      // A second copy of an order: no longer open once the first settled it (or found it settled).
      const firstAnswer = answers.get(first.get(item.orderId)!);
      item.done(answers.get(item) ?? (firstAnswer === 'settled' || firstAnswer === 'not_open' ? 'not_open' : 'retry'));
    }
  }

  /** An order as its row stands in the transaction, mapped as the ORM maps it but not managed. */
  private async readOrder(tx: EntityManager, orderId: number): Promise<PaymentOrder> {
    const [row] = await tx.execute<Array<Record<string, unknown>>>('select * from `payment_order` where `id` = ?', [orderId]);
    if (!row) throw new Error(`payment order ${orderId} is gone`);
    return tx.getDriver().mapResult(row as never, tx.getMetadata().get(PaymentOrder.name)) as unknown as PaymentOrder;
  }

  /**
   * Applies a payment the gateway reported (verified notify or signed query answer) to the order.
   * Idempotent: however many copies arrive, however concurrently, one of them moves the order
   * (`UPDATE … WHERE status = 'created'`), the rest find it done.
   *
   * Payments reported at the same moment are settled together (see `settleBatch`): one
   * transaction and the same handful of statements for all of them, so bill day's bursts cost a
   * fraction of a transaction each. Whatever a batch does not settle (an order no longer open
   * aside) goes the one-order way below, which decides as it always has: settled, duplicate,
   * refunded as a duplicate or as late, mismatch.
   */
  async applyPayment(orderId: number, payment: GatewayPayment, notify?: NotifyRecord): Promise<PaymentOutcome> {
    const batched = await this.submit({ orderId, payment, notify });
    if (batched === 'settled') return 'settled';
    if (batched === 'not_open') return this.afterNotOpen(orderId, payment);
    const now = this.now();
    try {
      const settled = await this.fork().transactional(async (tx) => {
        // Fixed statements on the hot path of bill day (a settlement is a handful of them; built by
        // the query builder they cost several times what the database does).
        const dt = (d: Date) => this.deps.readDb.datetime(d);
        const moved = await tx.execute<{ affectedRows: number }>(
          'update `payment_order` set `status` = ?, `paid_at` = ?, `paid_amount_fen` = ?, `gateway_trade_no` = ?, `open_subscription_id` = null, `updated_at` = ? where `id` = ? and `status` = ?',
          ['paid', dt(payment.paidAt), payment.amountFen, payment.tradeNo, dt(now), orderId, 'created'],
          'run',
        );
        if (moved.affectedRows !== 1) return false;
        // Read as it now stands, and left unmanaged: the settler only reads it, so the commit has nothing of it to compare.
        const order = await this.readOrder(tx, orderId);
        const settler = this.settlers.get(order.kind);
        if (!settler) throw new Error(`no settler registered for payment orders of kind ${order.kind}`);
        await settler(tx, order);
        this.audit.record(tx, SYSTEM, { action: 'payment.settled', entityType: 'payment_order', entityId: orderId, detail: { gatewayTradeNo: payment.tradeNo, amountFen: payment.amountFen } }, now);
        // The notification that settled the order is logged in the same commit (one fsync, not two).
        if (notify) await insertNotify(this.deps, tx, notify, 'settled');
        return true;
      });
      if (settled) return 'settled';
    } catch (err) {
      if (!(err instanceof DuplicatePaymentError)) throw err;
      return this.refundDuplicate(orderId, payment, err.message);
    }
    return this.afterNotOpen(orderId, payment);
  }

  /** The order had left `created` when the payment came: the same payment again, money for a closed order, or a second payment. */
  private async afterNotOpen(orderId: number, payment: GatewayPayment): Promise<PaymentOutcome> {
    const order = await this.fork().findOneOrFail(PaymentOrder, orderId);
    if (order.gatewayTradeNo === payment.tradeNo) return 'duplicate';
    if (order.status === 'closed' && order.gatewayTradeNo === null) return this.recordLatePayment(order, payment);
    this.deps.logger.error({ orderId, status: order.status, known: order.gatewayTradeNo, reported: payment.tradeNo }, 'a second payment for one order');
    return 'mismatch';
  }

  /** The order was open but its goods were already paid: keep the money recorded, refund it whole. */
  private async refundDuplicate(orderId: number, payment: GatewayPayment, why: string): Promise<PaymentOutcome> {
    const now = this.now();
    const refundId = await this.fork().transactional(async (tx) => {
      const moved = await tx.nativeUpdate(
        PaymentOrder,
        { id: orderId, status: 'created' },
        { status: 'refunding', paidAt: payment.paidAt, paidAmountFen: payment.amountFen, gatewayTradeNo: payment.tradeNo, openSubscriptionId: null, updatedAt: now },
      );
      if (moved !== 1) return null;
      await tx.nativeUpdate(PaymentOrderBill, { orderId }, { openLock: null });
      const order = await tx.findOneOrFail(PaymentOrder, orderId, { refresh: true });
      return this.refunds.recordAutoRefund(tx, order, payment.amountFen, 'auto_duplicate', why, now);
    });
    if (refundId === null) return 'duplicate';
    await this.refunds.issueRefund(refundId);
    return 'refunded_duplicate';
  }

  /** Money for a closed order: record it on the order and refund it (AR<outTradeNo>). */
  private async recordLatePayment(order: PaymentOrder, payment: GatewayPayment): Promise<PaymentOutcome> {
    const now = this.now();
    const refundId = await this.fork().transactional(async (tx) => {
      const moved = await tx.nativeUpdate(
        PaymentOrder,
        { id: order.id, status: 'closed', gatewayTradeNo: null },
        // The gateway has spoken: a locally closed order needs no more checking.
        { paidAt: payment.paidAt, paidAmountFen: payment.amountFen, gatewayTradeNo: payment.tradeNo, gatewayCheckUntil: null, updatedAt: now },
      );
      if (moved !== 1) return null;
      // Paid meanwhile another way (the other channel, the hall counter…) or withdrawn: a duplicate;
      // otherwise just late. The reason is what the subscriber reads.
      const bills = await tx.find(PaymentOrderBill, { orderId: order.id });
      const settled = bills.length > 0 ? await tx.findOne(Bill, { id: { $in: bills.map((b) => b.billId) }, status: { $ne: 'unpaid' } }) : null;
      const kind: RefundKind = settled ? 'auto_duplicate' : 'auto_late';
      const why = settled ? await whyNotPayable(tx, settled.id) : '订单已关闭后才到账';
      return this.refunds.recordAutoRefund(tx, order, payment.amountFen, kind, why, now);
    });
    if (refundId === null) return 'duplicate';
    await this.refunds.issueRefund(refundId);
    return 'refunded_late';
  }
}
