import { Input, Textarea, View } from '@tarojs/components';
import { formatYuan, invoiceOrderKindNames, invoiceStateNames, invoiceStates, invoiceTitleKindNames, reissueInvoiceSchema, type InvoiceState, type StaffInvoiceView } from '@openhall/shared';
import { useState } from 'react';
import { reissueInvoice, searchStaffInvoices } from '../../../api/invoices';
import ChoiceChips from '../../../components/choice-chips';
import InvoiceStateTag from '../../../components/invoice-state-tag';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import { staffErrorText } from '../staff-forms';
import StaffPager from '../staff-pager';
import StaffShell from '../staff-shell';
import { useStaffProfile } from '../staff-session';
import './index.scss';
import Button from '../../../components/button';

const PAGE_SIZE = 20;
type StateFilter = InvoiceState | 'all';
const stateOptions: { value: StateFilter; label: string }[] = [
  { value: 'failed', label: '开具失败（含红冲失败）' },
  { value: 'all', label: '全部' },
  ...invoiceStates.filter((s) => s !== 'failed').map((s) => ({ value: s as StateFilter, label: invoiceStateNames[s] })),
];

interface Terms {
  invoiceNo: string;
  accountNo: string;
  order: string;
}
const noTerms: Terms = { invoiceNo: '', accountNo: '', order: '' };

/**
 * Electronic invoices in the console: search by invoice number (blue or red), account number and
 * order (its id or merchant order number), by state; refusals first (invoices and reversals the
 * platform refused), each with why and a reissue with a note. Every search, view and reissue is in
 * the audit log; the subscriber's name and e-mail are masked.
 */
export default function StaffInvoicesPage() {
  const [state, setState] = useState<StateFilter>('failed');
  const [typed, setTyped] = useState<Terms>(noTerms);
  const [terms, setTerms] = useState<Terms>(noTerms);
  const [page, setPage] = useState(1);
  const list = useAsync(
    () =>
      searchStaffInvoices({
        page,
        pageSize: PAGE_SIZE,
        ...(state !== 'all' ? { state } : {}),
        ...(terms.invoiceNo.trim() ? { invoiceNo: terms.invoiceNo.trim() } : {}),
        ...(terms.accountNo.trim() ? { accountNo: terms.accountNo.trim() } : {}),
        ...(terms.order.trim() ? { order: terms.order.trim() } : {}),
      }),
    [state, terms, page],
    { refreshOnShow: true },
  );
  const profile = useStaffProfile(list.error);
  const items = list.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((list.data?.total ?? 0) / PAGE_SIZE));

  // 查询 again with the same terms asks again (a refund may have moved an invoice meanwhile).
  const search = () => {
    setTerms({ ...typed });
    setPage(1);
  };
  const field = (key: keyof Terms, label: string, placeholder: string) => (
    <View className="staff-filters__row">
      <View className="staff-filters__label">{label}</View>
      <Input
        id={`staff-invoices-${key}`}
        className="field__input staff-invoices__input"
        aria-label={label}
        placeholder={placeholder}
        value={typed[key]}
        onInput={(e) => setTyped((t) => ({ ...t, [key]: e.detail.value }))}
        onConfirm={search}
      />
    </View>
  );

  return (
    <StaffShell id="page-staff-invoices" profile={profile} title="电子发票" section="invoices">
      <Section title="查找发票" className="staff-filters">
        {field('invoiceNo', '发票号码', '蓝字或红字发票号码')}
        {field('accountNo', '户号', '10位户号')}
        {field('order', '订单', '订单号或订单编号')}
        <View className="staff-filters__row">
          <View className="staff-filters__label">状态</View>
          <ChoiceChips
            idPrefix="staff-invoices-state"
            options={stateOptions}
            value={state}
            onChange={(s) => {
              setState(s);
              setPage(1);
            }}
          />
        </View>
        <Button id="staff-invoices-search" className="btn-primary" size="mini" onClick={search}>
          查询
        </Button>
      </Section>
      <Section title={`发票（${list.data?.total ?? 0}）`}>
        <StateView loading={list.loading} error={list.error} empty={items.length === 0} emptyText={state === 'failed' ? '没有开具失败的发票' : '没有符合条件的发票'} onRetry={() => void list.reload()}>
          {items.map((inv) => (
            <StaffInvoice key={inv.id} invoice={inv} onDone={() => void list.reload()} />
          ))}
          <StaffPager id="staff-invoices" page={page} pages={pages} onPage={setPage} />
        </StateView>
      </Section>
    </StaffShell>
  );
}

