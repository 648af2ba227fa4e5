import { Input, View } from '@tarojs/components';
import {
  addDays,
  businessDate,
  formatYuan,
  reconciliationDiffKinds,
  reconciliationResolutionNames,
  resolveReconciliationDiffSchema,
  type ReconciliationLedger,
  type ReconciliationDiffKind,
  type ReconciliationDiffView,
  type ReconciliationRunStatus,
  type ReconciliationRunView,
} from '@openhall/shared';
import { useState } from 'react';
import { listReconciliationDifferences, listReconciliationRuns, resolveReconciliationDifference, runReconciliation } from '../../../api/staff';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import ResolveWithNote from '../resolve-with-note';
import StaffPager from '../staff-pager';
import StaffShell from '../staff-shell';
import { staffErrorText } from '../staff-forms';
import { hasRole, useStaffProfile } from '../staff-session';
import FailedRefunds from './failed-refunds';
import Button from '../../../components/button';

const ALL = 'all' as const;

type Resolved = 'open' | 'resolved' | typeof ALL;
const gatewayLabels: Record<ReconciliationLedger, string> = { wechatpay: '微信支付', alipay: '支付宝', billing: '营收系统销账' };

const diffKindLabels: Record<ReconciliationDiffKind, string> = {
  missing_in_portal: '渠道有、平台无',
  missing_at_gateway: '平台有、渠道无',
  amount_mismatch: '金额不一致',
  status_mismatch: '状态不一致',
  writeoff_without_payment: '营收系统销账、平台无此缴费',
  paid_not_written_off: '平台已缴费、营收系统未销账',
};

const runStatusLabels: Record<ReconciliationRunStatus, string> = { running: '对账中', done: '已完成', failed: '失败' };

const resolvedOptions: { value: Resolved; label: string }[] = [
  { value: 'open', label: '未处理' },
  { value: 'resolved', label: '已处理' },
  { value: ALL, label: '全部' },
];

const DIFF_PAGE_SIZE = 20;


/**
 * Payment reconciliation (对账), a supervisor's page of its own: the runs of a date and a rerun,
 * the differences between the gateways' trade bills (and the billing system's write-offs) and the
 * portal to look at and mark handled, and the refunds that failed.
 */
export default function StaffReconciliationPage() {
  const profile = useStaffProfile();
  // Every figure here is a supervisor's: an agent who opens the page by its address is told so once, without asking the server.
  if (!profile || !hasRole(profile, 'supervisor')) {
    return (
      <StaffShell id="page-staff-reconciliation" profile={profile} title="对账" section="reconciliation">
        {profile && (
          <Section title="对账">
            <View className="muted" id="recon-forbidden">
              对账仅班长和管理员可以查看。
            </View>
          </Section>
        )}
      </StaffShell>
    );
  }
  return (
    <StaffShell id="page-staff-reconciliation" profile={profile} title="对账" section="reconciliation">
      <Reconciliation yesterday={addDays(businessDate(new Date()), -1)} />
      <FailedRefunds />
    </StaffShell>
  );
}

