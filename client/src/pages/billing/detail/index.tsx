import { View } from '@tarojs/components';
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { formatYuan, paymentChannelNames, type BillDisputeView } from '@openhall/shared';
import { useMemo, useState } from 'react';
import { getBill, listBillDisputes } from '../../../api/bills';
import { errorMessageOf } from '../../../api/errors';
import { createBillPayment } from '../../../api/payments';
import BillStatusTag from '../../../components/bill-status-tag';
import InvoiceEntry from '../../../components/invoice-entry';
import ActionButton from '../../../components/action-button';
import KvRow from '../../../components/kv-row';
import PageShell from '../../../components/page-shell';
import PayChannelPicker from '../../../components/pay-channel-picker';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime, formatPeriod } from '../../../lib/labels';
import { RECEIPT_PAGE, usePayment } from '../../../lib/payment';
import { useAsync } from '../../../lib/use-async';
import '../billing.scss';
import LineDispute from './line-dispute';
import Button from '../../../components/button';

/** One bill: period, due date, status, line items (each disputable), today's late fee, and the payment that settled it. */
export default function BillDetailPage() {
  const id = Number(useRouter()?.params?.id);
  const bill = useAsync(() => getBill(id), [id], { refreshOnShow: true });
  const disputes = useAsync(() => listBillDisputes(id), [id], { refreshOnShow: true });
  // Disputes filed on this page show at once; the server's list, once fetched again, wins (a complaint may be answered by then).
  const [filed, setFiled] = useState<BillDisputeView[]>([]);
  const disputeByLine = useMemo(() => new Map([...filed, ...(disputes.data ?? [])].map((d) => [d.lineId, d])), [disputes.data, filed]);
  const payment = usePayment();
  const b = bill.data;

  usePullDownRefresh(async () => {
    await Promise.all([bill.reload(), disputes.reload()]);
    Taro.stopPullDownRefresh();
  });

  return (
    <PageShell id="page-bill-detail">
      <StateView loading={bill.loading} error={bill.error} onRetry={() => void bill.reload()}>
        {b && (
          <>
            <Section title={`${formatPeriod(b.period)}账单`} extra={<BillStatusTag status={b.status} />}>
              <KvRow label="户号">{b.accountNo}</KvRow>
              <KvRow label="账期">{b.period}</KvRow>
              <KvRow label="缴费截止日">{b.dueDate}</KvRow>
            </Section>

            <Section title="费用明细" className="bill-lines">
              {b.lines.map((l) => (
                <View key={l.id} className="line-item">
                  <View className="line-item__head">
                    <View>{l.name}</View>
                    <View>{formatYuan(l.amountFen)}</View>
                  </View>
                  <View className="muted">
                    {l.quantity} {l.unit} × {formatYuan(l.unitPriceFen)}
                  </View>
                  {/* Without the dispute list we cannot tell a disputed line from one that is not, so offer nothing. */}
                  {disputes.data && (
                    <LineDispute
                      billId={b.id}
                      lineId={l.id}
                      dispute={disputeByLine.get(l.id)}
                      unpaid={b.status !== 'paid'}
                      onChanged={(d) => (d ? setFiled((list) => [...list, d]) : void disputes.reload())}
                    />
                  )}
                </View>
              ))}
              <KvRow label="费用小计">{formatYuan(b.amountFen)}</KvRow>
              {b.lateFeeFen > 0 && <KvRow label={b.status === 'paid' ? '滞纳金（已缴）' : '滞纳金（截至今日）'}>{formatYuan(b.lateFeeFen)}</KvRow>}
              <KvRow label={b.status === 'paid' ? '实缴金额' : '应缴金额'} valueId="bill-total" total>
                {formatYuan(b.totalFen)}
              </KvRow>
            </Section>

            {b.status === 'paid' ? (
              <Section title="缴费信息" className="bill-payment">
                {b.paidAt && <KvRow label="缴费时间">{formatDateTime(b.paidAt)}</KvRow>}
                {b.payment ? (
                  <>
                    <KvRow label="支付方式">{b.payment.channelName || paymentChannelNames[b.payment.channel]}</KvRow>
                    <KvRow label="订单号">{b.payment.outTradeNo}</KvRow>
                    {b.payment.gatewayTradeNo && <KvRow label="交易单号">{b.payment.gatewayTradeNo}</KvRow>}
                  </>
                ) : b.paidElsewhere ? (
                  <KvRow label="缴费渠道">{b.paidElsewhere.channelName}</KvRow>
                ) : (
                  <View className="muted">该账单通过其他渠道缴清</View>
                )}
                <View className="billing-actions">
                  <Button id="bill-receipt" className="btn-primary" onClick={() => void Taro.navigateTo({ url: `${RECEIPT_PAGE}?id=${b.id}` })}>
                    查看缴费凭证
                  </Button>
                </View>
              </Section>
            ) : null}
            {/* Paid through the portal: its order's electronic invoice (the payer's, when someone paid it for the holder). */}
            {b.status === 'paid' && b.payment && <InvoiceEntry orderId={b.payment.orderId} />}
            {b.status === 'paid' ? null : (
              <Section title="缴纳此账单">
                <PayChannelPicker value={payment.channel} onChange={payment.setChannel} />
                {payment.error ? <View className="field__error">{errorMessageOf(payment.error)}</View> : null}
                <View className="billing-actions">
                  <ActionButton
                    id="bill-pay"
                    className="btn-primary"
                    disabled={!payment.available}
                    busy={payment.paying}
                    onClick={() => payment.pay((channel, returnPath) => createBillPayment({ billIds: [b.id], channel, returnPath }))}
                  >
                    缴费 {formatYuan(b.totalFen)}
                  </ActionButton>
                </View>
              </Section>
            )}
          </>
        )}
      </StateView>
    </PageShell>
  );
}
