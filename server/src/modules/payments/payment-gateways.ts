import { gatewayOf, type PaymentGatewayName } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { AlipayCloseOutcome } from '../../integrations/alipay/alipay.adapter';
import { checkTransactionMatches } from '../../integrations/wechatpay/wechatpay.notify';
import type { PaymentOrder } from './payment-order.entity';

/** What a gateway says was paid. */
export interface GatewayPayment {
  tradeNo: string;
  amountFen: number;
  paidAt: Date;
}

/** What the gateway says about an order: paid (with the payment), still open, paying now, or closed. */
export type GatewayOrderState = { state: 'paid'; payment: GatewayPayment } | { state: 'open' | 'paying' | 'closed' };

/**
 * The calls about one order that read the same for both gateways (WeChat Pay, Alipay): where they
 * notify us, which appid an order was placed under, asking an order's state, closing it there.
 */
export class PaymentGateways {
  constructor(private readonly deps: AppDeps) {}

  /** The address a gateway sends its notifications to. */
  notifyUrl(gateway: PaymentGatewayName): string {
    return `${this.deps.self.baseUrl}/api/v1/payments/notify/${gateway === 'alipay' ? 'alipay' : 'wechat'}`;
  }

  /** The appid a WeChat Pay order was placed under: the official account's for `wechat_mp_jsapi`. */
  wechatAppidOf(order: PaymentOrder): string {
    const w = this.deps.payments.wechatpay;
    return order.channel === 'wechat_mp_jsapi' ? (w.mpAppid ?? w.appid) : w.appid;
  }

  /** What the gateway says about an order: paid (with the payment), still open, paying now, or closed. */
  async query(order: PaymentOrder): Promise<GatewayOrderState> {
    const amountFen = Number(order.amountFen);
    if (gatewayOf(order.channel) === 'wechatpay') {
      const w = this.deps.payments.wechatpay;
      const q = await w.gateway.queryOrder(order.outTradeNo);
      if (q.tradeState === 'SUCCESS' || q.tradeState === 'REFUND') {
        const wrong = q.transaction ? checkTransactionMatches(q.transaction, { mchid: w.mchid, appid: this.wechatAppidOf(order), outTradeNo: order.outTradeNo, amountFen }) : ['transaction'];
        if (wrong.length > 0 || !q.transactionId) throw new Error(`query of ${order.outTradeNo} disagrees with the order: ${wrong.join(', ')}`);
        return { state: 'paid', payment: { tradeNo: q.transactionId, amountFen: q.amountFen!, paidAt: q.successTime ?? this.deps.clock.now() } };
      }
      if (q.tradeState === 'USERPAYING') return { state: 'paying' };
      if (q.tradeState === 'CLOSED' || q.tradeState === 'REVOKED') return { state: 'closed' };
      return { state: 'open' };
    }
    const q = await this.deps.payments.alipay.gateway.queryTrade(order.outTradeNo);
    if (q.tradeStatus === 'TRADE_SUCCESS' || q.tradeStatus === 'TRADE_FINISHED') {
      if (q.amountFen !== amountFen || !q.tradeNo) throw new Error(`query of ${order.outTradeNo} disagrees with the order: total_amount`);
      return { state: 'paid', payment: { tradeNo: q.tradeNo, amountFen: q.amountFen, paidAt: this.deps.clock.now() } };
    }
    if (q.tradeStatus === 'TRADE_CLOSED') return { state: 'closed' };
    // NOT_EXIST is unsigned and proves nothing: the buyer may still open the cashier. Treat as open.
    return { state: 'open' };
  }

  /** Closes an open order at its gateway: closed, or (WeChat Pay `already_paid`, Alipay `paid`) paid meanwhile. */
  close(order: PaymentOrder): Promise<'closed' | 'already_paid' | AlipayCloseOutcome> {
    return gatewayOf(order.channel) === 'wechatpay' ? this.deps.payments.wechatpay.gateway.closeOrder(order.outTradeNo) : this.deps.payments.alipay.gateway.closeTrade(order.outTradeNo);
  }
}

/** `text` cut to `max` characters (not UTF-16 units), ending in `…` when cut: gateways limit descriptions and reasons. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}
