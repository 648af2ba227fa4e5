import { View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { useState } from 'react';
import { formatYuan, paymentChannelNames } from '@openhall/shared';
import { errorMessageOf } from '../../../api/errors';
import { getPrepaid } from '../../../api/prepaid';
import InvoiceEntry from '../../../components/invoice-entry';
import KvRow from '../../../components/kv-row';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import { formatDateTime } from '../../../lib/labels';
import { backToPayingPage, CONFIRM_PAGE, payingPageOf, RECEIPT_PAGE, RENEW_PAGE, usePaymentConfirm, type PaymentArrival, type PaymentPhase } from '../../../lib/payment';
import { formatBalance, PREPAID_PAGE } from '../../../lib/prepaid';
import { useAsync } from '../../../lib/use-async';
import { platformPay } from '../../../platform';
import '../billing.scss';
import './index.scss';
import Button from '../../../components/button';

const headline: Record<PaymentPhase, string> = {
  starting: '正在发起支付…',
  checking: '正在确认支付结果…',
  unfinished: '支付未完成',
  paid: '支付成功',
  refunded: '该笔支付已退款',
  closed: '订单已关闭，未扣款',
  timeout: '暂未收到支付结果',
  error: '无法查询支付结果',
};

const hint: Record<PaymentPhase, string> = {
  starting: '请在弹出的微信支付中完成付款',
  checking: '正在向支付渠道核实，请勿重复支付',
  unfinished: '可继续支付这笔订单，或取消订单后换一种方式支付',
  paid: '款项已入账，账单状态已更新',
  refunded: '款项将按原路退回',
  closed: '如需缴费，请重新选择支付方式',
  timeout: '如已付款，结果可能稍有延迟，可稍后再查；继续支付仍是同一笔订单，不会重复扣款',
  error: '',
};

/** What a paid top-up did: the money is on the balance, not on a bill. */
const topUpPaidHint = '款项已入账，账户余额已更新';

/** A locally closed order: the bill is free again, and money that still arrives goes back by itself. */
const closedUnconfirmedHint = '支付渠道暂时无法确认，如已扣款，款项将自动原路退回；可返回重新选择缴费方式';

/** WeChat H5 comes back whether the user paid or not: ask them, as WeChat Pay advises. */
const unsureTitle = '请确认微信支付是否已完成';
const unsureHint = '如已在微信中付款，请点“已完成支付”；未付款可继续支付，或取消订单后换一种方式支付';

/** Sent here because this open order holds what they tried to pay. */
const openTitle = '您有一笔待支付的订单';

/** The confirming page's own query, without what a cashier's return adds: what an H5 cashier comes back to. */
function confirmPathOf(params: Record<string, string | undefined>): string {
  const kept = Object.entries(params).filter(([k, v]) => v !== undefined && !k.startsWith('$') && !['paymentId', 'via', 'stamp'].includes(k)) as [string, string][];
  const query = kept.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return query ? `${CONFIRM_PAGE}?${query}` : CONFIRM_PAGE;
}

/**
 * "Confirming": asks the server until it says the order is paid, refunded or closed. The
 * cashier's own success callback, and the H5 gateway's return, only bring the subscriber here.
 * The order id comes as `?paymentId=`: in the page route, or, back from an H5 gateway (or the
 * official account's OAuth, to pay in WeChat's browser), in the document's query with how it came
 * back. Back without paying (Alipay's quit address, WeChat's cashier cancelled, WeChat H5's return,
 * or sent to an open order that held the bills), the subscriber goes on paying the same order
 * (继续支付) or cancels it and picks another way at once (取消订单，换种方式支付): back on the page
 * they paid from. A top-up comes with `?accountId=` (the top-up page's confirm query): once paid,
 * the page shows that account's new balance.
 */
export default function PaymentConfirmPage() {
  const params = useRouter()?.params ?? {};
  const fromRoute = Number(params.paymentId);
  const [arrival] = useState<{ paymentId: number | null; arrival: PaymentArrival }>(() => {
    if (Number.isSafeInteger(fromRoute) && fromRoute > 0) return { paymentId: fromRoute, arrival: { via: params.via === 'open' ? 'open' : null, oauth: null } };
    const back = platformPay.returned();
    return back ? { paymentId: back.paymentId, arrival: { via: back.via, oauth: back.oauth } } : { paymentId: null, arrival: { via: null, oauth: null } };
  });
  const paymentId = arrival.paymentId;
  const from = payingPageOf(paymentId);
  const { phase, order, error, busy, retry, continuePaying, cancel, confirmPaid } = usePaymentConfirm(paymentId, arrival.arrival, { confirmPath: confirmPathOf(params) });
  const topUpAccountId = Number(params.accountId);
  const toppedUp = phase === 'paid' && order?.kind === 'topup';
  // The balance with this top-up on it: settling the order and crediting the balance are one transaction.
  const balance = useAsync(
    () => (toppedUp && Number.isSafeInteger(topUpAccountId) && topUpAccountId > 0 ? getPrepaid(topUpAccountId) : Promise.resolve(null)),
    [toppedUp, topUpAccountId],
  );

  // The restoration this top-up asked for (it cleared the arrears): one requested since the order was made.
  const latest = balance.data?.latestRequest;
  const restoration = latest?.kind === 'restore' && order && Date.parse(latest.requestedAt) >= Date.parse(order.createdAt) ? latest : null;

  const toBills = () => void Taro.switchTab({ url: '/pages/bills/index' });
  // Closed while its gateway could not be reached: nothing may be promised about the money yet.
  const unconfirmed = phase === 'closed' && order?.closeUnconfirmed === true;
  const unsure = phase === 'unfinished' && arrival.arrival.via === 'wechat';
  const open = phase === 'unfinished' && arrival.arrival.via === 'open';
  const title = unconfirmed ? '订单已关闭' : unsure ? unsureTitle : open ? openTitle : headline[phase];
  const hintText =
    phase === 'error'
      ? error
        ? errorMessageOf(error)
        : '没有找到支付订单'
      : unconfirmed
        ? closedUnconfirmedHint
        : toppedUp
          ? topUpPaidHint
          : unsure
            ? unsureHint
            : phase === 'unfinished' && order
              ? `订单保留至 ${formatDateTime(order.expiresAt)}，${hint.unfinished}`
              : hint[phase];
  // An order still open: go on with it, or give it up and choose again.
  const canGoOn = phase === 'unfinished' || phase === 'timeout';

  const cancelAndChoose = async () => {
    const o = await cancel();
    // Closed at the gateway: nothing was taken, choose again at once. (Closed only here: the page
    // says what happens to money that still arrives; paid after all: the page says paid.)
    if (o?.status === 'closed' && !o.closeUnconfirmed) {
      void Taro.showToast({ title: '订单已取消，未扣款', icon: 'none' });
      backToPayingPage(from);
    }
  };

  return (
    <PageShell id="page-pay-confirm">
      <View className={`pay-result pay-result--${phase}`} id="pay-result" data-phase={phase}>
        <View className="pay-result__icon">{phase === 'paid' ? '✓' : phase === 'checking' || phase === 'starting' ? '…' : '!'}</View>
        <View className="pay-result__title" id="pay-result-title">
          {title}
        </View>
        <View className="muted" id="pay-result-hint">
          {hintText}
        </View>
        {/* What going on or cancelling ran into (the order itself is still as shown). */}
        {canGoOn && error ? (
          <View className="field__error" id="pay-action-error">
            {errorMessageOf(error)}
          </View>
        ) : null}
      </View>

      {toppedUp && balance.data && (
        <Section title="充值结果" className="pay-topup">
          <KvRow label="当前余额" valueId="pay-new-balance" total>
            {formatBalance(balance.data.balanceFen)}
          </KvRow>
          {balance.data.arrearsFen > 0 && (
            <View className="field__error" id="pay-still-owing">
              仍欠费 {formatYuan(balance.data.arrearsFen)}，结清后才能复机
            </View>
          )}
          {restoration?.status === 'pending' && (
            <View className="muted" id="pay-restore">
              欠费已结清，已为您申请复机，可在余额页查看进度
            </View>
          )}
          {restoration?.status === 'done' && restoration.effectiveAt && (
            <View className="muted" id="pay-restore">
              欠费已结清，已于 {formatDateTime(restoration.effectiveAt)} 复机
            </View>
          )}
        </Section>
      )}
      {toppedUp && balance.error ? (
        <View className="muted" id="pay-balance-unknown">
          余额暂时无法查询，可稍后在余额页查看
        </View>
      ) : null}

      {order && (
        <Section title="订单信息">
          <KvRow label="金额" valueId="pay-amount">
            {formatYuan(order.amountFen)}
          </KvRow>
          <KvRow label="内容">{order.description}</KvRow>
          <KvRow label="支付方式">{paymentChannelNames[order.channel]}</KvRow>
          <KvRow label="订单号">{order.outTradeNo}</KvRow>
          {order.paidAt && <KvRow label="支付时间">{formatDateTime(order.paidAt)}</KvRow>}
        </Section>
      )}

      {/* Paid: its electronic invoice can be asked for right away (bills, renewal or top-up alike). */}
      {phase === 'paid' && order && <InvoiceEntry orderId={order.id} />}

      <View className="billing-actions">
        {unsure && (
          <Button id="pay-check" className="btn-primary" disabled={busy} onClick={confirmPaid}>
            已完成支付
          </Button>
        )}
        {canGoOn && (
          <Button id="pay-continue" className={unsure ? 'btn-plain' : 'btn-primary'} disabled={busy} loading={busy} onClick={continuePaying}>
            继续支付
          </Button>
        )}
        {canGoOn && (
          <Button id="pay-cancel" className="btn-plain" disabled={busy} onClick={() => void cancelAndChoose()}>
            取消订单，换种方式支付
          </Button>
        )}
        {phase === 'timeout' && (
          <Button id="pay-retry" className="btn-plain" disabled={busy} onClick={retry}>
            再查一次
          </Button>
        )}
        {phase === 'closed' && (
          <Button id="pay-choose-again" className="btn-primary" onClick={() => backToPayingPage(from)}>
            重新选择支付方式
          </Button>
        )}
        {phase === 'paid' && order?.kind === 'bills' && order.billIds.length > 0 && (
          <Button
            id="pay-receipt"
            className="btn-primary"
            // One bill: its own receipt (with its lines); several: the order's, listing each. Either is
            // the payer's, also when the bills are someone else's (代缴, a shared bill).
            onClick={() => void Taro.navigateTo({ url: order.billIds.length === 1 ? `${RECEIPT_PAGE}?id=${order.billIds[0]}` : `${RECEIPT_PAGE}?paymentId=${order.id}` })}
          >
            查看缴费凭证
          </Button>
        )}
        {phase === 'paid' && order?.kind === 'renewal' && (
          <Button
            id="pay-renewal"
            className="btn-primary"
            onClick={() => void Taro.redirectTo({ url: params.subscriptionId ? `${RENEW_PAGE}?subscriptionId=${params.subscriptionId}` : RENEW_PAGE })}
          >
            查看套餐有效期
          </Button>
        )}
        {toppedUp && (
          <Button
            id="pay-prepaid"
            className="btn-primary"
            onClick={() => void Taro.redirectTo({ url: topUpAccountId > 0 ? `${PREPAID_PAGE}?id=${topUpAccountId}` : PREPAID_PAGE })}
          >
            查看余额明细
          </Button>
        )}
        <Button id="pay-to-bills" className="btn-plain" onClick={toBills}>
          返回账单
        </Button>
      </View>
    </PageShell>
  );
}
