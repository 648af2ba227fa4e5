import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { DUE_SOON_HOURS, maskPhone, staffQueueSorts, ticketChannelLabels, ticketStatuses, ticketTypes, type StaffLiveTicketEvent, type StaffQueueSort, type StaffTicketQuery, type StaffTicketView, type TicketStatus, type TicketType } from '@openhall/shared';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { claimTicket, getCalendarStatus, listQueue } from '../../../api/staff';
import StateView from '../../../components/state-view';
import TicketClock from '../../../components/ticket-clock';
import { formatDateTime, formatPerson, ticketStatusLabels, ticketTypeLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import { staffErrorText } from '../staff-forms';
import StaffPager from '../staff-pager';
import StaffShell from '../staff-shell';
import { resetNewTickets, useStaffLive } from '../staff-live';
import { STAFF_NEW_TICKET_URL, useStaffProfile } from '../staff-session';
import { readPageQuery, writePageQuery } from '../staff-url';
import Button from '../../../components/button';

type Risk = 'breached' | 'due_soon' | 'unknown';
type Assigned = 'mine' | 'unclaimed';
/** The orders the server sorts the whole queue by (from an index each); `deadline` is the default. */
type SortKey = StaffQueueSort;
type SortDir = 'asc' | 'desc';

const PAGE_SIZE = 100;

const typeOptions: { value: TicketType | ''; label: string }[] = [{ value: '', label: '全部类型' }, ...ticketTypes.map((t) => ({ value: t, label: ticketTypeLabels[t] }))];
const statusOptions: { value: TicketStatus | ''; label: string }[] = [
  { value: '', label: '未办结' },
  ...ticketStatuses.filter((s) => s !== 'cancelled').map((s) => ({ value: s, label: ticketStatusLabels[s] })),
];
const riskOptions: { value: Risk | ''; label: string }[] = [
  { value: '', label: '全部时限' },
  { value: 'breached', label: '已超时' },
  { value: 'due_soon', label: `${DUE_SOON_HOURS}小时内到期` },
  { value: 'unknown', label: '时限待核实' },
];
const assignedOptions: { value: Assigned | ''; label: string }[] = [
  { value: '', label: '全部归属' },
  { value: 'unclaimed', label: '待受理' },
  { value: 'mine', label: '我负责的' },
];

/** The table's columns; `sort`: the server order its heading sorts by, and the direction of a first click. */
const columns: { title: string; sort?: { key: SortKey; first: SortDir } }[] = [
  { title: '工单号', sort: { key: 'id', first: 'asc' } },
  { title: '类型' },
  { title: '来源' },
  { title: '状态' },
  { title: '承诺时限', sort: { key: 'deadline', first: 'asc' } },
  { title: '片区' },
  { title: '户号' },
  { title: '用户' },
  { title: '负责人' },
  { title: '最近变化', sort: { key: 'last_change', first: 'desc' } },
];

/** How often the queue refreshes itself while open: deadlines move (new tickets and changes arrive live). */
const REFRESH_MS = 60_000;
/** Live changes that arrive together (a burst of filings) reload the list once. */
const LIVE_RELOAD_DELAY_MS = 400;

/** The row's colour: the clock's risk as the server judged it (`none` for a ticket without a clock). */
function queueRiskOf(t: StaffTicketView): string {
  return t.clock?.risk ?? 'none';
}

/** The filters and order as the address holds them; anything unknown there is ignored. */
function initialState() {
  const q = readPageQuery();
  const pick = <T extends string>(value: string | undefined, allowed: readonly { value: T | '' }[]): T | '' => (allowed.some((o) => o.value === value) ? (value as T) : '');
  const sort = (staffQueueSorts as readonly string[]).includes(q.sort ?? '') ? (q.sort as SortKey) : 'deadline';
  return {
    type: pick(q.type, typeOptions),
    status: pick(q.status, statusOptions),
    risk: pick(q.risk, riskOptions),
    assigned: pick(q.assigned, assignedOptions),
    sort,
    dir: (q.dir === 'desc' ? 'desc' : 'asc') as SortDir,
    page: Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1),
  };
}

/** A key press that belongs to a field being typed in, not to the queue. */
function typingIn(target: EventTarget | null): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean } | null;
  return !!el && (el.isContentEditable === true || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName ?? ''));
}

/**
 * The ticket queue as a table: soonest deadline first, or by ticket number or last change (each
 * sorted by the server over the whole queue, not just the page shown),
 * coloured by SLA risk, filtered in one bar, the filters and order kept in the address. From the
 * keyboard: j / ↓ next, k / ↑ previous, Enter opens, c claims the selected ticket.
 */
