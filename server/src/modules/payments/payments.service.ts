import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException, raw, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  businessDate,
  businessDateTime,
  computeLateFeeFen,
  fenToYuan,
  gatewayOf,
  offlinePaymentChannelNames,
  type ContinuePaymentInput,
  type CreateBillPaymentInput,
  type CreatePaymentResult,
  type PaymentAction,
  type PaymentChannel,
  type PaymentGatewayName,
  type PaymentOrderKind,
  type Page,
  type PaymentOrderView,
  type PaymentReturnVia,
  type RefundKind,
  type RefundView,
  type ResolveRefundInput,
  type StaffRefundInput,
  type StaffRefundQuery,
  type StaffRefundView,
} from '@openhall/shared';
import { instanceName, runWithJobLease, takeRow } from '../jobs/lease';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import { AlipayGatewayError } from '../../integrations/alipay/alipay.adapter';
import {
  alipayNotifyKind,
  checkAlipayNotify,
  readAlipayPaymentNotice,
  verifyAlipayNotify,
} from '../../integrations/alipay/alipay.notify';
import type { WechatOAuthClient } from '../../integrations/wechat/wechat-oauth.adapter';
import { WechatPayError } from '../../integrations/wechatpay/wechatpay.adapter';
import {
  checkTransactionMatches,
  verifyAndDecryptNotify,
  type WechatPayRefundResource,
  type WechatPayTransaction,
} from '../../integrations/wechatpay/wechatpay.notify';
import { AccountBinding } from '../accounts/account-binding.entity';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { Bill } from '../billing/bill.entity';
import { enqueueOutbox } from '../outbox/outbox.service';
import { NOTIFICATION_SEND_TOPIC } from '../notifications/notifications.service';
import { User } from '../users/user.entity';
import type { BillingWriteoffMessage, BillingWriteoffReversedMessage } from '../../integrations/billing/billing.adapter';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { PaymentOrderBill } from './payment-order-bill.entity';
import { PaymentOrder } from './payment-order.entity';
import { Refund } from './refund.entity';
import { PaymentGateways, truncate, type GatewayPayment } from './payment-gateways';
import { orderView, refundView, staffRefundView } from './payment-views';
import { lateFeeSuspensions } from '../billing/bill-disputes.service';
import type { BillingLiveChecks } from '../billing-records/billing-live.service';

/**
 * Applies a paid order to what it pays for (bills, a renewal), inside the transaction that marks
 * the order paid: both commit together or neither does. Throw `DuplicatePaymentError` when what the
 * order pays for is already paid: the order is then kept as paid and refunded in full.
 */
export type Settler = (em: EntityManager, order: PaymentOrder) => Promise<unknown>;

/**
 * Undoes what an order paid for (a renewal's extension) once its successful refunds add up to
 * what was paid, inside the transaction that records the refund completing it. Must be
 * idempotent: it may be called again for an order it has already undone.
 */
export type RefundReverser = (em: EntityManager, order: PaymentOrder) => Promise<unknown>;

/** Run in the transaction that settled an order's bills, once per account they belong to. */
export type BillsSettledHook = (em: EntityManager, accountId: number, now: Date, userId: number) => Promise<void>;

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

/** Thrown by a settler: the goods were already paid for another way; refund this payment. */
export class DuplicatePaymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DuplicatePaymentError';
  }
}

export interface CreateOrderInput {
  userId: number;
  kind: PaymentOrderKind;
  channel: PaymentChannel;
  amountFen: number;
  /** Shown to the payer (WeChat allows 127 characters). */
  description: string;
  /** The payer's IP (WeChat H5 needs it; WeChat compares it with the paying device's). */
  payerIp?: string;
  /** Same-origin path the H5 cashier returns to. */
  returnPath?: string;
  /** A top-up order's prepaid account. */
  accountId?: number | null;
  subscriptionId?: number | null;
  renewalMonths?: number | null;
  renewalQuote?: Record<string, unknown> | null;
  /**
   * Runs inside the transaction that creates the order, after it has its id: link rows, locks.
   * A unique violation thrown here rolls the order back.
   */
  attach?: (em: EntityManager, order: PaymentOrder) => Promise<void>;
}


/** A received notification, for payment_notify. */
interface NotifyRecord {
  gateway: PaymentGatewayName;
  notifyId: string | null;
  outTradeNo: string | null;
  rawBody: string;
}

/** How a payment report (notify, query) ended. */
export type PaymentOutcome = 'settled' | 'duplicate' | 'refunded_duplicate' | 'refunded_late' | 'mismatch';

/** The answer a notify endpoint gives. */
export interface NotifyAnswer {
  status: number;
  /** WeChat: JSON body (none for 204). Alipay: the plain text. */
  body?: { code: 'FAIL'; message: string } | string;
}

const SYSTEM: AuditActor = { kind: 'system', id: null };

/** Outbox topic telling the billing system that a refund undid a bill order's write-off. */
export const BILLING_WRITEOFF_REVERSED_TOPIC = 'billing.writeoff_reversed';

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

/**
 * Payment orders through WeChat Pay and Alipay. The rules that keep every fen accounted for:
 * - the amount comes from the server (bills + live late fees); a bill sits in at most one open
 *   order (a unique index on payment_order_bill(bill_id, open_lock));
 * - an order changes state only through conditional UPDATEs (`… WHERE status = 'created'`), so
 *   concurrent notifications, queries and the expiry closer settle an order once;
 * - money that arrives for an order that can no longer take it is refunded with a deterministic
 *   refund number (`AR<outTradeNo>`), so retrying the refund never refunds twice.
 */
