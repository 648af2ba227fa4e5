import { View } from '@tarojs/components';
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { formatYuan, invoiceOrderKindNames, invoiceTitleKindNames, type InvoiceView } from '@openhall/shared';
import { useEffect, useRef } from 'react';
import { getInvoice } from '../../../api/invoices';
import InvoiceStateTag from '../../../components/invoice-state-tag';
import KvRow from '../../../components/kv-row';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { invoiceDetailUrl, invoiceFileName, invoiceRequestUrl, invoiceStateHints } from '../../../lib/invoices';
import { useAsync } from '../../../lib/use-async';
import { InvoicePdf } from '../../../platform/invoice-pdf';
import '../invoices.scss';
import Button from '../../../components/button';

/** How often the page asks again while the platform is still at work, and for how long. */
const POLL_MS = 3000;
const POLL_TIMES = 20;

/** What a refused invoice says: why, and what the subscriber does about it. */
function Failure({ invoice }: { invoice: InvoiceView }) {
  const f = invoice.failure;
  if (!f) return null;
  return (
    <View className="invoice-failure" id="invoice-failure">
      <View id="invoice-failure-reason">原因：{f.reason || '开票平台未说明原因'}</View>
      <View id="invoice-failure-action">{f.action}</View>
      {f.changeTitle && (
        <View className="invoice-actions">
          <Button id="invoice-change-title" className="btn-primary" onClick={() => void Taro.redirectTo({ url: invoiceRequestUrl(invoice.orderId) })}>
            修改抬头重新申请
          </Button>
        </View>
      )}
    </View>
  );
}

/**
 * One invoice (`?id=`): its state in words (申请中 / 已开具 / 开具失败 with the reason and what to
 * do / 红冲中 / 已红冲), number and date, the title, each line with its tax, the totals, and the PDF
 * (H5: a link; mini-program: downloaded and opened). While the platform is at work the page asks
 * again by itself.
 */
export default function InvoiceDetailPage() {
  const id = Number(useRouter()?.params?.id);
  const invoice = useAsync(() => getInvoice(id), [id], { refreshOnShow: true });
  const inv = invoice.data;
  const polls = useRef(0);
  // Issued (or reversed) with its PDF not fetched from the platform yet: that follows within seconds.
  const pdfComing = (inv?.state === 'issued' && !inv.pdfUrl) || (inv?.state === 'reversed' && !inv.redPdfUrl);
  const waiting = inv?.state === 'requested' || inv?.state === 'reversing' || pdfComing;

  useEffect(() => {
    if (!waiting || polls.current >= POLL_TIMES) return;
    const timer = setTimeout(() => {
      polls.current += 1;
      void invoice.reload();
    }, POLL_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a new answer schedules the next ask
  }, [inv, waiting]);

  usePullDownRefresh(async () => {
    polls.current = 0;
    await invoice.reload();
    Taro.stopPullDownRefresh();
  });

  return (
    <PageShell id="page-invoice-detail">
      <StateView loading={invoice.loading} error={invoice.error} onRetry={() => void invoice.reload()}>
        {inv && (
          <>
            <Section title="电子发票（普通发票）">
              <View className="invoice-head">
                <InvoiceStateTag state={inv.state} id="invoice-state" />
                <View id="invoice-total">{formatYuan(inv.totalFen)}</View>
              </View>
              {inv.state === 'failed' ? (
                <Failure invoice={inv} />
              ) : (
                <View className="muted" id="invoice-hint">
                  {pdfComing ? '发票已开具，PDF 文件正在从开票平台获取，请稍候' : invoiceStateHints[inv.state]}
                </View>
              )}
              {inv.pdfUrl || inv.redPdfUrl ? (
                <View className="invoice-actions">
                  {inv.pdfUrl && <InvoicePdf id="invoice-pdf" url={inv.pdfUrl} fileName={invoiceFileName(inv.invoiceNo)} label={inv.state === 'reversed' ? '下载原发票 PDF（已作废）' : '下载发票 PDF'} plain={inv.state === 'reversed'} />}
                  {inv.redPdfUrl && <InvoicePdf id="invoice-red-pdf" url={inv.redPdfUrl} fileName={invoiceFileName(inv.reversal?.invoiceNo ?? null, true)} label="下载红字发票 PDF" />}
                </View>
              ) : null}
              {inv.replacedById && (
                <View className="invoice-row" id="invoice-replacement" onClick={() => void Taro.redirectTo({ url: invoiceDetailUrl(inv.replacedById!) })}>
                  <View>退款后剩余金额已重新开具发票</View>
                  <View className="invoice-link">查看 ›</View>
                </View>
              )}
              {inv.replacesId && (
                <View className="invoice-row" id="invoice-replaces" onClick={() => void Taro.redirectTo({ url: invoiceDetailUrl(inv.replacesId!) })}>
                  <View className="muted">本发票为部分退款后按剩余金额重新开具</View>
                  <View className="invoice-link">原发票 ›</View>
                </View>
              )}
            </Section>

            <Section title="发票信息">
              {inv.invoiceNo && (
                <KvRow label="发票号码" valueId="invoice-no">
                  {inv.invoiceNo}
                </KvRow>
              )}
              {inv.issuedAt && <KvRow label="开票时间">{formatDateTime(inv.issuedAt)}</KvRow>}
              {inv.reversal?.invoiceNo && (
                <KvRow label="红字发票号码" valueId="invoice-red-no">
                  {inv.reversal.invoiceNo}
                </KvRow>
              )}
              {inv.reversal?.reversedAt && <KvRow label="红冲时间">{formatDateTime(inv.reversal.reversedAt)}</KvRow>}
              <KvRow label="抬头类型">{invoiceTitleKindNames[inv.title.kind]}</KvRow>
              <KvRow label="抬头" valueId="invoice-title">
                {inv.title.name}
              </KvRow>
              {inv.title.taxNo && (
                <KvRow label="税号" valueId="invoice-tax-no">
                  {inv.title.taxNo}
                </KvRow>
              )}
              {inv.email && <KvRow label="接收邮箱">{inv.email}</KvRow>}
              <KvRow label="订单">
                {invoiceOrderKindNames[inv.orderKind]} {inv.outTradeNo}
              </KvRow>
              <KvRow label="申请时间">{formatDateTime(inv.requestedAt)}</KvRow>
            </Section>

            <Section title="开票明细">
              {inv.lines.map((l, i) => (
                <View key={i} className="invoice-line" id={`invoice-line-${i}`}>
                  <View className="invoice-line__head">
                    <View>{l.name}</View>
                    <View>{formatYuan(l.amountFen)}</View>
                  </View>
                  <View className="muted">
                    {l.quantity !== null && l.unit ? `${l.quantity} ${l.unit} · ` : ''}
                    金额 {formatYuan(l.netFen)} · 税率 {l.rate} · 税额 {formatYuan(l.taxFen)}
                  </View>
                </View>
              ))}
              <KvRow label="合计金额（不含税）" valueId="invoice-net">
                {formatYuan(inv.netFen)}
              </KvRow>
              <KvRow label="合计税额" valueId="invoice-tax">
                {formatYuan(inv.taxFen)}
              </KvRow>
              <KvRow label="价税合计" valueId="invoice-sum" total>
                {formatYuan(inv.totalFen)}
              </KvRow>
            </Section>
          </>
        )}
      </StateView>
    </PageShell>
  );
}
