import { Textarea, View } from '@tarojs/components';
import {
  callbackOutcomes,
  callbackStatuses,
  CALLBACK_RULES,
  ratingReasonNames,
  recordCallbackSchema,
  type CallbackOutcome,
  type CallbackStatus,
  type CallbackTaskView,
} from '@openhall/shared';
import { useState } from 'react';
import { errorMessageOf } from '../../../api/errors';
import { listCallbacks, recordCallbackOutcome } from '../../../api/staff';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime, ticketTypeLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import StaffShell from '../staff-shell';
import { useStaffProfile } from '../staff-session';
import Button from '../../../components/button';

const statusLabels: Record<CallbackStatus, string> = { open: '待回访', done: '已回访', unreachable: '无法联系', rated: '用户已评价' };
const outcomeLabels: Record<CallbackOutcome, string> = { satisfied: '满意', not_satisfied: '不满意', not_fixed: '问题未解决（重新处理）', unreachable: '未接通' };
const reasonLabels: Record<CallbackTaskView['reason'], string> = { low_rating: '低分评价', not_rated: `${CALLBACK_RULES.callbackOpensAfterHours}小时未评价` };

/** Callback tasks (回访) and recording what the phone call found. */
export default function StaffCallbacksPage() {
  const [status, setStatus] = useState<CallbackStatus>('open');
  const tasks = useAsync(() => listCallbacks({ status, pageSize: 100 }), [status], { refreshOnShow: true });
  const profile = useStaffProfile(tasks.error);
  const items = tasks.data?.items ?? [];

  return (
    <StaffShell id="page-staff-callbacks" profile={profile} title="回访任务" section="callbacks">
      <Section title="筛选">
        <ChoiceChips idPrefix="callbacks-status" options={callbackStatuses.map((s) => ({ value: s, label: statusLabels[s] }))} value={status} onChange={setStatus} />
      </Section>
      <Section title={`回访任务（${tasks.data?.total ?? 0}）· 按到期时间排序`}>
        <StateView loading={tasks.loading} error={tasks.error} empty={items.length === 0} emptyText="没有回访任务" onRetry={() => void tasks.reload()}>
          {items.map((task) => (
            <CallbackTask key={task.id} task={task} onDone={() => void tasks.reload()} />
          ))}
        </StateView>
      </Section>
    </StaffShell>
  );
}

function CallbackTask({ task, onDone }: { task: CallbackTaskView; onDone: () => void }) {
  const [outcome, setOutcome] = useState<CallbackOutcome>();
  const [stars, setStars] = useState<number>();
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setError('');
    const parsed = recordCallbackSchema.safeParse({ outcome, note, ...(stars && outcome !== 'unreachable' ? { stars } : {}) });
    if (!parsed.success) {
      setError(outcome ? (parsed.error.issues[0]?.message ?? '请检查填写的内容') : '请选择回访结果');
      return;
    }
    setBusy(true);
    try {
      await recordCallbackOutcome(task.id, parsed.data);
      onDone();
    } catch (err) {
      setError(errorMessageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <View className={`queue-row callback-task${task.overdue ? ' queue-row--breached' : ' queue-row--ok'}`} id={`callback-${task.id}`}>
      <View className="callback-task__info">
        <View className="queue-row__main">
          <View className="queue-row__id">工单 #{task.ticketId}</View>
          <View>{ticketTypeLabels[task.ticketType]}</View>
          <View className="tag tag--off">{reasonLabels[task.reason]}</View>
          <View className={task.overdue ? 'field__error' : 'muted'}>
            {task.overdue ? '已逾期' : '截止'} {formatDateTime(task.dueAt)}
          </View>
          {task.late && <View className="tag callback-task__late">超过{CALLBACK_RULES.callbackWithinHours}小时</View>}
        </View>
        {task.rating && (
          <View className="callback-task__rating">
            {'★'.repeat(task.rating.stars)}
            {'☆'.repeat(5 - task.rating.stars)} {task.rating.reasons.map((r) => ratingReasonNames[r]).join('、')}
            {task.rating.comment ? `：${task.rating.comment}` : ''}
          </View>
        )}
        <View className="muted">
          {task.area} · 电话 {task.contactPhone} · 已拨打 {task.attempts}/{task.maxAttempts} 次 · 处理完成于 {formatDateTime(task.resolvedAt)}
        </View>
        {task.outcome && (
          <View className="muted">
            结果：{outcomeLabels[task.outcome]}
            {task.note ? `（${task.note}）` : ''}
          </View>
        )}
      </View>
      {task.status === 'open' && (
        <View className="callback-task__form">
          <ChoiceChips idPrefix={`callback-${task.id}-outcome`} options={callbackOutcomes.map((o) => ({ value: o, label: outcomeLabels[o] }))} value={outcome} onChange={setOutcome} />
          {outcome && outcome !== 'unreachable' && (
            <View className="tickets-gap">
              <ChoiceChips idPrefix={`callback-${task.id}-stars`} options={[1, 2, 3, 4, 5].map((n) => ({ value: n, label: `${n}星` }))} value={stars} onChange={setStars} />
            </View>
          )}
          {outcome === 'unreachable' && <View className="muted">未接通将在 {CALLBACK_RULES.retryAfterHours} 小时后再次安排回访</View>}
          <Textarea
            className="tickets-textarea tickets-gap callback-task__note"
            aria-label="回访备注"
            maxlength={500}
            placeholder={outcome === 'not_fixed' ? '用户反馈的未解决情况（必填）' : '回访备注（选填）'}
            value={note}
            onInput={(e) => setNote(e.detail.value)}
          />
          {error && <View className="field__error">{error}</View>}
          <Button className="btn-primary tickets-gap callback-task__submit" size="mini" loading={busy} disabled={busy} onClick={() => void submit()}>
            记录回访结果
          </Button>
        </View>
      )}
    </View>
  );
}
