import { DUE_SOON_HOURS, type Page, type StaffTicketQuery, type StaffTicketView } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { placeholders } from '../../read-db';
import type { Staff } from './ticket-access';
import { FACT_HINTS, HOUR_MS, OPEN_STATUSES, QUEUE_KEY, type HintedTicket } from './ticket-clocks';
import type { TicketViews } from './ticket-views';
import { Ticket } from './ticket.entity';

/**
 * The queue's ORDER BY for the order asked (fixed text, never the query's own): each is walked
 * per status from its index (`ticket_queue_idx`, `ticket_last_event_idx`, `ticket_status_id_idx`
 * and their area variants), the ticket number breaking ties in the same direction.
 */
function queueOrder(query: Pick<StaffTicketQuery, 'sort' | 'dir'>): { ordered: string; column: string | null } {
  const dir = query.dir === 'desc' ? ' desc' : '';
  const column = query.sort === 'last_change' ? 'last_event_at' : query.sort === 'id' ? null : 'queue_key';
  return { ordered: column ? `order by \`${column}\`${dir}, \`id\`${dir}` : `order by \`id\`${dir}`, column };
}

/** The staff queue (工单队列): open and resolved tickets, filtered and sorted over the whole queue, a page at a time. */
export class TicketQueue {
  constructor(
    private readonly deps: AppDeps,
    private readonly views: TicketViews,
  ) {}

  private now(): Date {
    return this.deps.clock.now();
  }

  /**
   * The staff queue, sorted by deadline (soonest first; paused tickets by the time they had left,
   * after the running ones; clocks that cannot be computed first; no-clock tickets last) or, when
   * asked (`sort`, `dir`), by last change or ticket number, over the whole queue (queueOrder), served
   * from the stored clock (`queue_key`, `deadline_at`) and the `(status, queue_key, id)` index: per
   * status, the first rows of the page in order (an index walk), merged and cut to the page; the
   * total by COUNT. Filters are SQL as before, the risk filters on the stored clock too.
   */
  async listQueue(staff: Staff, query: StaffTicketQuery): Promise<Page<StaffTicketView>> {
    const statuses: string[] = query.status ? [query.status] : OPEN_STATUSES.concat('resolved');
    const conditions: string[] = [];
    const params: (string | number)[] = [];
    if (query.type) {
      conditions.push('`type` = ?');
      params.push(query.type);
    }
    if (query.area) {
      conditions.push('`area` = ?');
      params.push(query.area);
    }
    if (query.assigned === 'unclaimed') conditions.push('`owner_staff_id` is null');
    if (query.assigned === 'mine') {
      conditions.push('(`owner_staff_id` = ? or `handler_staff_id` = ?)');
      params.push(staff.staffId, staff.staffId);
    }
    // The risk filters, as the clock judges them (QUEUE_KEY), per status: an open ticket's stored
    // deadline is running (resolved_at is null while open), so "overdue" and "due within" are a
    // range of its key in the index; a resolved or closed one was late if resolved after its
    // deadline, and is never due soon. Paused and no-clock keys lie above any deadline, the
    // unknown one below.
    const now = this.now().getTime();
    const dueBy = now + (query.dueWithinHours ?? DUE_SOON_HOURS) * HOUR_MS;
    const riskOf = (status: string): { sql: string; params: number[] } | null => {
      const done = status === 'resolved' || status === 'closed';
      if (query.risk === 'breached') return done ? { sql: ' and `deadline_at` < `resolved_at`', params: [] } : { sql: ' and `queue_key` > ? and `queue_key` < ?', params: [QUEUE_KEY.UNKNOWN, now] };
      if (query.risk === 'due_soon') return done ? null : { sql: ' and `queue_key` >= ? and `queue_key` <= ?', params: [now, dueBy] };
      if (query.risk === 'unknown') return { sql: ' and `queue_key` = ?', params: [QUEUE_KEY.UNKNOWN] };
      if (query.dueWithinHours !== undefined) return done ? null : { sql: ' and `queue_key` > ? and `queue_key` <= ?', params: [QUEUE_KEY.UNKNOWN, dueBy] };
      return { sql: '', params: [] };
    };
    const filters = conditions.map((c) => ` and ${c}`).join('');
    // Each status with what it is filtered on: one `where` each, which the index answers.
    const wheres = statuses.flatMap((status) => {
      const risk = riskOf(status);
      return risk ? [{ sql: `\`status\` = ?${filters}${risk.sql}`, params: [status, ...params, ...risk.params] }] : [];
    });
    const offset = (query.page - 1) * query.pageSize;
    const { readDb } = this.deps;
    let pageRows: Array<{ id: number }> = [];
    let total = 0;
    if (wheres.length > 0) {
      // One status walks the index in order; several are each walked for the rows up to the
      // page's end and merged (an IN list over the index would read and sort every open ticket).
      // The total is the sum of each status's count, each a range of the index.
      const { ordered, column } = queueOrder(query);
      const [page, counted] = await Promise.all([
        wheres.length === 1
          ? readDb.rows<{ id: number }>(`select \`id\` from \`ticket\` where ${wheres[0].sql} ${ordered} limit ? offset ?`, [...wheres[0].params, query.pageSize, offset])
          : readDb.rows<{ id: number }>(
              `select \`id\` from (${wheres.map((w, i) => `select * from (select \`id\`${column ? `, \`${column}\`` : ''} from \`ticket\` where ${w.sql} ${ordered} limit ?) as \`s${i}\``).join(' union all ')}) as \`q\` ${ordered} limit ? offset ?`,
              [...wheres.flatMap((w) => [...w.params, offset + query.pageSize]), query.pageSize, offset],
            ),
        readDb.rows<{ n: number | string }>(
          `select ${wheres.map((w) => `(select count(*) from \`ticket\` where ${w.sql})`).join(' + ')} as \`n\``,
          wheres.flatMap((w) => w.params),
        ),
      ]);
      pageRows = page;
      total = Number(counted[0].n);
    }
    const pageIds = pageRows.map((r) => Number(r.id));
    const tickets = pageIds.length
      ? ((await readDb.entities(Ticket, `select *, ${FACT_HINTS} from \`ticket\` where \`id\` in (${placeholders(pageIds.length)})`, pageIds)) as HintedTicket[])
      : [];
    const byId = new Map(tickets.map((t) => [t.id, t]));
    const [loaded, accounts] = await Promise.all([this.views.loadFacts(tickets), this.views.loadAccounts(tickets)]);
    const facts = { ...loaded, accounts };
    // Each as the second read finds it (tickets are never deleted, so every one is found).
    const items = pageIds.flatMap((id) => {
      const t = byId.get(id);
      return t ? [this.views.toStaffView(t, facts, false)] : [];
    });
    return { items, page: query.page, pageSize: query.pageSize, total };
  }
}
