import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  CALLBACK_REQUIRED_TYPES,
  CALLBACK_RULES,
  nextCallAttempt,
  type CallbackQueueQuery,
  type CallbackReason,
  type CallbackTaskView,
  type Page,
  type RateTicketInput,
  type RecordCallbackInput,
  type TicketRatingView,
  type TicketStatus,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { StaffPrincipal as Staff } from '../../http/context';
import { AppError, NotFoundError } from '../../http/errors';
import { dateOrNull } from '../../read-db';
import type { AuditService } from '../audit/audit.service';
import { TicketCallback } from './ticket-callback.entity';
import { TicketRating } from './ticket-rating.entity';
import { Ticket } from './ticket.entity';
import type { TicketSubscriberActions } from './ticket-subscriber-actions.service';
import { requireOwnTicket } from '../access/access';

const HOUR_MS = 3_600_000;
/** A resolution can be rated and called back while the ticket stays resolved or is closed. */
const RESOLVED: TicketStatus[] = ['resolved', 'closed'];
/** Tickets looked at per query by the callback job. */
const BATCH = 500;

/**
 * Callbacks (回访): the subscriber's rating of a resolution, and the phone callbacks staff owe when a
 * resolution is rated 2 stars or less, or (repairs, complaints, installations) not rated within
 * 48 hours, so that the call is due within the standard's 72 hours of the resolution (the design
 * is at CALLBACK_RULES). Each resolution of a ticket is one "round" (the ticket's reopen count at
 * that time): it is rated at most once and gets at most one callback task, both enforced by unique keys.
 */
