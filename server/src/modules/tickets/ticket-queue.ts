import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
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

/**
 * How far the queue counts the tickets of a filter its kept counts do not answer (a filter on the
 * clock, or "mine"): past this the total is given as "at least" (`totalCapped`), so that the count
 * reads at most this many index entries however large the backlog.
 */
export const QUEUE_COUNT_CAP = 10_000;

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
   * status, the first rows of the page in order (an index walk), merged and cut to the page. The
   * total: for the filters the counts are kept by (status, area, type, unclaimed), a sum of a few
   * folded counts and the changes not folded yet (kept by triggers on every write, migration
   * 20261205235510; `foldQueueCounts`), so a page of the whole backlog does not count it; with a clock filter (overdue, due soon, unknown,
   * due within) or "mine", a COUNT of each status's range of the index up to QUEUE_COUNT_CAP
   * entries (beyond it the total is that many and `totalCapped`). Filters are SQL as before, the
   * risk filters on the stored clock too.
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
    // The kept counts answer the total when nothing but status, type, area and "unclaimed" filters it.
    const clockFiltered = query.risk !== undefined || query.dueWithinHours !== undefined;
    const kept: { sql: string; params: string[] } | null =
      clockFiltered || query.assigned === 'mine'
        ? null
        : {
            sql: `${query.type ? ' and `type` = ?' : ''}${query.area ? ' and `area` = ?' : ''}${query.assigned === 'unclaimed' ? ' and `unclaimed` = 1' : ''}`,
            params: [...(query.type ? [query.type] : []), ...(query.area ? [query.area] : [])],
          };
    let pageRows: Array<{ id: number }> = [];
    let total = 0;
    let capped = false;
    if (wheres.length > 0) {
      // One status walks the index in order; several are each walked for the rows up to the
      // page's end and merged (an IN list over the index would read and sort every open ticket).
      // The total is kept (above), or the sum of each status's count, each a range of the index.
      const { ordered, column } = queueOrder(query);
      const [page, counted] = await Promise.all([
        wheres.length === 1
          ? readDb.rows<{ id: number }>(`select \`id\` from \`ticket\` where ${wheres[0].sql} ${ordered} limit ? offset ?`, [...wheres[0].params, query.pageSize, offset])
          : readDb.rows<{ id: number }>(
              `select \`id\` from (${wheres.map((w, i) => `select * from (select \`id\`${column ? `, \`${column}\`` : ''} from \`ticket\` where ${w.sql} ${ordered} limit ?) as \`s${i}\``).join(' union all ')}) as \`q\` ${ordered} limit ? offset ?`,
              [...wheres.flatMap((w) => [...w.params, offset + query.pageSize]), query.pageSize, offset],
            ),
        kept
          ? readDb.rows<{ n: number | string | null }>(
              `select sum(\`n\`) as \`n\` from (${['ticket_queue_count', 'ticket_queue_count_change']
                .map((table) => `select \`n\` from \`${table}\` where \`status\` in (${placeholders(statuses.length)})${kept.sql}`)
                .join(' union all ')}) as \`k\``,
              [...statuses, ...kept.params, ...statuses, ...kept.params],
            )
          : readDb.rows<{ n: number | string }>(
              // Each status's range read up to one entry past the cap: enough to know it is passed.
              `select ${wheres.map((w, i) => `(select count(*) from (select 1 from \`ticket\` where ${w.sql} limit ?) as \`c${i}\`)`).join(' + ')} as \`n\``,
              wheres.flatMap((w) => [...w.params, QUEUE_COUNT_CAP + 1]),
            ),
      ]);
      pageRows = page;
      total = Number(counted[0]?.n ?? 0);
      if (!kept && total > QUEUE_COUNT_CAP) {
        total = QUEUE_COUNT_CAP;
        capped = true;
      }
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
    return { items, page: query.page, pageSize: query.pageSize, total, ...(capped ? { totalCapped: true as const } : {}) };
  }

  /**
   * Folds the change rows the ticket triggers append (`ticket_queue_count_change`, oldest first, up
   * to `limit`) into the counts (`ticket_queue_count`), in one transaction: the rows are summed per
   * key, added, and deleted, so a total (counts plus changes) is the same before and after. On MySQL
   * the rows are read with a locking read at READ COMMITTED: it waits for a change whose transaction
   * has not committed yet (and skips it if that rolls back) without locking the gap new changes go
   * into, so writers never wait on the fold, and two instances folding at once fold each row once.
   * How many change rows it folded.
   */
  async foldQueueCounts(limit = 5_000): Promise<number> {
    const mysql = this.deps.config.db.type === 'mysql';
    const fold = async (tx: EntityManager): Promise<number> => {
      const rows = await tx.execute<Array<QueueCountRow & { id: number }>>(
        `select \`id\`, \`status\`, \`area\`, \`type\`, \`unclaimed\`, \`n\` from \`ticket_queue_count_change\` order by \`id\` limit ?${mysql ? ' for update' : ''}`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const sums = new Map<string, { row: QueueCountRow; n: number }>();
      for (const r of rows) {
        const key = `${r.status}|${r.area}|${r.type}|${Number(r.unclaimed)}`;
        const s = sums.get(key) ?? { row: r, n: 0 };
        s.n += Number(r.n);
        sums.set(key, s);
      }
      for (const { row, n } of sums.values()) {
        if (n === 0) continue;
        await tx.execute(
          'insert into `ticket_queue_count` (`status`, `area`, `type`, `unclaimed`, `n`) values (?, ?, ?, ?, ?) ' +
            (mysql ? 'on duplicate key update `n` = `n` + values(`n`)' : 'on conflict (`status`, `area`, `type`, `unclaimed`) do update set `n` = `n` + excluded.`n`'),
          [row.status, row.area, row.type, Number(row.unclaimed), n],
        );
      }
      const ids = rows.map((r) => Number(r.id));
      for (let i = 0; i < ids.length; i += 1_000) {
        const chunk = ids.slice(i, i + 1_000);
        await tx.execute(`delete from \`ticket_queue_count_change\` where \`id\` in (${placeholders(chunk.length)})`, chunk);
      }
      return rows.length;
    };
    const em = this.deps.orm.em.fork();
    return mysql ? em.transactional(fold, { isolationLevel: IsolationLevel.READ_COMMITTED }) : em.transactional(fold);
  }

  /**
   * Where the kept counts (folded and not yet) differ from a COUNT of the tickets (the check the
   * tests and the ticket bench run): each key whose kept count is not the counted one.
   */
  async queueCountDrift(): Promise<Array<{ key: string; kept: number; counted: number }>> {
    const { readDb } = this.deps;
    const [kept, counted] = await Promise.all([
      readDb.rows<QueueCountRow>(
        'select `status`, `area`, `type`, `unclaimed`, sum(`n`) as `n` from (select `status`, `area`, `type`, `unclaimed`, `n` from `ticket_queue_count` ' +
          'union all select `status`, `area`, `type`, `unclaimed`, `n` from `ticket_queue_count_change`) as `k` group by `status`, `area`, `type`, `unclaimed`',
        [],
      ),
      readDb.rows<QueueCountRow>(
        'select `status`, `area`, `type`, case when `owner_staff_id` is null then 1 else 0 end as `unclaimed`, count(*) as `n` from `ticket` ' +
          'group by `status`, `area`, `type`, case when `owner_staff_id` is null then 1 else 0 end',
        [],
      ),
    ]);
    const keyOf = (r: QueueCountRow) => `${r.status}|${r.area}|${r.type}|${Number(r.unclaimed)}`;
    const want = new Map(counted.map((r) => [keyOf(r), Number(r.n)]));
    const have = new Map(kept.map((r) => [keyOf(r), Number(r.n)]));
    return [...new Set([...want.keys(), ...have.keys()])]
      .map((key) => ({ key, kept: have.get(key) ?? 0, counted: want.get(key) ?? 0 }))
      .filter((d) => d.kept !== d.counted);
  }
}

/** A row of `ticket_queue_count`, or a COUNT grouped the same way. */
type QueueCountRow = { status: string; area: string; type: string; unclaimed: number | string; n: number | string };