export default function StaffQueuePage() {
  const [state, setState] = useState(initialState);
  const { type, status, risk, assigned, sort, dir, page } = state;
  const query: Partial<StaffTicketQuery> = {
    page,
    pageSize: PAGE_SIZE,
    type: type || undefined,
    status: status || undefined,
    risk: risk || undefined,
    assigned: assigned || undefined,
    ...(sort === 'deadline' && dir === 'asc' ? {} : { sort, dir }),
  };
  const queue = useAsync(() => listQueue(query), [type, status, risk, assigned, sort, dir, page], { refreshOnShow: true });
  // A calendar that runs out soon (or is provisional) makes working-day deadlines uncertain: said at the top.
  const calendar = useAsync(getCalendarStatus, []);
  const profile = useStaffProfile(queue.error);
  const [selected, setSelected] = useState<number | null>(null);
  const [notice, setNotice] = useState('');

  const items = useMemo(() => queue.data?.items ?? [], [queue.data]);

  useEffect(() => {
    writePageQuery({ type, status, risk, assigned, sort: sort === 'deadline' ? undefined : sort, dir: dir === 'desc' ? dir : undefined, page: page > 1 ? String(page) : undefined });
  }, [type, status, risk, assigned, sort, dir, page]);

  const { reload } = queue;
  useEffect(() => {
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const setFilter = (patch: Partial<ReturnType<typeof initialState>>) => setState((s) => ({ ...s, page: 1, ...patch }));
  const sortBy = ({ key, first }: { key: SortKey; first: SortDir }) =>
    setState((s) => ({ ...s, page: 1, sort: key, dir: s.sort === key ? (s.dir === 'asc' ? 'desc' : 'asc') : first }));
  const open = (id: number) => void Taro.navigateTo({ url: `/pages/staff/ticket/index?id=${id}` });

  const claim = useCallback(
    async (id: number) => {
      setNotice('');
      try {
        await claimTicket(id);
        setNotice(`已受理工单 #${id}`);
        await reload();
      } catch (err) {
        setNotice(`工单 #${id}：${staffErrorText(err)}`);
      }
    },
    [reload],
  );

  // The keyboard works on the rows as shown (sorted); the selection follows a ticket, not a position.
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  // Live: a committed change to a ticket on this page, or one that this page's filters would show,
  // reloads the list (the server orders and filters it); the badge counts new tickets from this load.
  useEffect(() => resetNewTickets(), []);
  const liveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (liveTimer.current && clearTimeout(liveTimer.current)), []);
  const reloadSoon = () => {
    if (liveTimer.current) return;
    liveTimer.current = setTimeout(() => {
      liveTimer.current = null;
      void reload();
    }, LIVE_RELOAD_DELAY_MS);
  };
  const concerns = (e: StaffLiveTicketEvent) =>
    itemsRef.current.some((t) => t.id === e.ticketId) || ((!type || e.type === type) && (status ? e.status === status : e.status !== 'closed' && e.status !== 'cancelled') && (assigned !== 'mine' || !e.created));
  const live = useStaffLive({ onTicket: (e) => concerns(e) && reloadSoon(), onResync: reloadSoon });

  useEffect(() => {
    if (typeof document === 'undefined') return undefined;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
      const rows = itemsRef.current;
      if (rows.length === 0) return;
      const at = rows.findIndex((t) => t.id === selectedRef.current);
      const move = (to: number) => {
        const id = rows[Math.min(rows.length - 1, Math.max(0, to))].id;
        setSelected(id);
        const el = document.getElementById(`queue-ticket-${id}`) as (HTMLElement & { scrollIntoView?: (o: unknown) => void }) | null;
        el?.scrollIntoView?.({ block: 'nearest' });
      };
      if (e.key === 'j' || e.key === 'ArrowDown') move(at < 0 ? 0 : at + 1);
      else if (e.key === 'k' || e.key === 'ArrowUp') move(at < 0 ? 0 : at - 1);
      else if (e.key === 'Enter' && at >= 0) open(rows[at].id);
      else if (e.key === 'c' && at >= 0) void claim(rows[at].id);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [claim]);

  const total = queue.data?.total ?? 0;
  const select = <T extends string>(id: string, label: string, value: T | '', options: { value: T | ''; label: string }[], onChange: (v: T | '') => void) => (
    <label className="queue-bar__field">
      <span className="queue-bar__label">{label}</span>
      <select id={id} className="queue-bar__select" value={value} onChange={(e) => onChange(e.target.value as T | '')}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <StaffShell id="page-staff-queue" profile={profile} title="工单队列">
      {typeof calendar.data?.warning === 'string' && (
        <View id="queue-calendar-warning" className="staff-warning">
          节假日日历：{calendar.data.warning}。标有“※”的工作日时限按暂定或缺失的节假日安排计算。
        </View>
      )}
      <View className="queue-bar" id="queue-filters">
        {select('queue-type', '类型', type, typeOptions, (v) => setFilter({ type: v }))}
        {select('queue-status', '状态', status, statusOptions, (v) => setFilter({ status: v }))}
        {select('queue-risk', '时限', risk, riskOptions, (v) => setFilter({ risk: v }))}
        {select('queue-assigned', '归属', assigned, assignedOptions, (v) => setFilter({ assigned: v }))}
        <View className="queue-bar__count" id="queue-total">
          共 {queue.data?.totalCapped ? `${total.toLocaleString('en')} 张以上（请缩小筛选范围）` : `${total} 张`}
          {sort === 'deadline' && dir === 'asc' ? '，按到期时间排序' : ''}
        </View>
        <View className="queue-bar__keys muted">键盘：j/k 上下，Enter 打开，c 受理</View>
        <Button
          id="queue-refresh"
          className="btn-plain"
          size="mini"
          onClick={() => {
            resetNewTickets();
            void queue.reload();
          }}
        >
          刷新
        </Button>
        <Button id="queue-new-ticket" className="btn-primary" size="mini" onClick={() => void Taro.navigateTo({ url: STAFF_NEW_TICKET_URL })}>
          新建工单
        </Button>
      </View>
      {notice && (
        <View id="queue-notice" className="staff-warning">
          {notice}
        </View>
      )}

      <View className="section queue-list">
        <StateView loading={queue.loading} error={queue.error} empty={items.length === 0} emptyText="没有符合条件的工单" onRetry={() => void queue.reload()}>
          <View className="staff-table queue-table" id="queue-table">
            <View className="staff-table__row staff-table__row--head">
              {columns.map((c) => {
                const on = c.sort !== undefined && sort === c.sort.key;
                return (
                  <View
                    key={c.title}
                    id={c.sort ? `queue-sort-${c.sort.key}` : undefined}
                    className={`staff-table__cell${c.sort ? ' queue-table__sortable' : ''}${on ? ` queue-table__sorted--${dir}` : ''}`}
                    onClick={c.sort ? () => sortBy(c.sort!) : undefined}
                  >
                    {c.title}
                    {on ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
                  </View>
                );
              })}
            </View>
            {items.map((t) => (
              <View
                key={t.id}
                id={`queue-ticket-${t.id}`}
                className={`staff-table__row queue-row queue-row--${queueRiskOf(t)}${t.id === selected ? ' queue-row--selected' : ''}`}
                onClick={() => open(t.id)}
              >
                <View className="staff-table__cell queue-row__id">
                  #{t.id}
                  {live.newTicketIds.has(t.id) && <View className="tag queue-row__new">新</View>}
                  {t.urgeCount > 0 && t.resolvedAt === null && (
                    <View className="tag queue-row__urged" aria-label={t.lastUrgedAt ? `用户已催办 ${t.urgeCount} 次，最近 ${formatDateTime(t.lastUrgedAt)}` : undefined}>
                      催办{t.urgeCount > 1 ? ` ×${t.urgeCount}` : ''}
                    </View>
                  )}
                  {t.escalatedAt && <View className="tag tag--off">已升级</View>}
                </View>
                <View className="staff-table__cell">{ticketTypeLabels[t.type]}</View>
                <View className={`staff-table__cell queue-row__channel queue-row__channel--${t.channel}`}>{ticketChannelLabels[t.channel]}</View>
                <View className="staff-table__cell ticket-status">{ticketStatusLabels[t.status]}</View>
                <View className="staff-table__cell queue-row__clock">
                  <TicketClock clock={t.clock} compact staff />
                </View>
                <View className="staff-table__cell queue-row__area">{t.areaName}</View>
                <View className="staff-table__cell queue-row__account">{t.accountNo}</View>
                <View className="staff-table__cell queue-row__who">
                  {t.holderNameMasked} {maskPhone(t.contactPhone)}
                </View>
                <View className="staff-table__cell">{t.owner ? formatPerson(t.owner) : '待受理'}</View>
                <View className="staff-table__cell queue-row__updated">{formatDateTime(t.lastChangeAt)}</View>
              </View>
            ))}
          </View>
          <StaffPager id="queue-pager" page={page} pages={Math.ceil(total / PAGE_SIZE)} onPage={(p) => setState((s) => ({ ...s, page: p }))} />
        </StateView>
      </View>
    </StaffShell>
  );
}
