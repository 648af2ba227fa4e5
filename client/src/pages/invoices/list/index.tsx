import { View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { formatYuan, type InvoiceView } from '@openhall/shared';
import { useEffect, useState } from 'react';
import { errorMessageOf } from '../../../api/errors';
import { listInvoiceOrders, listInvoices } from '../../../api/invoices';
import InvoiceStateTag from '../../../components/invoice-state-tag';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { invoiceDetailUrl, invoiceRequestUrl } from '../../../lib/invoices';
import { useSession } from '../../../lib/session';
import { useAsync } from '../../../lib/use-async';
import '../invoices.scss';
import SignInPage from '../../../components/sign-in-page';
import Button from '../../../components/button';

const PAGE_SIZE = 20;

/**
 * 我的发票: the user's invoices, newest first, each with its state in words; and the paid orders
 * (bills, renewals, top-ups, also those paid for someone else) that have no invoice yet, each a tap
 * away from asking for one.
 */
export default function MyInvoicesPage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const todo = useAsync(() => (signedIn ? listInvoiceOrders({ uninvoiced: true, pageSize: PAGE_SIZE }) : Promise.resolve(null)), [signedIn], { refreshOnShow: true });
  const first = useAsync(() => (signedIn ? listInvoices({ page: 1, pageSize: PAGE_SIZE }) : Promise.resolve(null)), [signedIn], { refreshOnShow: true });
  // Pages after the first, added by 加载更多; a reload of the first starts over.
  const [more, setMore] = useState<InvoiceView[]>([]);
  const [page, setPage] = useState(1);
  const [loadingMore, setLoadingMore] = useState(false);
  useEffect(() => {
    setMore([]);
    setPage(1);
  }, [first.data]);

  usePullDownRefresh(async () => {
    await Promise.all([todo.reload(), first.reload()]);
    Taro.stopPullDownRefresh();
  });

  const loadMore = async () => {
    setLoadingMore(true);
    try {
      const next = await listInvoices({ page: page + 1, pageSize: PAGE_SIZE });
      setMore((m) => [...m, ...next.items]);
      setPage(page + 1);
    } catch (err) {
      void Taro.showToast({ title: errorMessageOf(err), icon: 'none' });
    } finally {
      setLoadingMore(false);
    }
  };

  if (session.state === 'signedOut') {
    return (
      <SignInPage pageId="page-invoices" title="我的发票" buttonId="invoices-signin" onSignIn={session.signIn}>
        登录后可为已支付的账单、续费和充值申请电子发票
      </SignInPage>
    );
  }

  const orders = todo.data?.items ?? [];
  const invoices = [...(first.data?.items ?? []), ...more];
  const total = first.data?.total ?? 0;
  return (
    <PageShell id="page-invoices">
      <Section title="可申请开票">
        <StateView loading={session.state === 'checking' || todo.loading} error={todo.error} empty={orders.length === 0} emptyText="没有待开票的缴费" onRetry={() => void todo.reload()}>
          {orders.map((o) => (
            <View key={o.orderId} className="invoice-row" id={`invoices-order-${o.orderId}`}>
              <View className="invoice-row__main">
                <View className="invoice-row__title">
                  {o.kindName} · {o.description}
                </View>
                <View className="muted">{o.paidAt ? formatDateTime(o.paidAt) : o.outTradeNo}</View>
              </View>
              <View className="invoice-row__amount">{formatYuan(o.amountFen)}</View>
              <Button className="btn-primary" size="mini" id={`invoices-request-${o.orderId}`} onClick={() => void Taro.navigateTo({ url: invoiceRequestUrl(o.orderId) })}>
                开发票
              </Button>
            </View>
          ))}
        </StateView>
      </Section>

      <Section title={`开票记录${total ? `（${total}）` : ''}`}>
        <StateView loading={session.state === 'checking' || first.loading} error={first.error} empty={invoices.length === 0} emptyText="还没有申请过发票" onRetry={() => void first.reload()}>
          {invoices.map((inv) => (
            <View key={inv.id} className="invoice-row" id={`invoices-item-${inv.id}`} onClick={() => void Taro.navigateTo({ url: invoiceDetailUrl(inv.id) })}>
              <View className="invoice-row__main">
                <View className="invoice-row__title">{inv.title.name}</View>
                <View className="muted">{inv.invoiceNo ? `发票号码 ${inv.invoiceNo}` : `申请于 ${formatDateTime(inv.requestedAt)}`}</View>
              </View>
              <View className="invoice-row__amount">{formatYuan(inv.totalFen)}</View>
              <InvoiceStateTag state={inv.state} id={`invoices-state-${inv.id}`} />
            </View>
          ))}
          {invoices.length < total && (
            <Button id="invoices-more" className="btn-plain invoice-more" loading={loadingMore} disabled={loadingMore} onClick={() => void loadMore()}>
              加载更多
            </Button>
          )}
        </StateView>
      </Section>
    </PageShell>
  );
}
