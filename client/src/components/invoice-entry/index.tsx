import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { formatYuan, type InvoiceOrderView } from '@openhall/shared';
import { ApiError } from '../../api/errors';
import { getInvoiceOrder } from '../../api/invoices';
import { invoiceDetailUrl, invoiceRequestUrl } from '../../lib/invoices';
import { useAsync } from '../../lib/use-async';
import InvoiceStateTag from '../invoice-state-tag';
import Section from '../section';
import StateView from '../state-view';
import './index.scss';
import Button from '../button';

export interface InvoiceEntryProps {
  /** The paid order (bills, renewal, top-up) whose invoice this is about. */
  orderId: number;
}

/** Why an order cannot be invoiced now, in words. */
export function notInvoiceableWords(order: Pick<InvoiceOrderView, 'status' | 'amountFen'>): string {
  if (order.status === 'created') return '订单尚未支付，支付成功后可申请电子发票';
  if (order.status === 'closed') return '订单已关闭，无需开具发票';
  if (order.status === 'refunding') return '订单正在退款，退款完成后可为剩余金额申请发票';
  return '订单已全额退款，无需开具发票';
}

/**
 * The electronic invoice of a paid order, where the payment is shown (receipt, bill, payment
 * result): its state and a way to it, or 申请电子发票. An order the user did not pay themselves
 * (someone paid it for them) is the payer's to invoice, and says so.
 */
export default function InvoiceEntry({ orderId }: InvoiceEntryProps) {
  const order = useAsync(() => getInvoiceOrder(orderId), [orderId], { refreshOnShow: true });
  const o = order.data;
  const notMine = order.error instanceof ApiError && order.error.code === 'NOT_FOUND';
  return (
    <Section title="电子发票" className="invoice-entry">
      {notMine ? (
        <View className="muted" id="invoice-entry-not-mine">
          该笔缴费由他人代缴，电子发票由付款人申请
        </View>
      ) : (
        <StateView loading={order.loading} error={order.error} onRetry={() => void order.reload()}>
          {o && o.invoice ? (
            <View className="invoice-entry__row" id="invoice-entry-open" onClick={() => void Taro.navigateTo({ url: invoiceDetailUrl(o.invoice!.id) })}>
              <InvoiceStateTag state={o.invoice.state} id="invoice-entry-state" />
              <View className="invoice-entry__more">查看发票 ›</View>
            </View>
          ) : o && o.invoiceable ? (
            <View className="invoice-entry__ask">
              <View className="muted">可开具金额 {formatYuan(o.amountFen)}，支持个人或单位抬头，开具后可下载 PDF</View>
              <Button id="invoice-entry-request" className="btn-plain" onClick={() => void Taro.navigateTo({ url: invoiceRequestUrl(orderId) })}>
                申请电子发票
              </Button>
            </View>
          ) : o ? (
            <View className="muted" id="invoice-entry-unavailable">
              {notInvoiceableWords(o)}
            </View>
          ) : null}
        </StateView>
      )}
    </Section>
  );
}
