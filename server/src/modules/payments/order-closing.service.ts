import type { EntityManager } from '@mikro-orm/knex';
import type { AppDeps } from '../../deps';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { instanceName, runWithJobLease } from '../jobs/lease';
import type { GatewayPayment, PaymentGateways } from './payment-gateways';
import { PaymentOrderBill } from './payment-order-bill.entity';
import { PaymentOrder } from './payment-order.entity';
import type { SettlementService } from './settlement.service';

/** How long past its expiry an order closed here without its gateway's word is still asked about. */
export const LOCAL_CLOSE_CHECK_MARGIN_MS = 2 * 3_600_000;
/** An expired order whose gateway cannot be reached is closed here once it is this far past its expiry. */
export const EXPIRED_LOCAL_CLOSE_AFTER_MS = 10 * 60_000;

/** What one pass of the expiry closer did. */
export interface ExpiryResult {
  paid: number;
  closed: number;
  skipped: number;
  failed: number;
  /** Closed here because the gateway could not be reached well past the expiry. */
  closedLocally: number;
}

/** What one pass over the locally closed orders did. */
export interface LocalCloseCheckResult {
  /** The gateway confirmed the order closed (or it can no longer be paid). */
  confirmed: number;
  /** The gateway had the money after all: recorded and refunded. */
  refunded: number;
  /** No answer yet, or the payer is paying right now: asked again next run. */
  pending: number;
  /** Past the expiry plus the margin without an answer: no longer asked. */
  gaveUp: number;
}

const SYSTEM: AuditActor = { kind: 'system', id: null };

/**
 * Closing orders nobody paid: asked about at their gateway first (paid → settled), closed there and
 * here, their bills (or package) free again; expired ones in a batch job, one instance at a time;
 * those closed here without the gateway's word asked about again until it confirms.
 */