export class PaymentsService {
  private readonly settlers = new Map<PaymentOrderKind, Settler>();
  private readonly refundHooks = new Map<PaymentOrderKind, RefundHooks>();
  private readonly billsSettledHooks: BillsSettledHook[] = [];
  private readonly refundSucceededHooks: RefundSucceededHook[] = [];
  private readonly reversers = new Map<PaymentOrderKind, RefundReverser>();
  private readonly gateways: PaymentGateways;

  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly live?: BillingLiveChecks,
  ) {
    this.gateways = new PaymentGateways(deps);
    this.registerSettler('bills', (em, order) => this.settleBills(em, order));
    this.registerRefundReverser('bills', (em, order) => this.reverseBills(em, order));
  }

  /** Registers what settles orders of a kind (the renewals module registers 'renewal'). */
  registerSettler(kind: PaymentOrderKind, settler: Settler): void {
    this.settlers.set(kind, settler);
  }

  /** Registers what undoes a fully refunded order of a kind (the renewals module registers 'renewal'). */
  registerRefundReverser(kind: PaymentOrderKind, reverser: RefundReverser): void {
    this.reversers.set(kind, reverser);
  }

  /** Registers what a staff refund of a kind of order does when asked for and when it fails (the prepaid module registers 'topup'). */
  registerRefundHooks(kind: PaymentOrderKind, hooks: RefundHooks): void {
    this.refundHooks.set(kind, hooks);
  }

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  /** An order as its row stands in the transaction, mapped as the ORM maps it but not managed. */
  private async readOrder(tx: EntityManager, orderId: number): Promise<PaymentOrder> {
    const [row] = await tx.execute<Array<Record<string, unknown>>>('select * from `payment_order` where `id` = ?', [orderId]);
    if (!row) throw new Error(`payment order ${orderId} is gone`);
    return tx.getDriver().mapResult(row as never, tx.getMetadata().get(PaymentOrder.name)) as unknown as PaymentOrder;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  // ─── creating orders ────────────────────────────────────────────────────────────────

  /**
   * `POST /payments`: pays some of the user's unpaid bills through one channel. `forAccount`: the
   * bills are another account's, paid for its holder (代缴, by account number or a shared bill):
   * they must all be that account's instead of one the user has bound.
   */
  async createBillPayment(userId: number, input: CreateBillPaymentInput, payerIp: string, forAccount?: number): Promise<CreatePaymentResult> {
    const billIds = [...new Set(input.billIds)];
    const em = this.fork();
    const bills = await em.find(Bill, { id: { $in: billIds } }, { orderBy: { period: 'asc', id: 'asc' } });
    const accountIds = [...new Set(bills.map((b) => b.accountId))];
    const allowed =
      forAccount !== undefined ? new Set([forAccount]) : new Set((await em.find(AccountBinding, { userId, accountId: { $in: accountIds } })).map((b) => b.accountId));
    // Someone else's bill and a bill that does not exist answer alike.
    if (bills.length !== billIds.length || bills.some((b) => !allowed.has(b.accountId))) throw new NotFoundError('账单');
    const cancelled = bills.filter((b) => b.status === 'cancelled');
    if (cancelled.length > 0) {
      throw new AppError('BILL_CANCELLED', 409, `账单 ${cancelled.map((b) => b.period).join('、')} 已撤销（冲正），无需缴费，请刷新账单后再试`, { billIds: cancelled.map((b) => b.id) });
    }
    const paid = bills.filter((b) => b.status === 'paid');
    if (paid.length > 0) {
      const where = paid[0].paidChannel ? `已在${offlinePaymentChannelNames[paid[0].paidChannel]}缴清` : '已缴清';
      throw new AppError('BILL_ALREADY_PAID', 409, `账单 ${paid.map((b) => b.period).join('、')} ${where}，无需重复缴费`, { billIds: paid.map((b) => b.id) });
    }
    // External mode: the billing system confirms each bill is still owed, at this amount.
    await this.live?.confirmPayable(bills);
    const today = businessDate(this.now());
    const rule = this.deps.config.operator.lateFee;
    // The same late fee the bill shows: none for the days a dispute of the bill was open.
    const suspended = await lateFeeSuspensions(em, bills, today, rule);
    const lines = bills.map((b) => {
      const amountFen = Number(b.amountFen);
      return { billId: b.id, amountFen, lateFeeFen: computeLateFeeFen(amountFen, b.dueDate, today, rule, suspended.get(b.id)) };
    });
    const amountFen = lines.reduce((s, l) => s + l.amountFen + l.lateFeeFen, 0);
    const periods = bills.map((b) => b.period).join(',');
    const description = truncate(`${this.deps.config.operator.shortName}账单缴费 ${periods}`, 120);
    try {
      return await this.createOrder({
        userId,
        kind: 'bills',
        channel: input.channel,
        amountFen,
        description,
        payerIp,
        returnPath: input.returnPath,
        attach: async (tx, order) => {
          for (const l of lines) tx.persist(Object.assign(new PaymentOrderBill(), { orderId: order.id, ...l, openLock: 1 }));
          await tx.flush();
        },
      });
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      const open = await this.fork().find(PaymentOrderBill, { billId: { $in: billIds }, openLock: 1 });
      throw new AppError('BILL_IN_OPEN_ORDER', 409, '所选账单有一笔待支付的订单，请先完成支付或等待订单关闭后再试', {
        billIds: [...new Set(open.map((o) => o.billId))],
        orderIds: [...new Set(open.map((o) => o.orderId))],
      });
    }
  }

  /**
   * Creates an order of any kind and asks its gateway for what the client needs to pay. The order
   * (and whatever `attach` adds) commits first; the gateway is called outside the transaction. If
   * the gateway refuses, the order is closed at once so its bills are free again.
   */
  async createOrder(input: CreateOrderInput): Promise<CreatePaymentResult> {
    if (!Number.isSafeInteger(input.amountFen) || input.amountFen < 1) throw new AppError('VALIDATION_FAILED', 400, '支付金额必须大于0');
    let openid: string | null = null;
    if (input.channel === 'wechat_jsapi') {
      openid = (await this.fork().findOne(User, input.userId))?.openid ?? null;
      if (!openid) throw new AppError('WECHAT_OPENID_REQUIRED', 400, '小程序支付需要微信登录：请先用微信登录后再支付');
    }
    // In WeChat's browser the payer's openid comes from the official account's OAuth, after the
    // order exists (the OAuth comes back to the order's own confirming page).
    if (input.channel === 'wechat_mp_jsapi') this.officialAccount();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.deps.config.payments.orderTtlMinutes * 60_000);
    const renewalOf = input.kind === 'renewal' ? (input.subscriptionId ?? null) : null;
    let order: PaymentOrder | null = null;
    for (let attempt = 1; order === null; attempt++) {
      try {
        order = await this.insertOrder(input, openid, now, expiresAt, renewalOf);
      } catch (err) {
        if (!(err instanceof UniqueConstraintViolationException) || renewalOf === null) throw err;
        // The package is held by an open renewal order (a double submit, a second tab): the
        // database refused this one. Name the open order so the client can send the payer to it.
        const open = await this.fork().findOne(PaymentOrder, { openSubscriptionId: renewalOf });
        if (open) {
          throw new AppError('RENEWAL_IN_OPEN_ORDER', 409, '该套餐有一笔待支付的续费订单，请先完成支付或等待订单关闭后再试', {
            subscriptionId: renewalOf,
            orderIds: [open.id],
          });
        }
        // That order left `created` in between: the package is free now, try once more.
        if (attempt >= 2) throw err;
      }
    }
    let pay: PaymentAction;
    try {
      pay = await this.requestPayment(order, { payerIp: input.payerIp, returnPath: input.returnPath }, openid);
    } catch (err) {
      this.deps.logger.error({ err, orderId: order.id, channel: order.channel }, 'payment gateway refused the order');
      // Nobody can pay an order whose payment parameters were never handed out; a payment that
      // somehow arrives anyway is refunded as late.
      await this.markClosed(order.id);
      throw new AppError('PAYMENT_GATEWAY_FAILED', 502, '支付渠道暂时无法下单，请稍后再试或换一种支付方式');
    }
    return { order: await orderView(this.fork(), order), pay };
  }

  /** The order row (and whatever `attach` adds), committed before any gateway is asked. */
  private insertOrder(input: CreateOrderInput, openid: string | null, now: Date, expiresAt: Date, renewalOf: number | null): Promise<PaymentOrder> {
    return this.fork().transactional(async (tx) => {
      const o = Object.assign(new PaymentOrder(), {
        outTradeNo: newOutTradeNo(now),
        userId: input.userId,
        kind: input.kind,
        channel: input.channel,
        status: 'created' as const,
        amountFen: input.amountFen,
        description: input.description,
        payerOpenid: openid,
        accountId: input.accountId ?? null,
        subscriptionId: input.subscriptionId ?? null,
        renewalMonths: input.renewalMonths ?? null,
        renewalQuote: input.renewalQuote ?? null,
        openSubscriptionId: renewalOf,
        expiresAt,
        createdAt: now,
        updatedAt: now,
      });
      tx.persist(o);
      await tx.flush();
      await input.attach?.(tx, o);
      this.audit.record(tx, { kind: 'user', id: input.userId }, { action: 'payment.create', entityType: 'payment_order', entityId: o.id, detail: { outTradeNo: o.outTradeNo, channel: o.channel, amountFen: o.amountFen, kind: o.kind } }, now);
      return o;
    });
  }

  /**
   * Where an H5 cashier (or the official account's OAuth) sends the browser back: the same-origin
   * `returnPath` with `?paymentId=`, and `via` saying which way it came back (see PaymentReturnVia).
   */
  private returnUrl(order: PaymentOrder, returnPath: string | undefined, via?: PaymentReturnVia): string {
    const base = new URL(this.deps.self.baseUrl);
    let url = new URL(returnPath ?? '/', base);
    // Same origin only: the cashier must never send the payer to someone else's page.
    if (url.origin !== base.origin) url = new URL('/', base);
    url.searchParams.set('paymentId', String(order.id));
    if (via) url.searchParams.set('via', via);
    return url.toString();
  }

  /** The official account and its OAuth; 400 WECHAT_MP_NOT_CONFIGURED when this deployment has none. */
  private officialAccount(): { appid: string; oauth: WechatOAuthClient } {
    const appid = this.deps.payments.wechatpay.mpAppid;
    const oauth = this.deps.wechatOAuth;
    if (!appid || !oauth) {
      throw new AppError('WECHAT_MP_NOT_CONFIGURED', 400, '未配置公众号支付：请在小程序中缴费，或在浏览器中打开本页后用支付宝或微信支付');
    }
    return { appid, oauth };
  }

  /** The OAuth `state` of an order: only an authorization started for this order comes back with it. */
  private oauthState(order: PaymentOrder): string {
    return createHmac('sha256', this.deps.config.appSecret).update(`wechat-oauth:${order.id}:${order.outTradeNo}`).digest('hex').slice(0, 32);
  }

  /**
   * What the client does next to pay `order`: the gateway is asked (again) for it. Placing an order
   * a second time with the same out_trade_no and parameters answers the same payment, so this also
   * continues an order whose cashier was left. `openid`: the payer's, for JSAPI.
   */
  private async requestPayment(order: PaymentOrder, input: { payerIp?: string; returnPath?: string }, openid: string | null): Promise<PaymentAction> {
    const common = {
      outTradeNo: order.outTradeNo,
      description: order.description,
      amountFen: order.amountFen,
      timeExpire: order.expiresAt,
      notifyUrl: this.gateways.notifyUrl(gatewayOf(order.channel)),
    };
    const { wechatpay, alipay } = this.deps.payments;
    switch (order.channel) {
      case 'wechat_jsapi': {
        const r = await wechatpay.gateway.createJsapiOrder({ ...common, openid: openid! });
        return { kind: 'requestPayment', params: r.requestPayment };
      }
      case 'wechat_mp_jsapi': {
        const mp = this.officialAccount();
        // Who pays is not known yet: first the official account's (silent) OAuth, which comes back
        // to the confirming page with a code for `POST /payments/:id/pay`.
        if (!openid) return { kind: 'redirect', url: mp.oauth.authorizeUrl(this.returnUrl(order, input.returnPath, 'oauth'), this.oauthState(order)) };
        const r = await wechatpay.gateway.createJsapiOrder({ ...common, appid: mp.appid, openid });
        return { kind: 'requestPayment', params: r.requestPayment };
      }
      case 'wechat_h5': {
        const r = await wechatpay.gateway.createH5Order({ ...common, payerClientIp: (input.payerIp ?? '127.0.0.1').replace(/^::ffff:/, '') });
        // WeChat H5 has one address for coming back, taken after paying, after cancelling, or a few
        // seconds after its cashier opened: `via=wechat` tells the page it knows nothing yet.
        return { kind: 'redirect', url: `${r.h5Url}&redirect_url=${encodeURIComponent(this.returnUrl(order, input.returnPath, 'wechat'))}` };
      }
      case 'alipay_wap': {
        // return_url after paying; quit_url (a different address) when the payer leaves the cashier.
        const url = alipay.gateway.createWapPayUrl({
          ...common,
          subject: order.description,
          returnUrl: this.returnUrl(order, input.returnPath),
          quitUrl: this.returnUrl(order, input.returnPath, 'quit'),
        });
        return { kind: 'redirect', url };
      }
    }
  }

  /**
   * `POST /payments/:id/pay`: goes on paying the user's open order: back from a cashier left
   * without paying, or back from the official account's OAuth with a code (`wechat_mp_jsapi`): the
   * code is exchanged for the payer's openid, kept on the order, and the JSAPI order placed under
   * the official account. Answers what the client does next, as creating the order did. The same
   * out_trade_no is paid, so nothing can be paid twice; an order no longer open answers 409
   * ORDER_NOT_PAYABLE (ask for its status).
   */
  async continueOrder(userId: number, orderId: number, input: ContinuePaymentInput, payerIp: string): Promise<CreatePaymentResult> {
    const em = this.fork();
    const order = await em.findOne(PaymentOrder, { id: orderId, userId });
    if (!order) throw new NotFoundError('支付订单');
    this.checkPayable(order);
    let openid = order.payerOpenid;
    if (input.oauthCode !== undefined) {
      if (order.channel !== 'wechat_mp_jsapi') throw new AppError('VALIDATION_FAILED', 400, '该订单无需微信授权');
      openid = await this.payerFromOAuth(order, input.oauthCode, input.oauthState);
    }
    let pay: PaymentAction;
    try {
      pay = await this.requestPayment(order, { payerIp, returnPath: input.returnPath }, openid);
    } catch (err) {
      if (err instanceof AppError) throw err;
      // Refused because it was paid or closed meanwhile? Then the order's status says so.
      await this.syncOrder(order);
      this.checkPayable(await em.findOneOrFail(PaymentOrder, orderId, { refresh: true }));
      this.deps.logger.error({ err, orderId, channel: order.channel }, 'payment gateway refused to go on with the order');
      throw new AppError('PAYMENT_GATEWAY_FAILED', 502, '支付渠道暂时无法下单，请稍后再试或换一种支付方式');
    }
    return { order: await orderView(em, await em.findOneOrFail(PaymentOrder, orderId, { refresh: true })), pay };
  }

  /** 409 ORDER_NOT_PAYABLE unless the order can still be paid. */
  private checkPayable(order: PaymentOrder): void {
    if (order.status === 'created' && new Date(order.expiresAt).getTime() > this.now().getTime()) return;
    const why = order.status === 'created' ? '订单已过期，请重新缴费' : order.status === 'closed' ? '订单已关闭，请重新缴费' : '订单已支付';
    throw new AppError('ORDER_NOT_PAYABLE', 409, why, { status: order.status });
  }

  /**
   * The payer of a `wechat_mp_jsapi` order, from the official account's OAuth code: checked against
   * the order's state, exchanged once with WeChat, and kept on the order. The first WeChat user to
   * authorize is its payer (WeChat's order names them): another one is refused.
   */
  private async payerFromOAuth(order: PaymentOrder, code: string, state: string | undefined): Promise<string> {
    const { oauth } = this.officialAccount();
    const expected = Buffer.from(this.oauthState(order));
    const given = Buffer.from(state ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError('WECHAT_OAUTH_CODE_INVALID', 400, '微信授权与订单不符，请重新发起支付');
    }
    let identity: Awaited<ReturnType<WechatOAuthClient['exchangeCode']>>;
    try {
      identity = await oauth.exchangeCode(code);
    } catch (err) {
      this.deps.logger.error({ err, orderId: order.id }, 'the official account OAuth code could not be exchanged');
      throw new AppError('UPSTREAM_FAILED', 502, '暂时无法连接微信，请稍后再试');
    }
    if (!identity) throw new AppError('WECHAT_OAUTH_CODE_INVALID', 400, '微信授权已失效或已使用，请重新发起支付');
    if (identity.snapshot) throw new AppError('WECHAT_OAUTH_CODE_INVALID', 400, '当前为微信快照页，请打开完整页面后再支付');
    const now = this.now();
    const moved = await this.fork().nativeUpdate(PaymentOrder, { id: order.id, status: 'created', payerOpenid: null }, { payerOpenid: identity.openid, updatedAt: now });
    if (moved !== 1) {
      const current = await this.fork().findOneOrFail(PaymentOrder, order.id);
      this.checkPayable(current);
      if (current.payerOpenid !== identity.openid) {
        throw new AppError('WECHAT_PAYER_MISMATCH', 409, '该订单已由另一个微信账号发起支付，请取消订单后重新缴费');
      }
    }
    return identity.openid;
  }

  // ─── reading ────────────────────────────────────────────────────────────────────────

  /** The user's own order (404 for anyone else's); with `refresh` an open order is checked with its gateway. */
  async getOrder(userId: number, orderId: number, refresh: boolean): Promise<PaymentOrderView> {
    const em = this.fork();
    let order = await em.findOne(PaymentOrder, { id: orderId, userId });
    if (!order) throw new NotFoundError('支付订单');
    if (refresh && order.status === 'created') {
      await this.syncOrder(order);
      order = await em.findOneOrFail(PaymentOrder, orderId, { refresh: true });
    }
    return orderView(em, order);
  }

  /**
   * The user gives up an open order (left the cashier, wants another channel): the gateway is asked
   * first (paid → settled, and the answer says so), otherwise the order is closed there and here and
   * its bills are free for a new order at once instead of after the expiry.
   *
   * When the gateway cannot be reached, the order is closed here anyway (bills or package free
   * again, so the subscriber can pay another way) and marked for checking: the housekeeping job
   * keeps asking the gateway until it confirms the close, or until the order's expiry plus
   * {@link LOCAL_CLOSE_CHECK_MARGIN_MS}; money that arrives after all is refunded as late.
   */
  async closeOrder(userId: number, orderId: number): Promise<PaymentOrderView> {
    const em = this.fork();
    const order = await em.findOne(PaymentOrder, { id: orderId, userId });
    if (!order) throw new NotFoundError('支付订单');
    if (order.status === 'created') {
      try {
        await this.closeExpiredOrder(order);
      } catch (err) {
        this.deps.logger.warn({ err, orderId }, 'the gateway could not confirm closing the order; closed here and checked again later');
        await this.closeLocally(order, { kind: 'user', id: userId });
      }
    }
    return orderView(em, await em.findOneOrFail(PaymentOrder, orderId, { refresh: true }));
  }

  /** created → closed without the gateway's word; checked by `checkLocallyClosedOrders` until its expiry plus a margin. */
  private async closeLocally(order: PaymentOrder, actor: AuditActor): Promise<boolean> {
    const checkUntil = new Date(new Date(order.expiresAt).getTime() + LOCAL_CLOSE_CHECK_MARGIN_MS);
    const now = this.now();
    return this.markClosed(order.id, checkUntil, (tx) => {
      this.audit.record(tx, actor, { action: 'payment.closed_locally', entityType: 'payment_order', entityId: order.id, detail: { outTradeNo: order.outTradeNo, checkUntil: checkUntil.toISOString() } }, now);
    });
  }

  /** Staff view of any order with its refunds. */
  async getOrderForStaff(orderId: number): Promise<{ order: PaymentOrderView; refunds: RefundView[] }> {
    const em = this.fork();
    const order = await em.findOne(PaymentOrder, orderId);
    if (!order) throw new NotFoundError('支付订单');
    const refunds = await em.find(Refund, { orderId }, { orderBy: { id: 'asc' } });
    return { order: await orderView(em, order), refunds: refunds.map(refundView) };
  }

  // ─── settling ───────────────────────────────────────────────────────────────────────

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
        if (notify) await this.insertNotify(tx, notify, 'settled');
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
      return this.insertAutoRefund(tx, order, payment.amountFen, 'auto_duplicate', why, now);
    });
    if (refundId === null) return 'duplicate';
    await this.issueRefund(refundId);
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
      return this.insertAutoRefund(tx, order, payment.amountFen, kind, why, now);
    });
    if (refundId === null) return 'duplicate';
    await this.issueRefund(refundId);
    return 'refunded_late';
  }

  /**
   * A refund nobody asked for, recorded in the caller's transaction with the reason in the
   * subscriber's words (`why`: "账单 2026-11 已在营业厅窗口缴清"), and the subscriber told of it
   * (WeChat or SMS, through the outbox, once per refund).
   */
  private async insertAutoRefund(tx: EntityManager, order: PaymentOrder, amountFen: number, kind: RefundKind, why: string, now: Date): Promise<number> {
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
        payload: { event: 'payment_refunded', userId: order.userId, vars: { amount: fenToYuan(amountFen), reason: why, outTradeNo: order.outTradeNo, time: businessDateTime(now) } },
      },
      now,
    );
    this.audit.record(tx, SYSTEM, { action: 'payment.auto_refund', entityType: 'payment_order', entityId: order.id, detail: { outRefundNo: refund.outRefundNo, amountFen, kind } }, now);
    return refund.id;
  }

  /** The 'bills' settler: bills paid with the late fee fixed at the order's, locks released, write-off queued. */
  private async settleBills(tx: EntityManager, order: PaymentOrder): Promise<void> {
    // The order's bills with what the write-off message names of each, in one read (plain rows:
    // nothing here is changed through the ORM).
    const rows = await tx.execute<
      Array<{ bill_id: number; amount_fen: number | string; late_fee_fen: number | string; account_id: number; period: string; external_id: string | null; account_no: string }>
    >(
      'select `l`.`bill_id`, `l`.`amount_fen`, `l`.`late_fee_fen`, `b`.`account_id`, `b`.`period`, `b`.`external_id`, `a`.`account_no` from `payment_order_bill` as `l` ' +
        'join `bill` as `b` on `b`.`id` = `l`.`bill_id` join `account` as `a` on `a`.`id` = `b`.`account_id` where `l`.`order_id` = ? order by `l`.`id` asc',
      [order.id],
    );
    const lines = rows.map((r) => ({
      billId: Number(r.bill_id),
      externalId: r.external_id,
      accountId: Number(r.account_id),
      accountNo: r.account_no,
      period: r.period,
      amountFen: Number(r.amount_fen),
      lateFeeFen: Number(r.late_fee_fen),
    }));
    const paidAt = order.paidAt ? this.deps.readDb.datetime(order.paidAt) : null;
    for (const l of lines) {
      const moved = await tx.execute<{ affectedRows: number }>(
        'update `bill` set `status` = ?, `paid_at` = ?, `payment_id` = ?, `late_fee_fen` = ? where `id` = ? and `status` = ?',
        ['paid', paidAt, order.id, l.lateFeeFen, l.billId, 'unpaid'],
        'run',
      );
      if (moved.affectedRows !== 1) throw new DuplicatePaymentError(await whyNotPayable(tx, l.billId));
    }
    await tx.execute('update `payment_order_bill` set `open_lock` = null where `order_id` = ?', [order.id], 'run');
    const message: BillingWriteoffMessage = {
      orderId: order.id,
      outTradeNo: order.outTradeNo,
      channel: order.channel,
      gatewayTradeNo: order.gatewayTradeNo,
      paidAt: new Date(order.paidAt ?? this.now()).toISOString(),
      amountFen: Number(order.paidAmountFen ?? order.amountFen),
      bills: lines,
    };
    await enqueueOutbox(tx, { topic: 'billing.writeoff', dedupeKey: `writeoff:${order.id}`, payload: message as unknown as Record<string, unknown> }, this.now());
    for (const accountId of new Set(lines.map((l) => l.accountId))) {
      for (const hook of this.billsSettledHooks) await hook(tx, accountId, this.now(), order.userId);
    }
  }

  /** Registers what follows bills of an account settled here (the prepaid module: arrears cleared, restoration asked for). */
  onBillsSettled(hook: BillsSettledHook): void {
    this.billsSettledHooks.push(hook);
  }

  /** Registers what follows every successful refund, in its transaction (the invoices module). */
  onRefundSucceeded(hook: RefundSucceededHook): void {
    this.refundSucceededHooks.push(hook);
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
  private async reverseBills(tx: EntityManager, order: PaymentOrder): Promise<{ reopened: number[]; kept: number[] }> {
    const refunds = await tx.find(Refund, { orderId: order.id }, { refresh: true });
    if (refunds.some((r) => r.kind !== 'staff')) return { reopened: [], kept: [] };
    const rows = await tx.execute<
      Array<{ line_id: number; bill_id: number; amount_fen: number | string; late_fee_fen: number | string; account_id: number; period: string; external_id: string | null; account_no: string }>
    >(
      'select `l`.`id` as `line_id`, `l`.`bill_id`, `l`.`amount_fen`, `l`.`late_fee_fen`, `b`.`account_id`, `b`.`period`, `b`.`external_id`, `a`.`account_no` from `payment_order_bill` as `l` ' +
        'join `bill` as `b` on `b`.`id` = `l`.`bill_id` join `account` as `a` on `a`.`id` = `b`.`account_id` where `l`.`order_id` = ? order by `l`.`id` asc',
      [order.id],
    );
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
      bills.push({
        billId: Number(r.bill_id),
        externalId: r.external_id,
        accountId: Number(r.account_id),
        accountNo: r.account_no,
        period: r.period,
        amountFen: Number(r.amount_fen),
        lateFeeFen: Number(r.late_fee_fen),
        reopened,
      });
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

  // ─── gateway state ──────────────────────────────────────────────────────────────────

  /** Asks the gateway about an open order and settles it when paid (the client's "success" is only a hint). */
  async syncOrder(order: PaymentOrder): Promise<void> {
    try {
      const s = await this.gateways.query(order);
      if (s.state === 'paid') await this.applyPayment(order.id, s.payment);
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
      await this.applyPayment(order.id, s.payment);
      return 'paid';
    }
    if (s.state === 'paying') return 'skipped';
    if (s.state === 'open') {
      const outcome = await this.gateways.close(order);
      if (outcome === 'already_paid' || outcome === 'paid') {
        const again = await this.gateways.query(order);
        if (again.state !== 'paid') return 'skipped';
        await this.applyPayment(order.id, again.payment);
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

  private readonly leaseHolder = instanceName();

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
  private async markClosed(orderId: number, checkUntil: Date | null = null, also?: (tx: EntityManager) => void): Promise<boolean> {
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
      await this.applyPayment(order.id, payment);
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

  // ─── refunds ────────────────────────────────────────────────────────────────────────

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
   * processing → success | failed, once. A success adds to the order's refundedFen and moves a
   * refunding order to refunded when nothing is left in flight. A failed staff refund that was the
   * order's only one puts the order back to paid: no money moved. The success that makes the
   * refunds add up to what was paid also undoes what the order bought (registered reversers).
   */
  private async markRefund(refundId: number, status: 'success' | 'failed', gatewayRefundId: string | null, refusal: string | null = null): Promise<void> {
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

  // ─── notifications ──────────────────────────────────────────────────────────────────

  /** Records a notification; verified ones by their gateway id (once), unverified ones each. */
  private async logNotify(gateway: PaymentGatewayName, notifyId: string | null, outTradeNo: string | null, outcome: string, rawBody: string): Promise<void> {
    await this.insertNotify(this.fork(), { gateway, notifyId, outTradeNo, rawBody }, outcome);
  }

  /** Inserts the record unless one with its gateway and id is there (`insert ignore` / `insert or ignore`, as the ORM's onConflict().ignore() writes it). */
  private async insertNotify(em: EntityManager, n: NotifyRecord, outcome: string): Promise<void> {
    const { gateway, notifyId, outTradeNo, rawBody } = n;
    const ignore = this.deps.config.db.type === 'sqlite' ? 'insert or ignore' : 'insert ignore';
    await em.execute(
      `${ignore} into \`payment_notify\` (\`gateway\`, \`notify_id\`, \`out_trade_no\`, \`outcome\`, \`raw_body\`, \`received_at\`) values (?, ?, ?, ?, ?, ?)`,
      [gateway, notifyId, outTradeNo?.slice(0, 32) ?? null, outcome.slice(0, 64), rawBody, this.deps.readDb.datetime(this.now())],
      'run',
    );
  }

  /** A notification we already handled to the end (only final outcomes are stored with their id). */
  private async seenNotify(gateway: PaymentGatewayName, notifyId: string): Promise<boolean> {
    return (await this.deps.readDb.rows('select 1 from `payment_notify` where `gateway` = ? and `notify_id` = ? limit 1', [gateway, notifyId])).length > 0;
  }

  /** The order a notification names, read by a fixed statement (unmanaged: only read here, changed by conditional UPDATEs). */
  private async orderByOutTradeNo(outTradeNo: string): Promise<PaymentOrder | null> {
    const [row] = await this.deps.readDb.entities(PaymentOrder, 'select * from `payment_order` where `out_trade_no` = ?', [outTradeNo]);
    return (row as PaymentOrder | undefined) ?? null;
  }

  /**
   * `POST /payments/notify/wechat`. Signature over the raw body with the key Wechatpay-Serial names,
   * a 5-minute window on the REAL clock, AES-GCM with the tag checked, then every field against the
   * order. 204 for a payment applied (or already applied); 4xx/5xx `{code:'FAIL'}` otherwise.
   */
  async handleWechatNotify(headers: Record<string, string | string[] | undefined>, rawBody: string): Promise<NotifyAnswer> {
    const w = this.deps.payments.wechatpay;
    const v = verifyAndDecryptNotify<Record<string, unknown>>({ headers, rawBody, platformKeys: w.platformKeys, apiV3Key: w.apiV3Key, now: new Date() });
    if (!v.ok) {
      await this.logNotify('wechatpay', null, null, `rejected:${v.reason}`, rawBody);
      this.deps.logger.warn({ reason: v.reason, detail: v.detail }, 'wechatpay notify refused');
      return fail(v.reason === 'malformed_body' ? 400 : 401, `验签失败：${v.reason}`);
    }
    const notifyId = v.notification.id;
    if (typeof notifyId !== 'string' || !notifyId) return fail(400, 'notification id missing');
    if (await this.seenNotify('wechatpay', notifyId)) return { status: 204 };
    const event = v.notification.event_type;
    if (event.startsWith('TRANSACTION.')) {
      const tx = v.resource as unknown as WechatPayTransaction;
      const order = await this.orderByOutTradeNo(String(tx.out_trade_no ?? ''));
      if (!order || gatewayOf(order.channel) !== 'wechatpay') {
        await this.logNotify('wechatpay', null, tx.out_trade_no ?? null, 'rejected:unknown_order', rawBody);
        return fail(404, '订单不存在');
      }
      const wrong = checkTransactionMatches(tx, { mchid: w.mchid, appid: this.gateways.wechatAppidOf(order), outTradeNo: order.outTradeNo, amountFen: Number(order.amountFen) });
      if (wrong.length > 0) {
        await this.logNotify('wechatpay', null, order.outTradeNo, `rejected:mismatch:${wrong.join(',')}`, rawBody);
        this.deps.logger.error({ orderId: order.id, wrong }, 'wechatpay notify disagrees with the order');
        return fail(400, `字段不一致：${wrong.join(',')}`);
      }
      if (tx.trade_state !== 'SUCCESS' || !tx.transaction_id) {
        await this.logNotify('wechatpay', notifyId, order.outTradeNo, `ignored:${tx.trade_state}`, rawBody);
        return { status: 204 };
      }
      const record: NotifyRecord = { gateway: 'wechatpay', notifyId, outTradeNo: order.outTradeNo, rawBody };
      const outcome = await this.applyPayment(order.id, { tradeNo: tx.transaction_id, amountFen: tx.amount.total, paidAt: tx.success_time ? new Date(tx.success_time) : this.now() }, record);
      if (outcome !== 'settled') await this.insertNotify(this.fork(), record, outcome);
      return { status: 204 };
    }
    if (event.startsWith('REFUND.')) {
      const r = v.resource as unknown as WechatPayRefundResource;
      const refund = await this.fork().findOne(Refund, { outRefundNo: String(r.out_refund_no ?? '') });
      if (!refund || r.mchid !== w.mchid || r.amount?.refund !== Number(refund.amountFen)) {
        await this.logNotify('wechatpay', null, r.out_trade_no ?? null, 'rejected:unknown_refund', rawBody);
        return fail(404, '退款单不存在或金额不符');
      }
      if (r.refund_status === 'SUCCESS') await this.markRefund(refund.id, 'success', r.refund_id);
      else if (r.refund_status === 'CLOSED' || r.refund_status === 'ABNORMAL') await this.markRefund(refund.id, 'failed', r.refund_id, `WeChat Pay refund ${r.refund_status}`);
      await this.logNotify('wechatpay', notifyId, r.out_trade_no, `refund:${r.refund_status}`, rawBody);
      return { status: 204 };
    }
    await this.logNotify('wechatpay', notifyId, null, `ignored:${event}`, rawBody);
    return { status: 204 };
  }

  /**
   * `POST /payments/notify/alipay` (form body). `success` for every genuine notification handled
   * (payments, refunds, closes, duplicates); `fail` (HTTP 400) for anything unverified or not
   * matching the order, so nothing changes and Alipay retries.
   */
  async handleAlipayNotify(rawBody: string): Promise<NotifyAnswer> {
    const a = this.deps.payments.alipay;
    const form = parseForm(rawBody);
    if (!form || !verifyAlipayNotify(a.alipayPublicKey, form)) {
      await this.logNotify('alipay', null, null, 'rejected:bad_signature', rawBody);
      return { status: 400, body: 'fail' };
    }
    const notifyId = form.notify_id;
    if (!notifyId) return { status: 400, body: 'fail' };
    if (await this.seenNotify('alipay', notifyId)) return { status: 200, body: 'success' };
    if (form.app_id !== a.appId) {
      await this.logNotify('alipay', null, form.out_trade_no ?? null, 'rejected:mismatch:app_id', rawBody);
      return { status: 400, body: 'fail' };
    }
    const kind = alipayNotifyKind(form);
    const order = await this.orderByOutTradeNo(form.out_trade_no ?? '');
    if (!order || gatewayOf(order.channel) !== 'alipay') {
      await this.logNotify('alipay', null, form.out_trade_no ?? null, 'rejected:unknown_order', rawBody);
      return { status: 400, body: 'fail' };
    }
    if (kind === 'payment') {
      const bad = checkAlipayNotify(form, { appId: a.appId, sellerId: a.sellerId, outTradeNo: order.outTradeNo, amountFen: Number(order.amountFen) });
      if (bad.length > 0) {
        await this.logNotify('alipay', null, order.outTradeNo, `rejected:mismatch:${bad.join(',')}`, rawBody);
        this.deps.logger.error({ orderId: order.id, bad }, 'alipay notify disagrees with the order');
        return { status: 400, body: 'fail' };
      }
      const notice = readAlipayPaymentNotice(form);
      const record: NotifyRecord = { gateway: 'alipay', notifyId, outTradeNo: order.outTradeNo, rawBody };
      const outcome = await this.applyPayment(order.id, { tradeNo: notice.tradeNo, amountFen: notice.amountFen, paidAt: notice.paidAt ?? this.now() }, record);
      if (outcome !== 'settled') await this.insertNotify(this.fork(), record, outcome);
      return { status: 200, body: 'success' };
    }
    if (kind === 'refund' && form.out_biz_no) {
      const refund = await this.fork().findOne(Refund, { outRefundNo: form.out_biz_no, orderId: order.id });
      if (refund) await this.markRefund(refund.id, 'success', form.trade_no ?? null);
    }
    await this.logNotify('alipay', notifyId, order.outTradeNo, `${kind}:${form.trade_status ?? ''}`, rawBody);
    return { status: 200, body: 'success' };
  }
}

/**
 * Why a bill can no longer be paid through an order, in the words its subscriber reads on the
 * refund: paid at the hall counter (or by bank withholding…), paid through another portal order,
 * or withdrawn by the operator.
 */
async function whyNotPayable(tx: EntityManager, billId: number): Promise<string> {
  const bill = await tx.findOne(Bill, billId, { disableIdentityMap: true });
  if (!bill) return `账单 ${billId} 已不存在`;
  if (bill.status === 'cancelled') return `账单 ${bill.period} 已由营业厅撤销（冲正），无需缴费`;
  if (bill.paidChannel) return `账单 ${bill.period} 已在${offlinePaymentChannelNames[bill.paidChannel]}缴清`;
  return `账单 ${bill.period} 已通过其他订单缴清`;
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

function fail(status: number, message: string): NotifyAnswer {
  return { status, body: { code: 'FAIL', message } };
}

/** A form body as single-valued fields; a repeated field makes it unreadable (never guessed). */
function parseForm(raw: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (k in out) return null;
    out[k] = v;
  }
  return out;
}

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * `OH` + China-time yyyyMMddHHmmss + 8 random characters: 24 characters of [A-Z0-9], valid for
 * both gateways, leaving room for the `AR`/`SR` refund-number prefixes within WeChat's 32.
 */
export function newOutTradeNo(now: Date): string {
  const cst = new Date(now.getTime() + 8 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);
  let rand = '';
  for (let i = 0; i < 8; i++) rand += ALNUM[randomInt(ALNUM.length)];
  return `OH${cst}${rand}`;
}

