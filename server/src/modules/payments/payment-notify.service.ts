import type { EntityManager } from '@mikro-orm/knex';
import { gatewayOf, type PaymentGatewayName } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { placeholders } from '../../read-db';
import { alipayNotifyKind, checkAlipayNotify, readAlipayPaymentNotice, verifyAlipayNotify } from '../../integrations/alipay/alipay.notify';
import { checkTransactionMatches, verifyAndDecryptNotify, type WechatPayRefundResource, type WechatPayTransaction } from '../../integrations/wechatpay/wechatpay.notify';
import type { PaymentGateways } from './payment-gateways';
import { insertNotify, type NotifyRecord } from './payment-notify-log';
import { PaymentOrder } from './payment-order.entity';
import { Refund } from './refund.entity';
import type { RefundsService } from './refunds.service';
import type { SettlementService } from './settlement.service';

/** The answer a notify endpoint gives. */
export interface NotifyAnswer {
  status: number;
  /** WeChat: JSON body (none for 204). Alipay: the plain text. */
  body?: { code: 'FAIL'; message: string } | string;
}

/** A notification's questions waiting for the next look-up (see `seenAndOrder`). */
interface Lookup {
  gateway: PaymentGatewayName;
  notifyId: string;
  outTradeNo: string;
  resolve: (answer: { seen: boolean; order: PaymentOrder | null }) => void;
  reject: (err: unknown) => void;
}

/**
 * The gateways' notifications: verified (signature, time window, decryption, every field against
 * the order), logged in payment_notify (a verified one once, by its gateway id), and applied: a
 * payment settled, a refund's result recorded.
 */
export class PaymentNotifyService {
  private readonly lookups: Lookup[] = [];

  constructor(
    private readonly deps: AppDeps,
    private readonly gateways: PaymentGateways,
    private readonly settlement: SettlementService,
    private readonly refunds: RefundsService,
  ) {}