export class OrderClosingService {
  private readonly leaseHolder = instanceName();

  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly gateways: PaymentGateways,
    private readonly settlement: SettlementService,
  ) {}

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** Asks the gateway about an open order and settles it when paid (the client's "success" is only a hint). */
  async syncOrder(order: PaymentOrder): Promise<void> {
    try {
      const s = await this.gateways.query(order);
      if (s.state === 'paid') await this.settlement.applyPayment(order.id, s.payment);
    } catch (err) {
      this.deps.logger.warn({ err, orderId: order.id }, 'payment query failed');
    }
  }

  /**
   * Closes one expired order: query first (paid → settle), otherwise close at the gateway, then
   * here, releasing the bills. A payment that slips in between is caught by the gateway's close
   * answer (ORDERPAID / status error) or, for Alipay's not-yet-existing trades, arrives later and
   * is refunded as late.
   */
  async closeExpiredOrder(order: PaymentOrder): Promise<'paid' | 'closed' | 'skipped'> {
    const s = await this.gateways.query(order);
    if (s.state === 'paid') {
      await this.settlement.applyPayment(order.id, s.payment);
      return 'paid';
    }
    if (s.state === 'paying') return 'skipped';
    if (s.state === 'open') {
      const outcome = await this.gateways.close(order);
      if (outcome === 'already_paid' || outcome === 'paid') {
        const again = await this.gateways.query(order);
        if (again.state !== 'paid') return 'skipped';
        await this.settlement.applyPayment(order.id, again.payment);
        return 'paid';
      }
    }
    await this.markClosed(order.id);
    return 'closed';
  }

  /**
   * An open order whose bills were paid outside the portal (the billing system's inlet queued it):
   * closed at its gateway and here, or, when the payer got there first, settled, which refunds it
   * as a duplicate with the reason in words. Throws while the payer is paying right now, so the
   * outbox tries again shortly.
   */
  async closeOrderPaidElsewhere(orderId: number): Promise<void> {
    const order = await this.fork().findOne(PaymentOrder, orderId);
    if (!order || order.status !== 'created') return;
    if ((await this.closeExpiredOrder(order)) === 'skipped') throw new Error(`order ${orderId}: the payer is paying right now; closing it again shortly`);
  }

  /**
   * Closes every open order past its expiry (a batch). Used by the expiry job. With several
   * instances, one at a time runs the pass (a job lease), so each order is queried and closed once.
   */
  async closeExpiredOrders(limit = 100): Promise<ExpiryResult> {
    const result: ExpiryResult = { paid: 0, closed: 0, skipped: 0, failed: 0, closedLocally: 0 };
    const pass = await runWithJobLease(this.deps.orm, { name: 'payments.expiry', holder: this.leaseHolder, leaseMs: 5 * 60_000, now: this.now() }, async () => {
      const orders = await this.fork().find(PaymentOrder, { status: 'created', expiresAt: { $lt: this.now() } }, { orderBy: { expiresAt: 'asc' }, limit });
      return this.closeOrders(orders, result);
    });
    return pass.ran ? pass.result : result;
  }

  private async closeOrders(orders: PaymentOrder[], result: ExpiryResult) {
    for (const order of orders) {
      try {
        result[await this.closeExpiredOrder(order)]++;
      } catch (err) {
        // A gateway that stays unreachable well past the expiry must not hold the bills for ever:
        // the order is closed here and the gateway asked again later, as when its user closes it.
        const long = this.now().getTime() - new Date(order.expiresAt).getTime() >= EXPIRED_LOCAL_CLOSE_AFTER_MS;
        const closedHere = long && (await this.closeLocally(order, SYSTEM));
        if (closedHere) result.closedLocally++;
        else result.failed++;
        this.deps.logger.warn({ err, orderId: order.id }, closedHere ? 'closing an expired payment order at its gateway failed; closed here, checked again later' : 'closing an expired payment order failed; retried next run');
      }
    }
    return result;
  }

  /**
   * created → closed, and the bills (or the package) are free again. A no-op when a payment got
   * there first. `checkUntil`: closed without the gateway's confirmation, asked again until then.
   */
  async markClosed(orderId: number, checkUntil: Date | null = null, also?: (tx: EntityManager) => void): Promise<boolean> {
    const now = this.now();
    return this.fork().transactional(async (tx) => {
      const moved = await tx.nativeUpdate(
        PaymentOrder,
        { id: orderId, status: 'created' },
        { status: 'closed', closedAt: now, openSubscriptionId: null, gatewayCheckUntil: checkUntil, updatedAt: now },
      );
      if (moved !== 1) return false;
      await tx.nativeUpdate(PaymentOrderBill, { orderId }, { openLock: null });
      also?.(tx);
      return true;
    });
  }

  /** created → closed without the gateway's word; checked by `checkLocallyClosedOrders` until its expiry plus a margin. */
  async closeLocally(order: PaymentOrder, actor: AuditActor): Promise<boolean> {
    const checkUntil = new Date(new Date(order.expiresAt).getTime() + LOCAL_CLOSE_CHECK_MARGIN_MS);
    const now = this.now();
    return this.markClosed(order.id, checkUntil, (tx) => {
      this.audit.record(tx, actor, { action: 'payment.closed_locally', entityType: 'payment_order', entityId: order.id, detail: { outTradeNo: order.outTradeNo, checkUntil: checkUntil.toISOString() } }, now);
    });
  }

  /**
   * Orders closed here without their gateway's confirmation, asked again (a batch, one instance at
   * a time by a lease): closed there → done; still open → closed there now; paid after all → the
   * money is recorded and refunded as late (the bills may be paid another way by now); no answer →
   * asked again next run, until the order's expiry plus {@link LOCAL_CLOSE_CHECK_MARGIN_MS}, after
   * which a payment can only come from a notification or the daily reconciliation (both take the
   * same late-payment path).
   */
  async checkLocallyClosedOrders(limit = 100): Promise<LocalCloseCheckResult> {
    const result: LocalCloseCheckResult = { confirmed: 0, refunded: 0, pending: 0, gaveUp: 0 };
    const pass = await runWithJobLease(this.deps.orm, { name: 'payments.local-close', holder: this.leaseHolder, leaseMs: 5 * 60_000, now: this.now() }, async () => {
      const orders = await this.fork().find(PaymentOrder, { status: 'closed', gatewayCheckUntil: { $ne: null } }, { orderBy: { gatewayCheckUntil: 'asc' }, limit });
      for (const order of orders) {
        let outcome: 'confirmed' | 'refunded' | 'pending';
        try {
          outcome = await this.checkLocallyClosed(order);
        } catch (err) {
          this.deps.logger.warn({ err, orderId: order.id }, 'a locally closed order could not be checked with its gateway');
          outcome = 'pending';
        }
        if (outcome === 'pending' && this.now() > new Date(order.gatewayCheckUntil!)) {
          await this.fork().nativeUpdate(PaymentOrder, { id: order.id, status: 'closed' }, { gatewayCheckUntil: null, updatedAt: this.now() });
          this.deps.logger.warn({ orderId: order.id, outTradeNo: order.outTradeNo }, 'stopped checking a locally closed order: its gateway never confirmed; a late payment is still refunded from its notification or the reconciliation');
          result.gaveUp++;
        } else {
          result[outcome]++;
        }
      }
      return result;
    });
    return pass.ran ? pass.result : result;
  }

  private async checkLocallyClosed(order: PaymentOrder): Promise<'confirmed' | 'refunded' | 'pending'> {
    const done = async (outcome: 'confirmed' | 'refunded') => {
      await this.fork().nativeUpdate(PaymentOrder, { id: order.id }, { gatewayCheckUntil: null, updatedAt: this.now() });
      return outcome;
    };
    const settleLate = async (payment: GatewayPayment) => {
      // The order is closed here: the payment is recorded on it and refunded (AR<outTradeNo>).
      await this.settlement.applyPayment(order.id, payment);
      return done('refunded');
    };
    const s = await this.gateways.query(order);
    if (s.state === 'paid') return settleLate(s.payment);
    if (s.state === 'closed') return done('confirmed');
    if (s.state === 'paying') return 'pending';
    const outcome = await this.gateways.close(order);
    if (outcome === 'already_paid' || outcome === 'paid') {
      const again = await this.gateways.query(order);
      return again.state === 'paid' ? settleLate(again.payment) : 'pending';
    }
    if (outcome === 'closed') return done('confirmed');
    // Alipay has no trade: the signed pay URL can still open one until its time_expire, not after.
    return this.now() > new Date(order.expiresAt) ? done('confirmed') : 'pending';
  }
}
