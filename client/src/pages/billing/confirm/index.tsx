import { Button, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { formatYuan, paymentChannelNames } from '@openhall/shared';
import { errorMessageOf } from '../../../api/errors';
import { getPrepaid } from '../../../api/prepaid';
import InvoiceEntry from '../../../components/invoice-entry';
import KvRow from '../../../components/kv-row';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import { formatDateTime } from '../../../lib/labels';
import { RECEIPT_PAGE, RENEW_PAGE, usePaymentStatus, type PaymentPhase } from '../../../lib/payment';
import { formatBalance, PREPAID_PAGE } from '../../../lib/prepaid';
import { useAsync } from '../../../lib/use-async';
import { platformPay } from '../../../platform';
import '../billing.scss';
import './index.scss';

const headline: Record<PaymentPhase, string> = {
  checking: '正在确认支付结果…',
  paid: '支付成功',
  refunded: '该笔支付已退款',
  closed: '订单已关闭，未扣款',
  timeout: '暂未收到支付结果',
  error: '无法查询支付结果',
};

const hint: Record<PaymentPhase, string> = {
  checking: '正在向支付渠道核实，请勿重复支付',
  paid: '款项已入账，账单状态已更新',
  refunded: '款项将按原路退回',
  closed: '如需缴费，请返回重新选择',
  timeout: '如已付款，结果可能稍有延迟；请稍后再查，切勿重复支付',
  error: '',
};

/** What a paid top-up did: the money is on the balance, not on a bill. */
const topUpPaidHint = '款项已入账，账户余额已更新';

/** A locally closed order: the bill is free again, and money that still arrives goes back by itself. */
const closedUnconfirmedHint = '支付渠道暂时无法确认，如已扣款，款项将自动原路退回；可返回重新选择缴费方式';

/**
 * "Confirming": asks the server until it says the order is paid, refunded or closed. The
 * cashier's own success callback, and the H5 gateway's return, only bring the subscriber here.
 * The order id comes as `?paymentId=`: in the page route, or, back from an H5 gateway, in the
 * document's query. A top-up comes with `?accountId=` (the top-up page's confirm query): once paid,
 * the page shows that account's new balance.
 */
export default function PaymentConfirmPage() {
  const params = useRouter()?.params ?? {};
  const fromRoute = Number(params.paymentId);
  const paymentId = Number.isSafeInteger(fromRoute) && fromRoute > 0 ? fromRoute : platformPay.returnedPaymentId();
  const { phase, order, error, retry } = usePaymentStatus(paymentId);
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

  return (
    <PageShell id="page-pay-confirm">
      <View className={`pay-result pay-result--${phase}`} id="pay-result" data-phase={phase}>
        <View className="pay-result__icon">{phase === 'paid' ? '✓' : phase === 'checking' ? '…' : '!'}</View>
        <View className="pay-result__title" id="pay-result-title">
          {unconfirmed ? '订单已关闭' : headline[phase]}
        </View>
        <View className="muted" id="pay-result-hint">
          {phase === 'error' ? (error ? errorMessageOf(error) : '没有找到支付订单') : unconfirmed ? closedUnconfirmedHint : toppedUp ? topUpPaidHint : hint[phase]}
        </View>
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
        {phase === 'timeout' && (
          <Button id="pay-retry" className="btn-primary" onClick={retry}>
            再查一次
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
