import { LockMode, raw, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  businessDateTime,
  fenToYuan,
  gatewayOf,
  type Page,
  type PaymentOrderKind,
  type PaymentOrderView,
  type RefundKind,
  type RefundView,
  type ResolveRefundInput,
  type StaffRefundInput,
  type StaffRefundQuery,
  type StaffRefundView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import { AlipayGatewayError } from '../../integrations/alipay/alipay.adapter';
import { WechatPayError } from '../../integrations/wechatpay/wechatpay.adapter';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { takeRow } from '../jobs/lease';
import { NOTIFICATION_SEND_TOPIC } from '../notifications/notifications.service';
import { enqueueOutbox } from '../outbox/outbox.service';
import { PaymentGateways, truncate } from './payment-gateways';
import { PaymentOrder } from './payment-order.entity';
import { orderView, refundView, staffRefundView } from './payment-views';
import { Refund } from './refund.entity';
import type { RefundReverser } from './settlers';

/**
 * Run in the transaction of every refund that succeeds, after the order's refunded amount (and any
 * reverser) took it into account (the invoices module: reverse the order's invoice, reissue for what is left).
 */
export type RefundSucceededHook = (em: EntityManager, order: PaymentOrder, refund: Refund) => Promise<void>;

/**
 * What a kind of order does as a staff refund of it is asked for and, should the gateway refuse
 * it, when it fails; each in that change's transaction. `requested` may refuse the refund by
 * throwing (nothing is recorded then). Top-ups take the money off the balance when it is asked
 * for, and give it back if the refund fails.
 */
export interface RefundHooks {
  requested?: (em: EntityManager, order: PaymentOrder, refund: Refund) => Promise<void>;
  failed?: (em: EntityManager, order: PaymentOrder, refund: Refund) => Promise<void>;
}

const SYSTEM: AuditActor = { kind: 'system', id: null };

/**
 * Refunds: asked for by staff, or automatic (money for an order that could no longer take it),
 * sent to the gateway under a deterministic refund number (its idempotency key), retried while
 * unanswered or refused, resolved by hand when the gateway keeps refusing, and completed once
 * (`markRefund`), which undoes what a fully refunded order bought.
 */
export class RefundsService {
  private readonly refundHooks = new Map<PaymentOrderKind, RefundHooks>();
  private readonly refundSucceededHooks: RefundSucceededHook[] = [];
  private readonly reversers = new Map<PaymentOrderKind, RefundReverser>();

  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly gateways: PaymentGateways,
  ) {}

  /** Registers what undoes a fully refunded order of a kind (the renewals module registers 'renewal'). */
  registerRefundReverser(kind: PaymentOrderKind, reverser: RefundReverser): void {
    this.reversers.set(kind, reverser);
  }

  /** Registers what a staff refund of a kind of order does when asked for and when it fails (the prepaid module registers 'topup'). */
  registerRefundHooks(kind: PaymentOrderKind, hooks: RefundHooks): void {
    this.refundHooks.set(kind, hooks);
  }

  /** Registers what follows every successful refund, in its transaction (the invoices module). */
  onRefundSucceeded(hook: RefundSucceededHook): void {
    this.refundSucceededHooks.push(hook);
  }

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** Staff refund of a paid order, full or partial, never more than paid − refunded (refunds in flight included). */
  async refundOrder(staffId: number, orderId: number, input: StaffRefundInput): Promise<{ order: PaymentOrderView; refund: RefundView }> {
    const now = this.now();
    const refundId = await this.fork().transactional(async (tx) => {
      // MySQL: the order row is locked so two refunds cannot both see the same refundable amount.
      const order = await tx.findOne(PaymentOrder, orderId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (!order) throw new NotFoundError('支付订单');
      if (!['paid', 'refunding', 'refunded'].includes(order.status)) {
        throw new AppError('ORDER_NOT_REFUNDABLE', 409, '只有已支付的订单可以退款');
      }
      const refunds = await tx.find(Refund, { orderId }, { refresh: true });
      const committed = refunds.filter((r) => r.status !== 'failed').reduce((s, r) => s + Number(r.amountFen), 0);
      const availableFen = Number(order.paidAmountFen ?? order.amountFen) - committed;
      if (input.amountFen > availableFen) {
        throw new AppError('REFUND_AMOUNT_EXCEEDED', 409, `退款金额超过可退金额（可退 ${availableFen} 分）`, { availableFen });
      }
      const refund = Object.assign(new Refund(), {
        orderId,
        outRefundNo: `SR${order.outTradeNo}${refunds.length + 1}`,
        amountFen: input.amountFen,
        reason: input.reason,
        kind: 'staff' as const,
        status: 'processing' as const,
        requestedByStaffId: staffId,
        createdAt: now,
        updatedAt: now,
      });
      tx.persist(refund);
      if (order.status === 'paid') await tx.nativeUpdate(PaymentOrder, { id: orderId, status: 'paid' }, { status: 'refunding', updatedAt: now });
      await tx.flush();
      await this.refundHooks.get(order.kind)?.requested?.(tx, order, refund);
      this.audit.record(tx, { kind: 'staff', id: staffId }, { action: 'payment.refund', entityType: 'payment_order', entityId: orderId, detail: { outRefundNo: refund.outRefundNo, amountFen: input.amountFen, reason: input.reason } }, now);
      return refund.id;
    });
    await this.issueRefund(refundId);
    const em = this.fork();
    const order = await em.findOneOrFail(PaymentOrder, orderId);
    const refund = await em.findOneOrFail(Refund, refundId);
    return { order: await orderView(em, order), refund: refundView(refund) };
  }

  /**
   * Sends a recorded refund to its gateway. Safe to repeat: the refund number is the gateway's
   * idempotency key. Network trouble leaves it 'processing' for the next retry.
   */
  async issueRefund(refundId: number): Promise<void> {
    const em = this.fork();
    const refund = await em.findOneOrFail(Refund, refundId);
    if (refund.status !== 'processing') return;
    const order = await em.findOneOrFail(PaymentOrder, refund.orderId);
    const amountFen = Number(refund.amountFen);
    try {
      if (gatewayOf(order.channel) === 'wechatpay') {
        const r = await this.deps.payments.wechatpay.gateway.refund({
          outTradeNo: order.outTradeNo,
          outRefundNo: refund.outRefundNo,
          refundFen: amountFen,
          totalFen: Number(order.paidAmountFen ?? order.amountFen),
          reason: truncate(refund.reason, 80),
          notifyUrl: this.gateways.notifyUrl('wechatpay'),
        });
        if (r.status === 'SUCCESS') await this.markRefund(refundId, 'success', r.refundId);
        else if (r.status === 'CLOSED' || r.status === 'ABNORMAL') await this.markRefund(refundId, 'failed', r.refundId, `WeChat Pay refund ${r.status}`);
        else await em.nativeUpdate(Refund, { id: refundId }, { gatewayRefundId: r.refundId, updatedAt: this.now() });
      } else {
        const r = await this.deps.payments.alipay.gateway.refund({ outTradeNo: order.outTradeNo, outRequestNo: refund.outRefundNo, refundFen: amountFen, reason: refund.reason });
        await this.markRefund(refundId, 'success', r.tradeNo);
      }
    } catch (err) {
      const permanent =
        (err instanceof WechatPayError && !err.retryable && err.code !== 'NETWORK_ERROR') ||
        (err instanceof AlipayGatewayError && err.code.startsWith('ACQ.') && err.code !== 'ACQ.SYSTEM_ERROR');
      if (!permanent || refund.kind === 'staff') {
        this.deps.logger.error({ err, refundId, outRefundNo: refund.outRefundNo }, permanent ? 'refund refused by the gateway' : 'refund not confirmed; retried later');
      }
      if (permanent) await this.markRefund(refundId, 'failed', null, refusalOf(err));
    }
  }

  /** Asks the gateway about refunds still processing (lost answers, no notify) and re-sends them. */
  async retryPendingRefunds(olderThanMs = 60_000, limit = 50): Promise<number> {
    const em = this.fork();
    const pending = await em.find(Refund, { status: 'processing', updatedAt: { $lt: new Date(this.now().getTime() - olderThanMs) } }, { limit, orderBy: { id: 'asc' } });
    for (const r of pending) {
      const order = await em.findOneOrFail(PaymentOrder, r.orderId);
      try {
        if (gatewayOf(order.channel) === 'wechatpay') {
          const q = await this.deps.payments.wechatpay.gateway.queryRefund(r.outRefundNo);
          if (q?.status === 'SUCCESS') await this.markRefund(r.id, 'success', q.refundId);
          else if (q?.status === 'CLOSED' || q?.status === 'ABNORMAL') await this.markRefund(r.id, 'failed', q.refundId, `WeChat Pay refund ${q.status}`);
          else if (!q) await this.issueRefund(r.id);
        } else {
          await this.issueRefund(r.id);
        }
      } catch (err) {
        this.deps.logger.warn({ err, refundId: r.id }, 'refund retry failed');
      }
    }
    return pending.length;
  }

  /**
   * Sends again the automatic refunds the gateway refused whose next try is due (a batch): each is
   * claimed failed → processing by a conditional UPDATE (never while a supervisor resolves it, never
   * by two instances), then issued under its own refund number, so a refusal that lifts (the
   * merchant account topped up, the gateway's trouble over) pays the subscriber back.
   */
  async retryFailedRefunds(limit = 20): Promise<number> {
    const now = this.now();
    const em = this.fork();
    const due = await em.find(Refund, { status: 'failed', resolvedAt: null, nextAttemptAt: { $lte: now } }, { orderBy: { nextAttemptAt: 'asc', id: 'asc' }, limit, fields: ['id'] });
    let retried = 0;
    for (const { id } of due) {
      if (!(await takeRow(em, Refund, { id, status: 'failed', resolvedAt: null, nextAttemptAt: { $lte: now } }, { status: 'processing', nextAttemptAt: null, updatedAt: now }))) continue;
      retried++;
      await this.issueRefund(id);
    }
    return retried;
  }

  /** Refused refunds nobody has resolved yet: what the console and the housekeeping log count. */
  async countUnresolvedFailedRefunds(): Promise<number> {
    return this.fork().count(Refund, { status: 'failed', resolvedAt: null });
  }

  /** `GET /staff/refunds` (supervisor): refunds by status and resolution, newest first, with their orders. */
  async listRefunds(query: StaffRefundQuery): Promise<Page<StaffRefundView>> {
    const where: FilterQuery<Refund> = {};
    if (query.status) where.status = query.status;
    if (query.resolved !== undefined) where.resolvedAt = query.resolved ? { $ne: null } : null;
    const em = this.fork();
    const [rows, total] = await em.findAndCount(Refund, where, { orderBy: { id: 'desc' }, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
    const orders = new Map((await em.find(PaymentOrder, { id: { $in: [...new Set(rows.map((r) => r.orderId))] } })).map((o) => [o.id, o]));
    return { items: rows.map((r) => staffRefundView(r, orders.get(r.orderId)!)), page: query.page, pageSize: query.pageSize, total };
  }

  /**
   * `POST /staff/refunds/:id/resolve` (supervisor): a refused refund handled by hand, with what was
   * done; no more automatic tries. Once: a refund already resolved, or not refused (in flight,
   * succeeded), answers 409 saying so.
   */
  async resolveRefund(staff: { staffId: number; name: string; jobNo: string }, refundId: number, input: ResolveRefundInput): Promise<StaffRefundView> {
    const now = this.now();
    const taken = await this.fork().transactional(async (tx) => {
      const n = await tx.nativeUpdate(
        Refund,
        { id: refundId, status: 'failed', resolvedAt: null },
        { resolvedAt: now, resolvedByStaffId: staff.staffId, resolvedByName: staff.name, resolvedByJobNo: staff.jobNo, resolutionNote: input.note, nextAttemptAt: null, updatedAt: now },
      );
      if (n !== 1) return false;
      const r = await tx.findOneOrFail(Refund, refundId, { refresh: true });
      this.audit.record(
        tx,
        { kind: 'staff', id: staff.staffId },
        { action: 'payment.refund_resolved', entityType: 'payment_order', entityId: r.orderId, detail: { refundId, outRefundNo: r.outRefundNo, amountFen: Number(r.amountFen), note: input.note } },
        now,
      );
      return true;
    });
    // Read after the transaction, so MySQL's snapshot shows the winner's committed row.
    const em = this.fork();
    const r = await em.findOne(Refund, refundId);
    if (!r) throw new NotFoundError('退款');
    if (!taken) {
      if (r.resolvedAt) {
        throw new AppError('CONFLICT', 409, `该退款已由${r.resolvedByName}（工号 ${r.resolvedByJobNo}）于 ${businessDateTime(new Date(r.resolvedAt))} 处理，无需重复处理`, {
          resolvedAt: new Date(r.resolvedAt).toISOString(),
          resolvedBy: { staffId: Number(r.resolvedByStaffId), name: r.resolvedByName, jobNo: r.resolvedByJobNo },
        });
      }
      throw new AppError('CONFLICT', 409, r.status === 'success' ? '该退款已成功，无需处理' : '该退款正在向支付渠道重新提交，请稍后刷新再处理', { status: r.status });
    }
    return staffRefundView(r, await em.findOneOrFail(PaymentOrder, r.orderId));
  }

  /**
   * A refund nobody asked for, recorded in the caller's transaction with the reason in the
   * subscriber's words (`why`: "账单 2026-11 已在营业厅窗口缴清"), and the subscriber told of it
   * (WeChat or SMS, through the outbox, once per refund).
   */
  async recordAutoRefund(tx: EntityManager, order: PaymentOrder, amountFen: number, kind: RefundKind, why: string, now: Date): Promise<number> {
    const refund = Object.assign(new Refund(), {
      orderId: order.id,
      outRefundNo: `AR${order.outTradeNo}`,
      amountFen,
      reason: `${why}，本次支付的 ${fenToYuan(amountFen)} 元将原路退回`,
      kind,
      status: 'processing' as const,
      createdAt: now,
      updatedAt: now,
    });
    tx.persist(refund);
    await tx.flush();
    await enqueueOutbox(
      tx,
      {
        topic: NOTIFICATION_SEND_TOPIC,
        dedupeKey: `notify-send:refund:${refund.id}`,
        payload: { event: 'payment_refunded', userId: order.userId, ...(order.accountId !== null ? { accountId: order.accountId } : {}), vars: { amount: fenToYuan(amountFen), reason: why, outTradeNo: order.outTradeNo, time: businessDateTime(now) } },
      },
      now,
    );
    this.audit.record(tx, SYSTEM, { action: 'payment.auto_refund', entityType: 'payment_order', entityId: order.id, detail: { outRefundNo: refund.outRefundNo, amountFen, kind } }, now);
    return refund.id;
  }

  /**
   * processing → success | failed, once. A success adds to the order's refundedFen and moves a
   * refunding order to refunded when nothing is left in flight. A failed staff refund that was the
   * order's only one puts the order back to paid: no money moved. The success that makes the
   * refunds add up to what was paid also undoes what the order bought (registered reversers).
   */
  async markRefund(refundId: number, status: 'success' | 'failed', gatewayRefundId: string | null, refusal: string | null = null): Promise<void> {
    const now = this.now();
    await this.fork().transactional(async (tx) => {
      const moved = await tx
        .createQueryBuilder(Refund)
        .update({
          status,
          updatedAt: now,
          ...(gatewayRefundId !== null ? { gatewayRefundId } : {}),
          ...(status === 'failed' ? { attempts: raw('attempts + 1'), lastError: (refusal ?? 'refused by the gateway').slice(0, 255) } : { nextAttemptAt: null }),
        })
        .where({ id: refundId, status: 'processing' })
        .execute('run');
      if (moved.affectedRows !== 1) return;
      const refund = await tx.findOneOrFail(Refund, refundId, { refresh: true });
      if (status === 'failed' && refund.kind !== 'staff' && refund.resolvedAt === null) {
        // Nobody asked for an automatic refund, so nobody would ask again: it is retried with
        // backoff and listed for supervisors until it succeeds or one of them resolves it.
        const nextAttemptAt = new Date(now.getTime() + refundRetryDelayMs(Number(refund.attempts)));
        await tx.nativeUpdate(Refund, { id: refundId }, { nextAttemptAt });
        this.deps.logger.error({ refundId, outRefundNo: refund.outRefundNo, attempts: refund.attempts, nextAttemptAt, refusal }, 'automatic refund refused by the gateway; retried later and listed for staff');
      }
      if (status === 'failed' && refund.kind === 'staff') {
        const order = await tx.findOneOrFail(PaymentOrder, refund.orderId, { refresh: true });
        await this.refundHooks.get(order.kind)?.failed?.(tx, order, refund);
      }
      if (status === 'success') {
        await tx
          .createQueryBuilder(PaymentOrder)
          .update({ refundedFen: raw('refunded_fen + ?', [Number(refund.amountFen)]), updatedAt: now })
          .where({ id: refund.orderId })
          .execute('run');
        const order = await tx.findOneOrFail(PaymentOrder, refund.orderId, { refresh: true });
        const reverser = this.reversers.get(order.kind);
        if (reverser && order.gatewayTradeNo !== null && Number(order.refundedFen) >= Number(order.paidAmountFen ?? order.amountFen)) {
          await reverser(tx, order);
        }
        for (const hook of this.refundSucceededHooks) await hook(tx, order, refund);
      }
      const others = await tx.find(Refund, { orderId: refund.orderId }, { refresh: true });
      if (others.some((r) => r.status === 'processing')) return;
      if (others.some((r) => r.status === 'success')) {
        await tx.nativeUpdate(PaymentOrder, { id: refund.orderId, status: 'refunding' }, { status: 'refunded', updatedAt: now });
      } else if (others.every((r) => r.kind === 'staff')) {
        await tx.nativeUpdate(PaymentOrder, { id: refund.orderId, status: 'refunding' }, { status: 'paid', updatedAt: now });
      }
      this.audit.record(tx, SYSTEM, { action: `payment.refund_${status}`, entityType: 'payment_order', entityId: refund.orderId, detail: { outRefundNo: refund.outRefundNo } }, now);
    });
  }
}

/**
 * When an automatic refund the gateway refused is sent again, after its n-th refusal: 1 min,
 * 5 min, 30 min, 2 h, then every 6 h until it succeeds or a supervisor resolves it.
 */
export function refundRetryDelayMs(refusals: number): number {
  const steps = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000];
  return steps[Math.max(1, refusals) - 1] ?? 6 * 3_600_000;
}

/** A gateway refusal in a line staff can read: the gateway's code and message. */
function refusalOf(err: unknown): string {
  if (err instanceof WechatPayError || err instanceof AlipayGatewayError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