/** One invoice: who, what, its state and tries; a refusal with why and the reissue form. */
function StaffInvoice({ invoice: inv, onDone }: { invoice: StaffInvoiceView; onDone: () => void }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const refused = inv.state === 'failed' || inv.reversalFailure !== null;

  const reissue = async () => {
    setError('');
    const parsed = reissueInvoiceSchema.safeParse({ note });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? '请写明处理说明');
      return;
    }
    setBusy(true);
    try {
      await reissueInvoice(inv.id, parsed.data);
      setNote('');
      onDone();
    } catch (err) {
      setError(staffErrorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <View className={`queue-row callback-task staff-invoice${refused ? ' queue-row--breached' : ' queue-row--ok'}`} id={`staff-invoice-${inv.id}`}>
      <View className="callback-task__info">
        <View className="queue-row__main">
          <View className="queue-row__id">#{inv.id}</View>
          <InvoiceStateTag state={inv.state} id={`staff-invoice-${inv.id}-state`} />
          <View className="staff-invoice__amount">{formatYuan(inv.totalFen)}</View>
          {inv.invoiceNo && <View>发票号码 {inv.invoiceNo}</View>}
          {inv.reversal?.invoiceNo && <View>红字 {inv.reversal.invoiceNo}</View>}
        </View>
        <View className="muted">
          {invoiceTitleKindNames[inv.title.kind]}抬头 {inv.title.name}
          {inv.title.taxNo ? `（${inv.title.taxNo}）` : ''}
          {inv.email ? ` · 邮箱 ${inv.email}` : ''}
        </View>
        <View className="muted">
          {invoiceOrderKindNames[inv.orderKind]} · 订单 {inv.outTradeNo}
          {inv.accountNo ? ` · 户号 ${inv.accountNo}` : ''} · 申请于 {formatDateTime(inv.requestedAt)} · 开具尝试 {inv.attempts} 次
          {inv.reversalAttempts > 0 ? ` · 红冲尝试 ${inv.reversalAttempts} 次` : ''}
        </View>
        {inv.failure && (
          <View className="field__error" id={`staff-invoice-${inv.id}-failure`}>
            开具失败：{inv.failure.reason || inv.failure.code}
          </View>
        )}
        {inv.reversalFailure && (
          <View className="field__error" id={`staff-invoice-${inv.id}-reversal-failure`}>
            红冲失败：{inv.reversalFailure.reason || inv.reversalFailure.code}
          </View>
        )}
        {inv.lastError && !refused && <View className="muted">开票平台暂时无法连接，系统将自动重试：{inv.lastError}</View>}
        {inv.reissuedBy && (
          <View className="muted">
            {inv.reissuedBy.name}（工号 {inv.reissuedBy.jobNo}）于 {formatDateTime(inv.reissuedBy.at)} 重新开具：{inv.reissuedBy.note}
          </View>
        )}
      </View>
      {refused && (
        <View className="callback-task__form">
          <Textarea
            id={`staff-invoice-${inv.id}-note`}
            className="tickets-textarea tickets-gap"
            aria-label="处理说明"
            maxlength={500}
            placeholder={inv.reversalFailure ? '处理说明（如：已联系购买方撤销用途确认）' : '处理说明（如：已与用户核对抬头）'}
            value={note}
            onInput={(e) => setNote(e.detail.value)}
          />
          {error && <View className="field__error">{error}</View>}
          <Button id={`staff-invoice-${inv.id}-reissue`} className="btn-primary tickets-gap" size="mini" loading={busy} disabled={busy} onClick={() => void reissue()}>
            {inv.reversalFailure ? '重新红冲' : '重新开具'}
          </Button>
        </View>
      )}
    </View>
  );
}
