import type { EntityManager } from '@mikro-orm/knex';
import type { PaymentOrderKind, RefundKind } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { Bill } from '../billing/bill.entity';
import { whyNotPayable } from './bill-settlement';
import type { GatewayPayment } from './payment-gateways';
import { insertNotify, type NotifyRecord } from './payment-notify-log';
import { PaymentOrderBill } from './payment-order-bill.entity';
import { PaymentOrder } from './payment-order.entity';
import type { RefundsService } from './refunds.service';
import { DuplicatePaymentError, type Settler } from './settlers';

/** How a payment report (notify, query) ended. */
export type PaymentOutcome = 'settled' | 'duplicate' | 'refunded_duplicate' | 'refunded_late' | 'mismatch';

const SYSTEM: AuditActor = { kind: 'system', id: null };

/**
 * Settling: a payment a gateway reported (a verified notification, a signed query answer, the
 * reconciliation) applied to its order exactly once (`UPDATE … WHERE status = 'created'`), with
 * what the order pays for (the settler registered for its kind) in the same transaction; money
 * for an order that can no longer take it recorded and refunded (`AR<outTradeNo>`).
 */
export class SettlementService {
  private readonly settlers = new Map<PaymentOrderKind, Settler>();

  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly refunds: RefundsService,
  ) {}

  /** Registers what settles orders of a kind (the renewals module registers 'renewal'). */
  registerSettler(kind: PaymentOrderKind, settler: Settler): void {
    this.settlers.set(kind, settler);
  }

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
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
   */
  async applyPayment(orderId: number, payment: GatewayPayment, notify?: NotifyRecord): Promise<PaymentOutcome> {
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