export class CallbacksService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly tickets: TicketSubscriberActions,
  ) {}

  private now(): Date {
    return this.deps.clock.now();
  }

  /** A fresh entity manager: state changes here are conditional UPDATEs that bypass the identity map. */
  private get em(): EntityManager {
    return this.deps.orm.em.fork();
  }

  // ---- subscriber ----

  /** Whether the user can rate their ticket now, until when, and their rating of its current resolution. */
  async getRating(userId: number, ticketId: number): Promise<TicketRatingView> {
    const ticket = await requireOwnTicket(this.em, userId, ticketId);
    const rating = await this.em.findOne(TicketRating, { ticketId, round: ticket.reopenCount });
    return this.ratingView(ticket, rating);
  }

  /**
   * Rates the current resolution: only while resolved (or closed) and within 72 hours of it, once.
   * In the same transaction: two stars or fewer opens a callback task (or makes the open one a
   * low-rating call); three or more closes an open task as `rated`, the subscriber being reached.
   */
  async rateTicket(userId: number, ticketId: number, input: RateTicketInput): Promise<TicketRatingView> {
    const ticket = await requireOwnTicket(this.em, userId, ticketId);
    if (!RESOLVED.includes(ticket.status) || ticket.resolvedAt === null) throw new AppError('TICKET_INVALID_STATE', 409, '工单处理完成后才能评价');
    const now = this.now();
    const rateBy = rateByOf(ticket.resolvedAt);
    if (now > rateBy) {
      throw new AppError('TICKET_RATING_CLOSED', 409, `在线评价须在处理完成后${CALLBACK_RULES.ratingWindowHours}小时内提交；客服将电话回访您`, { rateBy: rateBy.toISOString() });
    }
    try {
      await this.em.transactional(async (tx) => {
        const rating = Object.assign(new TicketRating(), { ticketId, round: ticket.reopenCount, userId, stars: input.stars, reasons: input.reasons, comment: input.comment, createdAt: now });
        tx.persist(rating);
        await tx.flush(); // a second rating of this resolution fails here
        const round = ticket.reopenCount;
        let callbackOpened = false;
        let callbackClosed = false;
        if (input.stars <= CALLBACK_RULES.lowRatingMaxStars) {
          const dueAt = earliest(new Date(now.getTime() + CALLBACK_RULES.dueWithinHours * HOUR_MS), callByOf(ticket.resolvedAt!));
          callbackOpened = (await openCallbackTask(tx, ticketId, round, 'low_rating', dueAt, now)) > 0;
          // A task opened for want of a rating stays open, now to follow up the low rating; its due time stands.
          if (!callbackOpened) await tx.nativeUpdate(TicketCallback, { ticketId, round, status: 'open' }, { reason: 'low_rating', updatedAt: now });
        } else {
          callbackClosed = (await tx.nativeUpdate(TicketCallback, { ticketId, round, status: 'open' }, { status: 'rated', completedAt: now, updatedAt: now })) > 0;
        }
        this.audit.record(
          tx,
          { kind: 'user', id: userId },
          { action: 'ticket.rate', entityType: 'ticket', entityId: ticketId, detail: { round, stars: input.stars, reasons: input.reasons, callbackOpened, callbackClosed } },
          now,
        );
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw new AppError('TICKET_ALREADY_RATED', 409, '您已评价过本次处理结果');
      throw err;
    }
    return this.getRating(userId, ticketId);
  }

  // ---- staff ----

  /** The callback queue: tasks in a status (default open), soonest due first. */
  async listCallbacks(query: CallbackQueueQuery): Promise<Page<CallbackTaskView>> {
    const em = this.em;
    const now = this.now();
    const qb = em
      .createQueryBuilder(TicketCallback, 'c')
      .where({ status: query.status, ...(query.overdue ? { dueAt: { $lt: now } } : {}) })
      .orderBy({ dueAt: 'asc', id: 'asc' })
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    if (query.area) qb.andWhere({ ticketId: { $in: em.createQueryBuilder(Ticket, 't').select('t.id').where({ area: query.area }).getKnexQuery() } });
    const [tasks, total] = await qb.getResultAndCount();
    return { items: await this.views(em, tasks, now), page: query.page, pageSize: query.pageSize, total };
  }

  /**
   * Records a phone callback. `unreachable` schedules the next attempt 4 hours on (by the 72-hour
   * mark at the latest while that is ahead), and gives the task up after the third (nextCallAttempt,
   * the rule shared with the suspended accounts' callbacks); any other outcome completes it, and
   * `not_fixed` reopens the ticket (back to its owner and the work-order system, as when the
   * subscriber reopens it). Conditional on the attempt count read, so two staff recording at once
   * cannot both count.
   */
  async recordCallback(staff: Staff, callbackId: number, input: RecordCallbackInput): Promise<CallbackTaskView> {
    const task = await this.em.findOne(TicketCallback, callbackId);
    if (!task) throw new NotFoundError('回访任务');
    if (task.status !== 'open') throw callbackClosed();
    const ticket = await this.em.findOneOrFail(Ticket, task.ticketId);
    const now = this.now();
    const next = nextCallAttempt(task.attempts, input.outcome !== 'unreachable', now, callByOf(ticket.resolvedAt ?? task.createdAt));
    const attempts = next.attempts;
    const common = { attempts, note: input.note || null, lastCalledByStaffId: staff.staffId, lastAttemptAt: now, updatedAt: now };
    let changes: Partial<TicketCallback>;
    if (next.status === 'open') changes = { ...common, dueAt: next.retryAt! };
    else if (next.status === 'unreachable') changes = { ...common, status: 'unreachable', outcome: 'unreachable', completedAt: now };
    else changes = { ...common, status: 'done', outcome: input.outcome, stars: input.stars ?? null, completedAt: now };
    await this.em.transactional(async (tx) => {
      const n = await tx.nativeUpdate(TicketCallback, { id: task.id, status: 'open', attempts: task.attempts }, changes);
      if (n === 0) throw callbackClosed();
      let reopened = false;
      if (input.outcome === 'not_fixed' && ticket.reopenCount === task.round) {
        reopened = await this.tickets.reopenResolved(
          tx,
          ticket,
          RESOLVED,
          { message: `回访中您反馈问题仍未解决，工单已重新处理：${input.note}`, actor: { kind: 'staff', id: staff.staffId, name: staff.name, jobNo: staff.jobNo } },
          input.note,
          now,
        );
      }
      this.audit.record(
        tx,
        { kind: 'staff', id: staff.staffId },
        { action: 'callback.record', entityType: 'ticket_callback', entityId: task.id, detail: { ticketId: task.ticketId, outcome: input.outcome, attempts, status: changes.status ?? 'open', reopened } },
        now,
      );
    });
    const fresh = await this.em.findOneOrFail(TicketCallback, task.id);
    return (await this.views(this.em, [fresh], this.now()))[0];
  }

  // ---- the job ----

  /**
   * Opens a callback task for every resolution of a repair, complaint or installation not rated
   * 48 hours after it, due 72 hours after it (CALLBACK_RULES): however late this runs, the task is
   * due when the standard says, and shows as overdue once that has passed. Idempotent: a resolution
   * with a rating or a task is skipped, and the task insert ignores a duplicate, so overlapping runs
   * open each task once.
   */
  async openOverdueCallbacks(em: EntityManager, now: Date): Promise<{ opened: number }> {
    const cutoff = new Date(now.getTime() - CALLBACK_RULES.callbackOpensAfterHours * HOUR_MS);
    let opened = 0;
    let afterId = 0;
    for (;;) {
      const due = await em
        .createQueryBuilder(Ticket, 't')
        .select(['t.id', 't.reopenCount', 't.resolvedAt'])
        .where({ id: { $gt: afterId }, status: { $in: RESOLVED }, type: { $in: [...CALLBACK_REQUIRED_TYPES] }, resolvedAt: { $ne: null, $lt: cutoff } })
        .andWhere('not exists (select 1 from ticket_rating r where r.ticket_id = t.id and r.round = t.reopen_count)')
        .andWhere('not exists (select 1 from ticket_callback c where c.ticket_id = t.id and c.round = t.reopen_count)')
        .orderBy({ id: 'asc' })
        .limit(BATCH)
        .execute<Array<{ id: number; reopenCount: number; resolvedAt: unknown }>>('all');
      for (const row of due) {
        const [ticketId, round] = [Number(row.id), Number(row.reopenCount)];
        const dueAt = callByOf(dateOrNull(row.resolvedAt)!);
        opened += await em.transactional(async (tx) => {
          const n = await openCallbackTask(tx, ticketId, round, 'not_rated', dueAt, now);
          if (n > 0) this.audit.record(tx, { kind: 'system', id: null }, { action: 'callback.open', entityType: 'ticket', entityId: ticketId, detail: { reason: 'not_rated', round } }, now);
          return n;
        });
      }
      if (due.length < BATCH) break;
      afterId = Number(due[due.length - 1].id);
    }
    if (opened > 0) this.deps.logger.info({ opened }, 'callback tasks opened for unrated tickets');
    return { opened };
  }

  // ---- views ----

  private ratingView(ticket: Ticket, rating: TicketRating | null): TicketRatingView {
    const resolved = RESOLVED.includes(ticket.status) && ticket.resolvedAt !== null;
    const rateBy = resolved ? rateByOf(ticket.resolvedAt!) : null;
    return {
      ticketId: ticket.id,
      canRate: rateBy !== null && rating === null && this.now() <= rateBy,
      rateBy: rateBy?.toISOString() ?? null,
      rating: rating ? { stars: rating.stars, reasons: rating.reasons, comment: rating.comment, createdAt: rating.createdAt.toISOString() } : null,
    };
  }

  /** Views of a page of tasks: their tickets and ratings in two queries. */
  private async views(em: EntityManager, tasks: TicketCallback[], now: Date): Promise<CallbackTaskView[]> {
    if (tasks.length === 0) return [];
    const ids = [...new Set(tasks.map((c) => c.ticketId))];
    const tickets = new Map((await em.find(Ticket, { id: { $in: ids } })).map((t) => [t.id, t]));
    const ratings = new Map((await em.find(TicketRating, { ticketId: { $in: ids } })).map((r) => [`${r.ticketId}:${r.round}`, r]));
    return tasks.map((c) => {
      const t = tickets.get(c.ticketId)!;
      const r = ratings.get(`${c.ticketId}:${c.round}`);
      const resolvedAt = t.resolvedAt ?? c.createdAt;
      const callBy = callByOf(resolvedAt);
      return {
        id: c.id,
        ticketId: c.ticketId,
        ticketType: t.type,
        area: t.area,
        contactPhone: t.contactPhone,
        reason: c.reason,
        status: c.status,
        rating: r ? { stars: r.stars, reasons: r.reasons, comment: r.comment } : null,
        attempts: c.attempts,
        maxAttempts: CALLBACK_RULES.maxAttempts,
        dueAt: c.dueAt.toISOString(),
        overdue: c.status === 'open' && c.dueAt < now,
        callBy: callBy.toISOString(),
        late: (c.completedAt ?? now) > callBy,
        outcome: c.outcome,
        note: c.note,
        stars: c.stars,
        resolvedAt: resolvedAt.toISOString(),
        createdAt: c.createdAt.toISOString(),
        completedAt: c.completedAt?.toISOString() ?? null,
      };
    });
  }
}

/** The end of the rating window of a resolution. */
function rateByOf(resolvedAt: Date): Date {
  return new Date(resolvedAt.getTime() + CALLBACK_RULES.ratingWindowHours * HOUR_MS);
}

/** When the standard needs a resolution followed up by: 72 hours after it. */
function callByOf(resolvedAt: Date): Date {
  return new Date(resolvedAt.getTime() + CALLBACK_RULES.callbackWithinHours * HOUR_MS);
}

function earliest(a: Date, b: Date): Date {
  return a <= b ? a : b;
}

/** Opens the task of one resolution unless it has one (insert-or-ignore on the unique key); returns 1 if new. */
async function openCallbackTask(tx: EntityManager, ticketId: number, round: number, reason: CallbackReason, dueAt: Date, now: Date): Promise<number> {
  const res = await tx
    .createQueryBuilder(TicketCallback)
    .insert({ ticketId, round, reason, status: 'open', attempts: 0, dueAt, createdAt: now, updatedAt: now })
    .onConflict(['ticketId', 'round'])
    .ignore()
    .execute('run');
  return res.affectedRows;
}

function callbackClosed(): AppError {
  return new AppError('CALLBACK_CLOSED', 409, '该回访任务已由他人记录或已结束，请刷新队列');
}
