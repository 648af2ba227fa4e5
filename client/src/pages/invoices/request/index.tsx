import { Input, Switch, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { formatYuan, INVOICE_TITLE_MAX, invoiceTitleKindNames, requestInvoiceSchema, type InvoiceTitleKind, type InvoiceTitleView } from '@openhall/shared';
import { useState } from 'react';
import { ApiError, errorMessageOf } from '../../../api/errors';
import { deleteInvoiceTitle, getInvoiceOrder, listInvoiceTitles, requestInvoice } from '../../../api/invoices';
import ChoiceChips from '../../../components/choice-chips';
import { notInvoiceableWords } from '../../../components/invoice-entry';
import InvoiceStateTag from '../../../components/invoice-state-tag';
import KvRow from '../../../components/kv-row';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { emptyTitleDraft, invoiceDetailUrl, type TitleDraft } from '../../../lib/invoices';
import { useAsync } from '../../../lib/use-async';
import { platformInvoiceTitles } from '../../../platform/invoice-title';
import '../invoices.scss';
import Button from '../../../components/button';

type Field = 'name' | 'taxNo' | 'email';
const kindOptions = (['personal', 'company'] as const).map((k) => ({ value: k, label: invoiceTitleKindNames[k] }));

/** The form's fields named by a validation issue's path (client-side zod, or the server's `body.title.taxNo`). */
function fieldOf(path: readonly (string | number)[] | string): Field | null {
  const last = String(Array.isArray(path) ? path[path.length - 1] : String(path).split('.').pop());
  return last === 'name' || last === 'taxNo' || last === 'email' ? last : null;
}

/** The server's field issues of a 400, by field. */
function serverFieldErrors(err: unknown): Partial<Record<Field, string>> {
  if (!(err instanceof ApiError) || err.code !== 'VALIDATION_FAILED') return {};
  const issues = (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? [];
  const out: Partial<Record<Field, string>> = {};
  for (const i of issues) {
    const f = fieldOf(i.path);
    if (f && !out[f]) out[f] = i.message;
  }
  return out;
}

/**
 * Asking for the electronic invoice of a paid order (`?orderId=`): the amount it would be for, the
 * title (个人 or 单位 with its unified social credit code, checked as typed), picked from the
 * titles saved here or, in the mini-program, from WeChat's own, an optional e-mail for the PDF.
 * One invoice per order: an order that has one shows it instead.
 */
export default function InvoiceRequestPage() {
  const orderId = Number(useRouter()?.params?.orderId);
  const order = useAsync(() => getInvoiceOrder(orderId), [orderId]);
  const titles = useAsync(() => listInvoiceTitles(), []);
  const [draft, setDraft] = useState<TitleDraft>(emptyTitleDraft);
  const [saveTitle, setSaveTitle] = useState(true);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const o = order.data;

  const edit = (patch: Partial<TitleDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setErrors((e) => {
      const next = { ...e };
      for (const k of Object.keys(patch)) delete next[k as Field];
      return next;
    });
    setProblem('');
  };

  const fill = (t: Pick<InvoiceTitleView, 'kind' | 'name' | 'taxNo'> & { email?: string | null }) =>
    edit({ kind: t.kind, name: t.name, taxNo: t.taxNo ?? '', ...(t.email ? { email: t.email } : {}) });

  const fromWechat = async () => {
    try {
      const picked = await platformInvoiceTitles.choose();
      if (picked) fill(picked);
    } catch (err) {
      void Taro.showToast({ title: (err as Error).message, icon: 'none' });
    }
  };

  const forget = async (t: InvoiceTitleView) => {
    const { confirm } = await Taro.showModal({ title: '删除常用抬头', content: `不再保存“${t.name}”？` });
    if (!confirm) return;
    try {
      await deleteInvoiceTitle(t.id);
      await titles.reload();
    } catch (err) {
      void Taro.showToast({ title: errorMessageOf(err), icon: 'none' });
    }
  };

  const submit = async () => {
    const title = draft.kind === 'company' ? { kind: 'company' as const, name: draft.name, taxNo: draft.taxNo } : { kind: 'personal' as const, name: draft.name };
    const parsed = requestInvoiceSchema.safeParse({ orderId, title, email: draft.email.trim() === '' ? null : draft.email, saveTitle });
    if (!parsed.success) {
      const found: Partial<Record<Field, string>> = {};
      for (const i of parsed.error.issues) {
        const f = fieldOf(i.path as (string | number)[]);
        if (f && !found[f]) found[f] = i.message;
      }
      setErrors(found);
      return;
    }
    setBusy(true);
    try {
      const res = await requestInvoice(parsed.data);
      void Taro.redirectTo({ url: invoiceDetailUrl(res.invoice.id) });
    } catch (err) {
      const found = serverFieldErrors(err);
      if (Object.keys(found).length > 0) setErrors(found);
      else setProblem(err instanceof ApiError && /[\u4e00-\u9fff]/.test(err.message) && err.status === 409 ? err.message : errorMessageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const notMine = order.error instanceof ApiError && order.error.code === 'NOT_FOUND';
  const saved = (titles.data ?? []).filter((t) => t.kind === draft.kind);
  const open = o?.invoice && o.invoice.state !== 'failed' ? o.invoice : null;
  return (
    <PageShell id="page-invoice-request">
      {notMine ? (
        <Section title="申请电子发票">
          <View className="muted" id="invoice-not-mine">
            没有找到这笔订单。他人为您代缴的费用，电子发票由付款人申请。
          </View>
        </Section>
      ) : (
        <StateView loading={order.loading} error={order.error} onRetry={() => void order.reload()}>
          {o && (
            <Section title="开票信息">
              <KvRow label="发票类型">电子发票（普通发票）</KvRow>
              <KvRow label="订单内容">{o.description}</KvRow>
              <KvRow label="订单号">{o.outTradeNo}</KvRow>
              {o.paidAt && <KvRow label="支付时间">{formatDateTime(o.paidAt)}</KvRow>}
              <KvRow label="开票金额" valueId="invoice-amount" total>
                {formatYuan(o.amountFen)}
              </KvRow>
            </Section>
          )}
          {o && open && (
            <Section title="该订单已申请发票">
              <View className="invoice-row" id="invoice-existing" onClick={() => void Taro.redirectTo({ url: invoiceDetailUrl(open.id) })}>
                <InvoiceStateTag state={open.state} />
                <View className="invoice-link">查看发票 ›</View>
              </View>
              <View className="muted">同一笔支付只能开具一张发票；如需更换抬头，请联系客服。</View>
            </Section>
          )}
          {o && !open && !o.invoiceable && (
            <Section title="申请电子发票">
              <View className="muted" id="invoice-unavailable">
                {notInvoiceableWords(o)}
              </View>
            </Section>
          )}
          {o && !open && o.invoiceable && (
            <Section title="发票抬头" className="invoice-form">
              {o.invoice?.state === 'failed' && (
                <View className="banner" id="invoice-retry-note">
                  上次申请开具失败，请核对抬头后重新提交
                </View>
              )}
              <ChoiceChips idPrefix="invoice-kind" options={kindOptions} value={draft.kind} onChange={(kind: InvoiceTitleKind) => edit({ kind })} />

              {(saved.length > 0 || platformInvoiceTitles.available) && (
                <View className="invoice-saved" id="invoice-saved">
                  {saved.map((t) => (
                    <View key={t.id} className="invoice-saved__item" id={`invoice-saved-${t.id}`}>
                      <View className="invoice-saved__main" onClick={() => fill(t)}>
                        <View>{t.name}</View>
                        {t.taxNo && <View className="muted">{t.taxNo}</View>}
                      </View>
                      <View className="invoice-saved__remove" onClick={() => void forget(t)}>
                        删除
                      </View>
                    </View>
                  ))}
                  {platformInvoiceTitles.available && (
                    <Button id="invoice-from-wechat" className="btn-plain invoice-wechat" size="mini" onClick={() => void fromWechat()}>
                      从微信选择抬头
                    </Button>
                  )}
                </View>
              )}

              <View className="field">
                <View className="field__label">{draft.kind === 'company' ? '单位名称' : '个人姓名'}</View>
                <Input
                  id="invoice-name"
                  className="field__input"
                  aria-label={draft.kind === 'company' ? '单位名称' : '个人姓名'}
                  maxlength={INVOICE_TITLE_MAX + 20}
                  placeholder={draft.kind === 'company' ? '与营业执照上的名称一致' : '请填写姓名'}
                  value={draft.name}
                  onInput={(e) => edit({ name: e.detail.value })}
                />
                {errors.name && (
                  <View className="field__error" id="invoice-name-error">
                    {errors.name}
                  </View>
                )}
              </View>
              {draft.kind === 'company' && (
                <View className="field">
                  <View className="field__label">统一社会信用代码（税号）</View>
                  <Input id="invoice-tax-no" className="field__input" aria-label="统一社会信用代码（税号）" maxlength={24} placeholder="18位，见营业执照" value={draft.taxNo} onInput={(e) => edit({ taxNo: e.detail.value })} />
                  {errors.taxNo && (
                    <View className="field__error" id="invoice-tax-no-error">
                      {errors.taxNo}
                    </View>
                  )}
                </View>
              )}
              <View className="field">
                <View className="field__label">接收邮箱（选填）</View>
                <Input id="invoice-email" className="field__input" aria-label="接收邮箱（选填）" type="text" maxlength={100} placeholder="开具后将 PDF 发送到此邮箱" value={draft.email} onInput={(e) => edit({ email: e.detail.value })} />
                {errors.email && (
                  <View className="field__error" id="invoice-email-error">
                    {errors.email}
                  </View>
                )}
              </View>
              <View className="invoice-keep">
                <View>保存为常用抬头</View>
                <Switch id="invoice-save-title" aria-label="保存为常用抬头" checked={saveTitle} color="#1d6fd8" onChange={(e) => setSaveTitle(e.detail.value)} />
              </View>
              {problem && (
                <View className="field__error" id="invoice-problem">
                  {problem}
                </View>
              )}
              <View className="invoice-actions">
                <Button id="invoice-submit" className="btn-primary" disabled={busy} loading={busy} onClick={() => void submit()}>
                  提交申请
                </Button>
              </View>
              <View className="muted invoice-note">发票开具后不能更换抬头，请仔细核对。个人抬头无需填写税号。</View>
            </Section>
          )}
        </StateView>
      )}
    </PageShell>
  );
}
