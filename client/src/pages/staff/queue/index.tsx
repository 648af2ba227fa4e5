import { Button, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { maskPhone, ticketStatuses, ticketTypes, type StaffTicketQuery, type StaffTicketView, type TicketStatus, type TicketType } from '@openhall/shared';
import { useEffect, useState } from 'react';
import { getCalendarStatus, listQueue } from '../../../api/staff';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import TicketClock from '../../../components/ticket-clock';
import { formatPerson, ticketStatusLabels, ticketTypeLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import StaffShell from '../staff-shell';
import { useStaffProfile } from '../staff-session';

type Risk = 'all' | 'breached' | 'due_soon' | 'unknown';
type Assigned = 'all' | 'mine' | 'unclaimed';

const ALL = 'all' as const;
const typeOptions = [{ value: ALL, label: '全部' }, ...ticketTypes.map((t) => ({ value: t, label: ticketTypeLabels[t] }))];
const statusOptions = [{ value: ALL, label: '未办结' }, ...ticketStatuses.filter((s) => s !== 'cancelled').map((s) => ({ value: s, label: ticketStatusLabels[s] }))];
const riskOptions: { value: Risk; label: string }[] = [
  { value: 'all', label: '全部' },
  { value: 'breached', label: '已超时' },
  { value: 'due_soon', label: '4小时内到期' },
  { value: 'unknown', label: '时限待核实' },
];
const assignedOptions: { value: Assigned; label: string }[] = [
  { value: 'all', label: '全部' },
  { value: 'unclaimed', label: '待受理' },
  { value: 'mine', label: '我负责的' },
];

/** How often the queue refreshes itself while open: deadlines move and new tickets arrive. */
const REFRESH_MS = 60_000;

/** The row's colour: the clock's risk as the server judged it (`none` for a ticket without a clock). */
function queueRiskOf(t: StaffTicketView): string {
  return t.clock?.risk ?? 'none';
}

/** The ticket queue, soonest deadline first (the server's order), with SLA-risk colours and filters. */
export default function StaffQueuePage() {
  const [type, setType] = useState<TicketType | typeof ALL>(ALL);
  const [status, setStatus] = useState<TicketStatus | typeof ALL>(ALL);
  const [risk, setRisk] = useState<Risk>('all');
  const [assigned, setAssigned] = useState<Assigned>('all');
  const query: Partial<StaffTicketQuery> = {
    pageSize: 100,
    type: type === ALL ? undefined : type,
    status: status === ALL ? undefined : status,
    risk: risk === 'all' ? undefined : risk,
    assigned: assigned === 'all' ? undefined : assigned,
  };
  const queue = useAsync(() => listQueue(query), [type, status, risk, assigned], { refreshOnShow: true });
  // A calendar that runs out soon (or is provisional) makes working-day deadlines uncertain: said at the top.
  const calendar = useAsync(getCalendarStatus, []);
  const profile = useStaffProfile(queue.error);
  const items = queue.data?.items ?? [];

  const { reload } = queue;
  useEffect(() => {
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  return (
    <StaffShell id="page-staff-queue" profile={profile} title="工单队列">
      {typeof calendar.data?.warning === 'string' && (
        <View id="queue-calendar-warning" className="staff-warning">
          节假日日历：{calendar.data.warning}。标有“※”的工作日时限按暂定或缺失的节假日安排计算。
        </View>
      )}
      <Section title="筛选" className="staff-filters">
        <View className="staff-filters__row">
          <View className="staff-filters__label">类型</View>
          <ChoiceChips idPrefix="queue-type" options={typeOptions} value={type} onChange={setType} />
        </View>
        <View className="staff-filters__row">
          <View className="staff-filters__label">状态</View>
          <ChoiceChips idPrefix="queue-status" options={statusOptions} value={status} onChange={setStatus} />
        </View>
        <View className="staff-filters__row">
          <View className="staff-filters__label">时限</View>
          <ChoiceChips idPrefix="queue-risk" options={riskOptions} value={risk} onChange={setRisk} />
        </View>
        <View className="staff-filters__row">
          <View className="staff-filters__label">归属</View>
          <ChoiceChips idPrefix="queue-assigned" options={assignedOptions} value={assigned} onChange={setAssigned} />
        </View>
      </Section>

      <Section
        title={`工单（${queue.data?.total ?? 0}）· 按到期时间排序`}
        extra={
          <Button id="queue-refresh" className="btn-plain" size="mini" onClick={() => void queue.reload()}>
            刷新
          </Button>
        }
      >
        <StateView loading={queue.loading} error={queue.error} empty={items.length === 0} emptyText="没有符合条件的工单" onRetry={() => void queue.reload()}>
          {items.map((t) => (
            <View
              key={t.id}
              id={`queue-ticket-${t.id}`}
              className={`queue-row queue-row--${queueRiskOf(t)}`}
              onClick={() => void Taro.navigateTo({ url: `/pages/staff/ticket/index?id=${t.id}` })}
            >
              <View className="queue-row__main">
                <View className="queue-row__id">#{t.id}</View>
                <View>{ticketTypeLabels[t.type]}</View>
                <View className="ticket-status">{ticketStatusLabels[t.status]}</View>
                <TicketClock clock={t.clock} compact staff />
                {t.escalatedAt && <View className="tag tag--off">已升级</View>}
              </View>
              <View className="queue-row__desc">{t.description}</View>
              <View className="muted">
                {t.area} · {maskPhone(t.contactPhone)} · {t.owner ? `负责人 ${formatPerson(t.owner)}` : '待受理'}
              </View>
            </View>
          ))}
        </StateView>
      </Section>
    </StaffShell>
  );
}
