import { Textarea, View } from '@tarojs/components';
import {
  fenToYuan,
  formatYuan,
  ledgerEntryKindNames,
  recordSuspensionCallbackSchema,
  SUSPENSION_CALLBACK_RULES,
  suspensionCallbackOutcomeNames,
  suspensionCallbackOutcomes,
  suspensionCallbackStatuses,
  suspensionCallbackStatusNames,
  type SuspensionCallbackOutcome,
  type SuspensionCallbackStatus,
  type SuspensionCallbackView,
} from '@openhall/shared';
import { useState } from 'react';
import { listAccountLedger, listSuspensionCallbacks, recordSuspensionCallbackOutcome } from '../../../api/suspensions';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import StaffAreaPicker from '../staff-area-picker';
import { staffErrorText } from '../staff-forms';
import StaffPager from '../staff-pager';
import StaffShell from '../staff-shell';
import { useStaffProfile } from '../staff-session';
import './index.scss';
import Button from '../../../components/button';

const PAGE_SIZE = 20;
/** Balance entries shown under a task (the newest). */
const LEDGER_SIZE = 20;
type Overdue = 'all' | 'overdue';
const overdueOptions: { value: Overdue; label: string }[] = [
  { value: 'all', label: '全部' },
  { value: 'overdue', label: '仅逾期' },
];

/**
 * The callbacks of accounts suspended for arrears (停机用户回访): the queue (soonest due first,
 * by status, area and overdue), what each call found, and each account's balance history.
 */
export default function StaffSuspensionsPage() {
  const [status, setStatus] = useState<SuspensionCallbackStatus>('open');
  const [area, setArea] = useState('');
  const [overdue, setOverdue] = useState<Overdue>('all');
  const [page, setPage] = useState(1);
  const tasks = useAsync(
    () => listSuspensionCallbacks({ status, page, pageSize: PAGE_SIZE, ...(area ? { area } : {}), ...(overdue === 'overdue' ? { overdue: true } : {}) }),
    [status, area, overdue, page],
    { refreshOnShow: true },
  );
  const profile = useStaffProfile(tasks.error);
  const items = tasks.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((tasks.data?.total ?? 0) / PAGE_SIZE));
  // A new filter starts again from the first page.
  const firstPage = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setPage(1);
  };

  return (
    <StaffShell id="page-staff-suspensions" profile={profile} title="停机回访" section="suspensions">
      <Section title="筛选" className="staff-filters">
        <View className="staff-filters__row">
          <View className="staff-filters__label">状态</View>
          <ChoiceChips idPrefix="suspensions-status" options={suspensionCallbackStatuses.map((s) => ({ value: s, label: suspensionCallbackStatusNames[s] }))} value={status} onChange={firstPage(setStatus)} />
        </View>
        <View className="staff-filters__row">
          <View className="staff-filters__label">片区</View>
          <StaffAreaPicker id="suspensions-area" allLabel="全部片区" value={area} onChange={firstPage(setArea)} />
        </View>
        <View className="staff-filters__row">
          <View className="staff-filters__label">到期</View>
          <ChoiceChips idPrefix="suspensions-overdue" options={overdueOptions} value={overdue} onChange={firstPage(setOverdue)} />
        </View>
      </Section>
      <Section title={`欠费停机回访（${tasks.data?.total ?? 0}）· 按到期时间排序`}>
        <View className="muted">
          欠费停机后{SUSPENSION_CALLBACK_RULES.callWithinHours}小时内回访；未接通 {SUSPENSION_CALLBACK_RULES.retryAfterHours} 小时后再次安排，最多 {SUSPENSION_CALLBACK_RULES.maxAttempts} 次；停机期间已复机的无需回访。
        </View>
        <StateView loading={tasks.loading} error={tasks.error} empty={items.length === 0} emptyText="没有停机回访任务" onRetry={() => void tasks.reload()}>
          {items.map((task) => (
            <SuspensionTask key={task.id} task={task} onDone={() => void tasks.reload()} />
          ))}
          <StaffPager id="suspensions" page={page} pages={pages} onPage={setPage} />
        </StateView>
      </Section>
    </StaffShell>
  );
}

