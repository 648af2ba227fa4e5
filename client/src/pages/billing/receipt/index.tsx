import { useRouter } from '@tarojs/taro';
import { getReceiptHtml } from '../../../api/bills';
import { getOrderReceiptHtml } from '../../../api/payments';
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
 */
export default function ReceiptPage() {
  const params = useRouter()?.params ?? {};
  const billId = Number(params.id);
  const orderId = Number(params.paymentId);
  const receipt = useAsync(() => (orderId > 0 ? getOrderReceiptHtml(orderId) : getReceiptHtml(billId)), [billId, orderId]);
  return (
    <PageShell id="page-receipt">
      <StateView loading={receipt.loading} error={receipt.error} onRetry={() => void receipt.reload()}>
        {receipt.data && <ReceiptView html={receipt.data} title="缴费凭证" />}
      </StateView>
    </PageShell>
  );
}
