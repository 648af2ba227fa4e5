import { randomUUID } from 'node:crypto';
import { LockMode, raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { businessDate, calendarStatus, createWorkCalendar, slaStatus, type CalendarStatusView, type SlaStatus, type TicketClockRisk, type WorkCalendar } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { placeholders } from '../../read-db';
import { enqueueWorkOrder } from '../../integrations/workorder/workorder.outbox';
import { TicketExtension } from './ticket-extension.entity';
import { TicketPause, type TicketPauseKind } from './ticket-pause.entity';
import { Ticket } from './ticket.entity';

/** A ticket's clock as the views take it: computed, or unknown because its stored facts are refused. */
export type TicketClock = Omit<SlaStatus, 'risk'> & { risk: TicketClockRisk };
/** What a clock that cannot be computed shows: no deadline, nothing judged, marked for attention. */
const UNKNOWN_CLOCK: TicketClock = Object.freeze({ deadline: null, paused: false, remainingMs: 0, breached: false, onTime: null, risk: 'unknown', pausedMs: 0 });
/**
 * Where the staff queue sorts a ticket (`queue_key`, stored with its deadline): clocks that cannot
 * be computed first (needing attention), then running ones by deadline (epoch ms), then paused
 * ones by the time they had left (PAUSED + ms), then those with no clock (cancelled). Every
 * deadline of a running clock lies between UNKNOWN and PAUSED, so one ascending column keeps the
 * order the queue always had, and `queue_key > 0 and queue_key < now` is "running and overdue".
 */
export const QUEUE_KEY = Object.freeze({ UNKNOWN: 0, PAUSED: 1e15, NONE: 9e15 });

/** A clock as stored on its ticket: its deadline and where the queue sorts it. */
export function storedClock(clock: TicketClock | null): { deadlineAt: Date | null; queueKey: number } {
  if (clock === null) return { deadlineAt: null, queueKey: QUEUE_KEY.NONE };
  if (clock.risk === 'unknown') return { deadlineAt: null, queueKey: QUEUE_KEY.UNKNOWN };
  // A pause whose end is known (a chosen visit) keeps the deadline known: the ticket queues by it.
  if (clock.deadline === null) return { deadlineAt: null, queueKey: QUEUE_KEY.PAUSED + clock.remainingMs };
  return { deadlineAt: clock.deadline, queueKey: clock.deadline.getTime() };
}

/** Open statuses: still being worked on, the clock may be running. */
export const OPEN_STATUSES: Ticket['status'][] = ['submitted', 'accepted', 'dispatched', 'en_route', 'on_site'];
export const HOUR_MS = 3_600_000;

/** What a ticket's clock is computed from, loaded for many tickets at once. */
export interface ClockFacts {
  pauses: Map<number, TicketPause[]>;
  extensions: Map<number, TicketExtension[]>;
}
/** What a ticket's clock is judged on (`clockOf`), read with FACT_HINTS or not. */
export type ClockTicket = Pick<Ticket, 'id' | 'status' | 'clockStartedAt' | 'targetAmount' | 'targetUnit' | 'resolvedAt'> &
  Partial<Pick<Ticket, 'deadlineAt' | 'queueKey'>> & { hasPauses?: unknown; hasExtensions?: unknown };
/** The columns of a ClockTicket: what the clock is computed from. */
const CLOCK_COLUMNS = '`id`, `status`, `clock_started_at`, `target_amount`, `target_unit`, `resolved_at`';
/** The clock columns and the stored clock (`judgeOnTime` takes the stored one where it has been computed). */
const STORED_CLOCK_COLUMNS = `${CLOCK_COLUMNS}, \`deadline_at\`, \`queue_key\``;
/** Tickets per transaction when stored clocks are recomputed in bulk (backfill, calendar change). */
export const CLOCK_BATCH = 500;
/**
 * Columns a ticket statement adds (`select *, ${FACT_HINTS} from ticket …`) so that `loadClockFacts`
 * skips the pauses and extensions of tickets that have none, which is most of them: for one ticket
 * (or a page of the queue) that spares the round trips.
 */
export const FACT_HINTS =
  'exists (select 1 from `ticket_pause` where `ticket_pause`.`ticket_id` = `ticket`.`id`) as `hasPauses`, ' +
  'exists (select 1 from `ticket_extension` where `ticket_extension`.`ticket_id` = `ticket`.`id`) as `hasExtensions`';
/** A whole ticket, read with FACT_HINTS or not (an entity). */
export type HintedTicket = Ticket & ClockTicket;
/** Whether a ticket may have such facts: only a hint read with it says it has none. */
const mayHave = (hint: unknown): boolean => hint === undefined || Number(hint) > 0;

/** Ids per IN list when reading facts of many tickets. */
const IN_CHUNK = 1_000;

/**
 * The commitment clock of tickets (承诺时限): computed from a ticket's start, target, pauses and
 * approved extensions on the holiday calendar (`clockOf`), stored on its row (`deadline_at`,
 * `queue_key`) in the transaction of every change that moves it (`storeClocks`), checked against
 * its facts (`storedClockDrift`), judged on time for the metrics (`judgeOnTime`), and told to the
 * work-order system when it moves (`tellDeadline`).
 */
export class TicketClocks {
  readonly calendar: WorkCalendar;

  constructor(private readonly deps: AppDeps) {
    this.calendar = createWorkCalendar(deps.config.holidays.years);
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** Where the holiday calendar stands (the console warns when it runs out or is provisional). */
  calendarStatus(): CalendarStatusView {
    return calendarStatus(this.deps.config.holidays.years, businessDate(this.now()));
  }

  /**
   * A ticket's clock; null for a cancelled ticket (nothing is measured). Facts the clock refuses (a
   * pause stored ending before it begins) make it UNKNOWN_CLOCK, logged: the ticket is shown as
   * needing attention, and the page or list it is on still answers.
   */
  clockOf(t: ClockTicket, facts: ClockFacts, now: Date, dueSoonMs?: number): TicketClock | null {
    if (t.status === 'cancelled') return null;
    try {
      return slaStatus({
        start: t.clockStartedAt,
        target: { amount: t.targetAmount, unit: t.targetUnit },
        pauses: (facts.pauses.get(t.id) ?? []).map((p) => ({ from: p.from, to: p.to })),
        extensions: (facts.extensions.get(t.id) ?? [])
          .filter((e) => e.status === 'approved')
          .map((e) => ({ amount: e.amount, unit: e.unit, reason: e.reason, approvedBy: e.approvedBy ?? '', ...(e.decidedAt ? { approvedAt: e.decidedAt } : {}) })),
        calendar: this.calendar,
        now,
        completedAt: t.resolvedAt,
        dueSoonMs,
      });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      this.deps.logger.warn({ ticketId: t.id, err: err.message }, 'ticket clock cannot be computed from its stored facts; shown as needing attention');
      return UNKNOWN_CLOCK;
    }
  }

  /** Pauses and extensions of many tickets: what their clocks are computed from. */
  async loadClockFacts(tickets: ClockTicket[]): Promise<ClockFacts> {
    // Read-only rows by fixed statements (every ticket page and the queue read these); never called
    // inside a transaction.
    const { readDb } = this.deps;
    // IN lists go by a thousand ids, within any database's limit.
    const byChunks = async <T>(ids: number[], read: (inIds: string, chunk: number[]) => Promise<T[]>): Promise<T[]> => {
      const rows: T[] = [];
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        const chunk = ids.slice(i, i + IN_CHUNK);
        rows.push(...(await read(placeholders(chunk.length), chunk)));
      }
      return rows;
    };
    const pauses = await byChunks(
      tickets.filter((t) => mayHave(t.hasPauses)).map((t) => t.id),
      async (inIds, chunk) => (await readDb.entities(TicketPause, `select * from \`ticket_pause\` where \`ticket_id\` in (${inIds})`, chunk)) as TicketPause[],
    );
    const extensions = await byChunks(
      tickets.filter((t) => mayHave(t.hasExtensions)).map((t) => t.id),
      async (inIds, chunk) => (await readDb.entities(TicketExtension, `select * from \`ticket_extension\` where \`ticket_id\` in (${inIds}) order by \`id\` asc`, chunk)) as TicketExtension[],
    );
    return { pauses: groupByTicket(pauses), extensions: groupByTicket(extensions) };
  }

  /** A ticket's clock as it stands now, read afresh. */
  async clockNow(t: Ticket): Promise<TicketClock | null> {
    return this.clockOf(t, await this.loadClockFacts([t]), this.now());
  }

  /**
   * The ticket's deadline as its changes in the caller's transaction leave it (the transaction's own
   * view of its pauses and extensions): the ISO instant, or null while it waits for the subscriber.
   */
  async deadlineWithin(tx: EntityManager, t: Ticket): Promise<{ deadline: string | null; paused: boolean }> {
    await tx.flush();
    const [pauses, extensions] = await Promise.all([tx.find(TicketPause, { ticketId: t.id }), tx.find(TicketExtension, { ticketId: t.id }, { orderBy: { id: 'asc' } })]);
    const clock = this.clockOf(t, { pauses: new Map([[t.id, pauses]]), extensions: new Map([[t.id, extensions]]) }, this.now());
    return { deadline: clock?.deadline?.toISOString() ?? null, paused: clock?.paused ?? false };
  }

  /** Tells the work-order system (if it has the order) that the ticket's deadline moved, in the caller's transaction. */
  async tellDeadline(tx: EntityManager, t: Ticket, at: Date): Promise<void> {
    if (t.ownerStaffId === null) return;
    const clock = await this.deadlineWithin(tx, t);
    enqueueWorkOrder(tx, `workorder:${t.id}:deadline:${randomUUID()}`, { action: 'deadline', ticketId: t.id, ...clock, asOf: at.toISOString() }, at);
  }

  /**
   * How each ticket stands against its commitment, on the same clock the ticket pages and the queue
   * show (pauses, approved extensions, the holiday calendar), for many tickets at once (two
   * queries). `onTime`: for a resolved ticket whether it was resolved in time; for an open one false
   * once it is late and null before; null for a cancelled one.
   */
  async judgeOnTime(tickets: ClockTicket[], now: Date): Promise<Map<number, { onTime: boolean | null; deadline: Date | null }>> {
    const judged = new Map<number, { onTime: boolean | null; deadline: Date | null }>();
    // A stored clock (read with STORED_CLOCK_COLUMNS) is the clock as its last change left it:
    // nothing to compute. Only rows not computed yet are judged here.
    const unstored: ClockTicket[] = [];
    for (const t of tickets) {
      if (t.queueKey === undefined || t.queueKey === null) {
        unstored.push(t);
        continue;
      }
      const deadline = t.deadlineAt ?? null;
      const onTime = t.status === 'cancelled' || deadline === null ? null : t.resolvedAt !== null ? t.resolvedAt <= deadline : deadline < now ? false : null;
      judged.set(t.id, { onTime, deadline });
    }
    if (unstored.length === 0) return judged;
    const facts = await this.loadClockFacts(unstored);
    for (const t of unstored) {
      const sla = this.clockOf(t, facts, now);
      judged.set(t.id, { onTime: !sla ? null : t.resolvedAt !== null ? sla.onTime : sla.breached ? false : null, deadline: sla?.deadline ?? null });
    }
    return judged;
  }

  /**
   * Computes the clocks of some tickets from their facts as the caller's transaction sees them and
   * stores them on the rows (`deadline_at`, `queue_key`), where they differ. Called in the
   * transaction of every change that moves a clock, after the change, and by the clock job in
   * batches. The rows are locked and the facts read with locking reads, so what is stored is
   * computed from the latest facts whatever this transaction read before.
   */
  async storeClocks(tx: EntityManager, ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    await tx.flush();
    const fresh = { disableIdentityMap: true } as const;
    const rows = await tx.find(Ticket, { id: { $in: ids } }, { ...fresh, fields: ['status', 'clockStartedAt', 'targetAmount', 'targetUnit', 'resolvedAt', 'deadlineAt', 'queueKey'], lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } });
    const [pauses, extensions] = [
      await tx.find(TicketPause, { ticketId: { $in: ids } }, { ...fresh, lockMode: LockMode.PESSIMISTIC_READ }),
      await tx.find(TicketExtension, { ticketId: { $in: ids } }, { ...fresh, lockMode: LockMode.PESSIMISTIC_READ, orderBy: { id: 'asc' } }),
    ];
    const facts = { pauses: groupByTicket(pauses), extensions: groupByTicket(extensions) };
    const now = this.now();
    let changed = 0;
    for (const t of rows) {
      const stored = storedClock(this.clockOf(t, facts, now));
      if (t.queueKey === stored.queueKey && (t.deadlineAt?.getTime() ?? null) === (stored.deadlineAt?.getTime() ?? null)) continue;
      await tx.nativeUpdate(Ticket, { id: t.id }, stored);
      changed++;
    }
    return changed;
  }

  /**
   * Tickets whose stored clock differs from the one computed now from their facts (the check the
   * ticket bench runs over every ticket): ids after `afterId`, up to `limit` of them read.
   */
  async storedClockDrift(afterId: number, limit: number): Promise<{ checked: number; lastId: number; drifted: number[] }> {
    const rows = (await this.deps.readDb.entities(Ticket, `select ${STORED_CLOCK_COLUMNS} from \`ticket\` where \`id\` > ? order by \`id\` limit ?`, [afterId, limit])) as ClockTicket[];
    const facts = await this.loadClockFacts(rows);
    const now = this.now();
    const drifted = rows.filter((t) => {
      const want = storedClock(this.clockOf(t, facts, now));
      return t.queueKey !== want.queueKey || (t.deadlineAt?.getTime() ?? null) !== (want.deadlineAt?.getTime() ?? null);
    });
    return { checked: rows.length, lastId: rows.length ? rows[rows.length - 1].id : afterId, drifted: drifted.map((t) => t.id) };
  }
}

