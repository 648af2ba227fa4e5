import { useRouter } from '@tarojs/taro';
import { getReceiptHtml } from '../../../api/bills';
import PageShell from '../../../components/page-shell';
import StateView from '../../../components/state-view';
import { useAsync } from '../../../lib/use-async';
import ReceiptView from '../../../platform/receipt-view';
import '../billing.scss';
import './index.scss';

/**
 * The receipt (缴费凭证) of a paid bill as the server renders it. The endpoint needs the bearer
 * token, so the page fetches it and the platform shows it (H5: in a frame, printable).
 */
export default function ReceiptPage() {
  const id = Number(useRouter()?.params?.id);
  const receipt = useAsync(() => getReceiptHtml(id), [id]);
  return (
    <PageShell id="page-receipt">
      <StateView loading={receipt.loading} error={receipt.error} onRetry={() => void receipt.reload()}>
        {receipt.data && <ReceiptView html={receipt.data} title="缴费凭证" />}
      </StateView>
    </PageShell>
  );
}
