import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  businessDate,
  computeLateFeeFen,
  gatewayOf,
  offlinePaymentChannelNames,
  type ContinuePaymentInput,
  type CreateBillPaymentInput,
  type CreatePaymentResult,
  type PaymentAction,
  type PaymentChannel,
  type PaymentOrderKind,
  type PaymentOrderView,
  type PaymentReturnVia,
  type RefundView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import type { WechatOAuthClient } from '../../integrations/wechat/wechat-oauth.adapter';
import type { AuditService } from '../audit/audit.service';
import { lateFeeSuspensions } from '../billing/late-fee-suspensions';
import { Bill } from '../billing/bill.entity';
import { User } from '../users/user.entity';
import type { OrderClosingService } from './order-closing.service';
import { truncate, type PaymentGateways } from './payment-gateways';
import { PaymentOrderBill } from './payment-order-bill.entity';
import { PaymentOrder } from './payment-order.entity';
import { orderView, refundView } from './payment-views';
import { Refund } from './refund.entity';
import { boundAmong, requireOwnOrder } from '../access/access';

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

/**
 * Asks the billing system of record whether bills are still owed before an order is made for them
 * (external mode: it refuses bills paid or cancelled there). The billing-records module provides it.
 */
export interface LivePayableCheck {
  confirmPayable(bills: readonly Bill[]): Promise<void>;
}

/**
 * Payment orders as their payer makes and follows them: bills (or anything another module sells:
 * a renewal, a top-up) put in an order whose amount the server computes, the gateway asked for
 * what the client needs to pay, an order gone on with or given up, an order read.
 */
export class PaymentOrdersService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly gateways: PaymentGateways,
    private readonly closing: OrderClosingService,
    private readonly live?: LivePayableCheck,
  ) {}

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

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
forAccount !== undefined ? new Set([forAccount]) : await boundAmong(em, userId, accountIds);
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
      await this.closing.markClosed(order.id);
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
    const order = await requireOwnOrder(em, userId, orderId);
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
      await this.closing.syncOrder(order);
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

  /** The user's own order (404 for anyone else's); with `refresh` an open order is checked with its gateway. */
  async getOrder(userId: number, orderId: number, refresh: boolean): Promise<PaymentOrderView> {
    const em = this.fork();
    let order = await requireOwnOrder(em, userId, orderId);
    if (refresh && order.status === 'created') {
      await this.closing.syncOrder(order);
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
    const order = await requireOwnOrder(em, userId, orderId);
    if (order.status === 'created') {
      try {
        await this.closing.closeExpiredOrder(order);
      } catch (err) {
        this.deps.logger.warn({ err, orderId }, 'the gateway could not confirm closing the order; closed here and checked again later');
        await this.closing.closeLocally(order, { kind: 'user', id: userId });
      }
    }
    return orderView(em, await em.findOneOrFail(PaymentOrder, orderId, { refresh: true }));
  }

  /** Staff view of any order with its refunds. */
  async getOrderForStaff(orderId: number): Promise<{ order: PaymentOrderView; refunds: RefundView[] }> {
    const em = this.fork();
    const order = await em.findOne(PaymentOrder, orderId);
    if (!order) throw new NotFoundError('支付订单');
    const refunds = await em.find(Refund, { orderId }, { orderBy: { id: 'asc' } });
    return { order: await orderView(em, order), refunds: refunds.map(refundView) };
  }
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