/** Payment reconciliation (对账): the runs of a date, a rerun, and the differences to look at and mark handled. */
function Reconciliation({ yesterday }: { yesterday: string }) {
  const [date, setDate] = useState(yesterday);
  const [dateText, setDateText] = useState(yesterday);
  const [resolved, setResolved] = useState<Resolved>('open');
  const [kind, setKind] = useState<ReconciliationDiffKind | typeof ALL>(ALL);
  const [page, setPage] = useState(1);
  const [rerunning, setRerunning] = useState(false);
  const [rerunResult, setRerunResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [resolvedNotice, setResolvedNotice] = useState('');
  const runs = useAsync(() => listReconciliationRuns(date), [date]);
  const diffs = useAsync(
    () =>
      listReconciliationDifferences({
        page,
        pageSize: DIFF_PAGE_SIZE,
        ...(resolved === ALL ? {} : { resolved: resolved === 'resolved' }),
        ...(kind === ALL ? {} : { kind }),
      }),
    [page, resolved, kind],
  );
  const items = diffs.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((diffs.data?.total ?? 0) / DIFF_PAGE_SIZE));
  const dateOk = /^\d{4}-\d{2}-\d{2}$/.test(dateText.trim());

  // Reconciles the typed date again (both gateways) and shows what the runs found.
  const rerun = async () => {
    const target = dateText.trim();
    setRerunResult(null);
    setRerunning(true);
    try {
      const done: ReconciliationRunView[] = await runReconciliation({ date: target });
      const failed = done.filter((r) => r.status === 'failed');
      const summary = done.map((r) => `${gatewayLabels[r.gateway]}${runStatusLabels[r.status]}，差异 ${r.differences} 笔，补记到账 ${r.settled} 笔`).join('；');
      setRerunResult({ ok: failed.length === 0, text: `已重新对账 ${target}：${summary}` });
      if (target === date) void runs.reload();
      else setDate(target);
      void diffs.reload();
    } catch (err) {
      setRerunResult({ ok: false, text: `重新对账失败：${staffErrorText(err)}` });
    } finally {
      setRerunning(false);
    }
  };

  return (
    <>
      <Section title={`对账批次 · ${date}`}>
        <View className="staff-filters__row">
          <View className="staff-filters__label">日期</View>
          <Input id="recon-run-date" className="field__input staff-date-input" placeholder="YYYY-MM-DD" value={dateText} onInput={(e) => setDateText(e.detail.value)} />
          <Button id="recon-run-date-go" className="btn-plain" size="mini" disabled={!dateOk} onClick={() => setDate(dateText.trim())}>
            查看
          </Button>
          <Button id="recon-rerun" className="btn-plain" size="mini" disabled={!dateOk || rerunning} loading={rerunning} onClick={() => void rerun()}>
            重新对账
          </Button>
        </View>
        {rerunResult && (
          <View id="recon-rerun-result" className={rerunResult.ok ? 'banner' : 'field__error'}>
            {rerunResult.text}
          </View>
        )}
        <StateView loading={runs.loading} error={runs.error} empty={(runs.data ?? []).length === 0} emptyText="该日期还没有对账（账单次日生成后自动对账）" onRetry={() => void runs.reload()}>
          <View className="staff-table" id="recon-runs">
            <View className="staff-table__row staff-table__row--head">
              <View className="staff-table__cell">渠道</View>
              <View className="staff-table__cell">状态</View>
              <View className="staff-table__cell">渠道笔数（支付/退款）</View>
              <View className="staff-table__cell">平台笔数（支付/退款）</View>
              <View className="staff-table__cell">差异</View>
              <View className="staff-table__cell">补记到账</View>
            </View>
            {(runs.data ?? []).map((r) => (
              <View key={r.gateway} className="staff-table__row run-row" id={`run-${r.gateway}`}>
                <View className="staff-table__cell">{gatewayLabels[r.gateway]}</View>
                <View className="staff-table__cell">
                  {runStatusLabels[r.status]}
                  {r.error && <View className="field__error">{r.error}</View>}
                </View>
                <View className="staff-table__cell">
                  {r.gatewayPayments}/{r.gatewayRefunds}
                </View>
                <View className="staff-table__cell">
                  {r.portalPayments}/{r.portalRefunds}
                </View>
                <View className={`staff-table__cell${r.differences > 0 ? ' field__error' : ''}`}>{r.differences}</View>
                <View className="staff-table__cell">{r.settled}</View>
              </View>
            ))}
          </View>
        </StateView>
      </Section>

      <Section title={`对账差异（${diffs.data?.total ?? 0}）`}>
        <View className="staff-filters__row">
          <View className="staff-filters__label">处理</View>
          <ChoiceChips
            idPrefix="recon-diff-resolved"
            options={resolvedOptions}
            value={resolved}
            onChange={(v) => {
              setResolved(v);
              setPage(1);
            }}
          />
        </View>
        <View className="staff-filters__row">
          <View className="staff-filters__label">类型</View>
          <ChoiceChips
            idPrefix="recon-diff-kind"
            options={[{ value: ALL, label: '全部' }, ...reconciliationDiffKinds.map((k) => ({ value: k, label: diffKindLabels[k] }))]}
            value={kind}
            onChange={(v) => {
              setKind(v);
              setPage(1);
            }}
          />
        </View>
        {resolvedNotice && (
          <View className="banner" id="recon-diff-resolved-notice">
            {resolvedNotice}
          </View>
        )}
        <StateView loading={diffs.loading} error={diffs.error} empty={items.length === 0} emptyText="没有对账差异" onRetry={() => void diffs.reload()}>
          <View className="staff-table" id="recon-diffs">
            <View className="staff-table__row staff-table__row--head">
              <View className="staff-table__cell">账单日</View>
              <View className="staff-table__cell">渠道</View>
              <View className="staff-table__cell">类型</View>
              <View className="staff-table__cell">商户订单号</View>
              <View className="staff-table__cell">平台金额</View>
              <View className="staff-table__cell">渠道金额</View>
              <View className="staff-table__cell">状态（平台/渠道）</View>
              <View className="staff-table__cell">处理</View>
            </View>
            {items.map((d) => (
              <DiffRow
                key={d.id}
                diff={d}
                onResolved={(view) => {
                  setResolvedNotice(`已将差异 ${view.outTradeNo} 标记为已处理。`);
                  void diffs.reload();
                }}
              />
            ))}
          </View>
          <StaffPager id="recon-diff" page={page} pages={pages} onPage={setPage} />
        </StateView>
      </Section>
    </>
  );
}