/** One task: the account and its arrears, the call's outcome form while open, and the balance history on demand. */
function SuspensionTask({ task, onDone }: { task: SuspensionCallbackView; onDone: () => void }) {
  const [outcome, setOutcome] = useState<SuspensionCallbackOutcome>();
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [showLedger, setShowLedger] = useState(false);

  const submit = async () => {
    setError('');
    const parsed = recordSuspensionCallbackSchema.safeParse({ outcome, note });
    if (!parsed.success) {
      setError(outcome ? (parsed.error.issues[0]?.message ?? '请检查填写的内容') : '请选择回访结果');
      return;
    }
    setBusy(true);
    try {
      await recordSuspensionCallbackOutcome(task.id, parsed.data);
      onDone();
    } catch (err) {
      // Someone else recorded it first (CALLBACK_CLOSED), or the account was restored meanwhile.
      setError(staffErrorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <View className={`queue-row callback-task suspension-task${task.overdue ? ' queue-row--breached' : ' queue-row--ok'}`} id={`suspension-${task.id}`}>
      <View className="callback-task__info">
        <View className="queue-row__main">
          <View className="queue-row__id">户号 {task.accountNo}</View>
          <View>{task.holderName}</View>
          <View className="tag tag--off">{task.areaName}</View>
          {task.status === 'open' && (
            <View className={task.overdue ? 'field__error' : 'muted'}>
              {task.overdue ? '已逾期' : '截止'} {formatDateTime(task.dueAt)}
            </View>
          )}
          {task.late && <View className="tag callback-task__late">超过{SUSPENSION_CALLBACK_RULES.callWithinHours}小时</View>}
        </View>
        <View className="muted">
          电话 {task.phone} · 停机于 {formatDateTime(task.suspendedAt)} · 已拨打 {task.attempts}/{task.maxAttempts} 次
        </View>
        <View>
          余额 {fenToYuan(task.balanceFen)} 元
          {task.arrearsFen > 0 && <View className="suspension-task__money">欠费 {formatYuan(task.arrearsFen)}</View>}
        </View>
        {task.status !== 'open' && (
          <View className="muted suspension-task__result">
            {suspensionCallbackStatusNames[task.status]}
            {task.outcome && task.outcome !== 'unreachable' ? `：${suspensionCallbackOutcomeNames[task.outcome]}` : ''}
            {task.note ? `（${task.note}）` : ''}
            {task.completedAt ? ` · ${formatDateTime(task.completedAt)}` : ''}
          </View>
        )}
        <Button className="btn-plain suspension-task__ledger-toggle" size="mini" onClick={() => setShowLedger(!showLedger)}>
          {showLedger ? '收起余额明细' : '余额明细'}
        </Button>
        {showLedger && <AccountLedger accountId={task.accountId} />}
      </View>
      {task.status === 'open' && (
        <View className="callback-task__form">
          <ChoiceChips
            idPrefix={`suspension-${task.id}-outcome`}
            options={suspensionCallbackOutcomes.map((o) => ({ value: o, label: suspensionCallbackOutcomeNames[o] }))}
            value={outcome}
            onChange={setOutcome}
          />
          {outcome === 'unreachable' && (
            <View className="muted">
              未接通将在 {SUSPENSION_CALLBACK_RULES.retryAfterHours} 小时后再次安排回访（第 {task.attempts + 1}/{task.maxAttempts} 次）
            </View>
          )}
          <Textarea className="tickets-textarea tickets-gap callback-task__note" maxlength={500} placeholder="回访备注（选填）" value={note} onInput={(e) => setNote(e.detail.value)} />
          {error && <View className="field__error suspension-task__error">{error}</View>}
          <Button className="btn-primary tickets-gap callback-task__submit" size="mini" loading={busy} disabled={busy} onClick={() => void submit()}>
            记录回访结果
          </Button>
        </View>
      )}
    </View>
  );
}

/** The account's balance history for staff (`GET /staff/accounts/:id/ledger`), newest first. */
function AccountLedger({ accountId }: { accountId: number }) {
  const ledger = useAsync(() => listAccountLedger(accountId, { pageSize: LEDGER_SIZE }), [accountId]);
  const entries = ledger.data?.items ?? [];
  return (
    <View className="suspension-ledger" id={`ledger-${accountId}`}>
      <StateView loading={ledger.loading} error={ledger.error} empty={entries.length === 0} emptyText="没有余额变动记录" onRetry={() => void ledger.reload()}>
        <View className="staff-table">
          <View className="staff-table__row staff-table__row--head">
            <View className="staff-table__cell">时间</View>
            <View className="staff-table__cell">类型</View>
            <View className="staff-table__cell">说明</View>
            <View className="staff-table__cell">金额（元）</View>
            <View className="staff-table__cell">变动后余额</View>
          </View>
          {entries.map((e) => (
            <View key={e.id} className="staff-table__row ledger-row" id={`ledger-entry-${e.id}`}>
              <View className="staff-table__cell">{formatDateTime(e.occurredAt)}</View>
              <View className="staff-table__cell">{ledgerEntryKindNames[e.kind]}</View>
              <View className="staff-table__cell">{e.description}</View>
              <View className="staff-table__cell">{e.amountFen > 0 ? `+${fenToYuan(e.amountFen)}` : fenToYuan(e.amountFen)}</View>
              <View className="staff-table__cell">{e.balanceAfterFen === null ? '—' : fenToYuan(e.balanceAfterFen)}</View>
            </View>
          ))}
        </View>
        {(ledger.data?.total ?? 0) > entries.length && <View className="muted">仅显示最近 {entries.length} 条，共 {ledger.data?.total} 条</View>}
      </StateView>
    </View>
  );
}