/**
 * Locks the ticket's row for the rest of the caller's transaction, first thing in a change that
 * moves its clock: two such changes to one ticket then run one after the other, so neither waits
 * on facts the other is writing while holding what that one needs.
 */
export async function lockClock(tx: EntityManager, ticketId: number): Promise<void> {
  await tx.findOne(Ticket, ticketId, { fields: ['id'], lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true });
}

function groupByTicket<T extends { ticketId: number }>(rows: T[]): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows) {
    const list = m.get(r.ticketId);
    if (list) list.push(r);
    else m.set(r.ticketId, [r]);
  }
  return m;
}

/**
 * Ends a ticket's open pause at `at`, in the caller's transaction; how many it ended. A pause never
 * ends before it began: one opened after `at` (an agent asked for information while the technician,
 * unknown to them, had already fixed it on site) ends where it began and gives back no time.
 */
export async function closeOpenPauses(tx: EntityManager, ticketId: number, at: Date, kind?: TicketPauseKind): Promise<number> {
  const which = kind ? { kind } : {};
  const late = await tx.nativeUpdate(TicketPause, { ticketId, to: null, from: { $gt: at }, ...which }, { to: raw('`paused_from`') });
  return late + (await tx.nativeUpdate(TicketPause, { ticketId, to: null, ...which }, { to: at }));
}
