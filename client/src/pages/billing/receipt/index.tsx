import { useRouter } from '@tarojs/taro';
import { getBill, getReceiptHtml } from '../../../api/bills';
import { getOrderReceiptHtml } from '../../../api/payments';
import InvoiceEntry from '../../../components/invoice-entry';
import PageShell from '../../../components/page-shell';
import StateView from '../../../components/state-view';
import { useAsync } from '../../../lib/use-async';
import ReceiptView from '../../../platform/receipt-view';
import '../billing.scss';
import './index.scss';

/**
 * The receipt (缴费凭证) as the server renders it: of a paid bill (`?id=`), or of a paid bill order
 * (`?paymentId=`: every bill it paid, also someone else's when paid for them). The endpoints need
 * the bearer token, so the page fetches it and the platform shows it (H5: in a frame, printable).
 * Below it, the payment's electronic invoice: its state, or a way to ask for one.
 */
export default function ReceiptPage() {
  const params = useRouter()?.params ?? {};
  const billId = Number(params.id);
  const orderId = Number(params.paymentId);
  const receipt = useAsync(() => (orderId > 0 ? getOrderReceiptHtml(orderId) : getReceiptHtml(billId)), [billId, orderId]);
  // A bill's receipt: the order that paid it through the portal, for its invoice (none when paid elsewhere).
  const bill = useAsync(() => (orderId > 0 || !(billId > 0) ? Promise.resolve(null) : getBill(billId)), [billId, orderId]);
  const invoiceOrderId = orderId > 0 ? orderId : (bill.data?.payment?.orderId ?? 0);
  return (
    <PageShell id="page-receipt">
      <StateView loading={receipt.loading} error={receipt.error} onRetry={() => void receipt.reload()}>
        {receipt.data && <ReceiptView html={receipt.data} title="缴费凭证" />}
      </StateView>
      {receipt.data && invoiceOrderId > 0 && <InvoiceEntry orderId={invoiceOrderId} />}
    </PageShell>
  );
}