/** How a resolved difference was resolved: by whom and what they wrote, or what the system did. */
function resolutionText(d: ReconciliationDiffView): string {
  const when = d.resolvedAt ? ` ${formatDateTime(d.resolvedAt)}` : '';
  if (d.resolution === 'manual' && d.resolvedBy) return `已处理：${d.resolvedBy.name}（${d.resolvedBy.jobNo}）${when}`;
  return `已处理：${(d.resolution && reconciliationResolutionNames[d.resolution]) || '系统处理'}${when}`;
}

/** One difference; an open one offers 处理: a note, then the server marks it handled (once). */
function DiffRow({ diff: d, onResolved }: { diff: ReconciliationDiffView; onResolved: (view: ReconciliationDiffView) => void }) {
  return (
    <View className={`staff-table__row diff-row${d.resolved ? '' : ' diff-row--open'}`} id={`diff-${d.id}`}>
      <View className="staff-table__cell">{d.date}</View>
      <View className="staff-table__cell">{gatewayLabels[d.gateway]}</View>
      <View className="staff-table__cell">
        {diffKindLabels[d.kind]}
        {d.subject === 'refund' ? '（退款）' : ''}
      </View>
      <View className="staff-table__cell">
        {d.outTradeNo}
        {d.outRefundNo ? ` / ${d.outRefundNo}` : ''}
      </View>
      <View className="staff-table__cell">{d.portalAmountFen === null ? '—' : formatYuan(d.portalAmountFen)}</View>
      <View className="staff-table__cell">{d.gatewayAmountFen === null ? '—' : formatYuan(d.gatewayAmountFen)}</View>
      <View className="staff-table__cell">
        {d.portalStatus ?? '—'} / {d.gatewayStatus ?? '—'}
      </View>
      <View className="staff-table__cell diff-row__resolution">
        {d.resolved ? (
          <>
            {resolutionText(d)}
            {d.resolutionNote && <View className="muted diff-row__note">{d.resolutionNote}</View>}
          </>
        ) : (
          <ResolveWithNote
            prefix="diff-resolve"
            placeholder="处理说明（如：已在BOSS中冲正、已线下退款）"
            schema={resolveReconciliationDiffSchema}
            send={(input) => resolveReconciliationDifference(d.id, input)}
            onResolved={onResolved}
            closedLabel="未处理"
          />
        )}
      </View>
    </View>
  );
}