  private fork(): EntityManager {
    return this.deps.orm.em.fork() as EntityManager;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** Records a notification; verified ones by their gateway id (once), unverified ones each. */
  private async logNotify(gateway: PaymentGatewayName, notifyId: string | null, outTradeNo: string | null, outcome: string, rawBody: string): Promise<void> {
    await insertNotify(this.deps, this.fork(), { gateway, notifyId, outTradeNo, rawBody }, outcome);
  }

  /** A notification we already handled to the end (only final outcomes are stored with their id). */
  private async seenNotify(gateway: PaymentGatewayName, notifyId: string): Promise<boolean> {
    return (await this.deps.readDb.rows('select 1 from `payment_notify` where `gateway` = ? and `notify_id` = ? limit 1', [gateway, notifyId])).length > 0;
  }

  /**
   * Whether a notification was handled to the end already, and the order it names (unmanaged,
   * only read here: it changes through conditional UPDATEs; null when there is none). Every
   * notification asks both: the questions of the notifications arriving together are put in two
   * fixed statements for all of them (one for the orders, one for the notification log).
   */
  private seenAndOrder(gateway: PaymentGatewayName, notifyId: string, outTradeNo: string): Promise<{ seen: boolean; order: PaymentOrder | null }> {
    return new Promise((resolve, reject) => {
      this.lookups.push({ gateway, notifyId, outTradeNo, resolve, reject });
      if (this.lookups.length === 1) setImmediate(() => void this.lookUp(this.lookups.splice(0, this.lookups.length)));
    });
  }

  private async lookUp(batch: Lookup[]): Promise<void> {
    try {
      const tradeNos = [...new Set(batch.map((l) => l.outTradeNo))];
      // By gateway and id, as the log's unique index reads them.
      const idsOf = new Map<string, Set<string>>();
      for (const l of batch) idsOf.set(l.gateway, (idsOf.get(l.gateway) ?? new Set()).add(l.notifyId));
      const byGateway = [...idsOf].map(([gateway, ids]) => ({ gateway, ids: [...ids] }));
      const [orders, seen] = await Promise.all([
        this.deps.readDb.entities(PaymentOrder, `select * from \`payment_order\` where \`out_trade_no\` in (${placeholders(tradeNos.length)})`, tradeNos),
        this.deps.readDb.rows<{ gateway: string; notify_id: string }>(
          `select \`gateway\`, \`notify_id\` from \`payment_notify\` where ${byGateway.map((g) => `(\`gateway\` = ? and \`notify_id\` in (${placeholders(g.ids.length)}))`).join(' or ')}`,
          byGateway.flatMap((g) => [g.gateway, ...g.ids]),
        ),
      ]);
      const byTradeNo = new Map(orders.map((o) => [o.outTradeNo as string, o as PaymentOrder]));
      const seenKeys = new Set(seen.map((r) => `${r.gateway}:${r.notify_id}`));
      for (const l of batch) l.resolve({ seen: seenKeys.has(`${l.gateway}:${l.notifyId}`), order: byTradeNo.get(l.outTradeNo) ?? null });
    } catch (err) {
      for (const l of batch) l.reject(err);
    }
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
    const event = v.notification.event_type;
    if (event.startsWith('TRANSACTION.')) {
      const tx = v.resource as unknown as WechatPayTransaction;
      const { seen, order } = await this.seenAndOrder('wechatpay', notifyId, String(tx.out_trade_no ?? ''));
      if (seen) return { status: 204 };
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
      const outcome = await this.settlement.applyPayment(order.id, { tradeNo: tx.transaction_id, amountFen: tx.amount.total, paidAt: tx.success_time ? new Date(tx.success_time) : this.now() }, record);
      if (outcome !== 'settled') await insertNotify(this.deps, this.fork(), record, outcome);
      return { status: 204 };
    }
    if (await this.seenNotify('wechatpay', notifyId)) return { status: 204 };
    if (event.startsWith('REFUND.')) {
      const r = v.resource as unknown as WechatPayRefundResource;
      const refund = await this.fork().findOne(Refund, { outRefundNo: String(r.out_refund_no ?? '') });
      if (!refund || r.mchid !== w.mchid || r.amount?.refund !== Number(refund.amountFen)) {
        await this.logNotify('wechatpay', null, r.out_trade_no ?? null, 'rejected:unknown_refund', rawBody);
        return fail(404, '退款单不存在或金额不符');
      }
      if (r.refund_status === 'SUCCESS') await this.refunds.markRefund(refund.id, 'success', r.refund_id);
      else if (r.refund_status === 'CLOSED' || r.refund_status === 'ABNORMAL') await this.refunds.markRefund(refund.id, 'failed', r.refund_id, `WeChat Pay refund ${r.refund_status}`);
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
    const { seen, order } = await this.seenAndOrder('alipay', notifyId, form.out_trade_no ?? '');
    if (seen) return { status: 200, body: 'success' };
    if (form.app_id !== a.appId) {
      await this.logNotify('alipay', null, form.out_trade_no ?? null, 'rejected:mismatch:app_id', rawBody);
      return { status: 400, body: 'fail' };
    }
    const kind = alipayNotifyKind(form);
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
      const outcome = await this.settlement.applyPayment(order.id, { tradeNo: notice.tradeNo, amountFen: notice.amountFen, paidAt: notice.paidAt ?? this.now() }, record);
      if (outcome !== 'settled') await insertNotify(this.deps, this.fork(), record, outcome);
      return { status: 200, body: 'success' };
    }
    if (kind === 'refund' && form.out_biz_no) {
      const refund = await this.fork().findOne(Refund, { outRefundNo: form.out_biz_no, orderId: order.id });
      if (refund) await this.refunds.markRefund(refund.id, 'success', form.trade_no ?? null);
    }
    await this.logNotify('alipay', notifyId, order.outTradeNo, `${kind}:${form.trade_status ?? ''}`, rawBody);
    return { status: 200, body: 'success' };
  }
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
