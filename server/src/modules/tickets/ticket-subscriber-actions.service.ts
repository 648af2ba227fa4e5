import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { CANCELLABLE_STATUSES, FINISHED_STATUSES, TICKET_URGE_RULES, type TicketActorKind, type TicketStatus, type TicketView } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError } from '../../http/errors';
import { enqueueWorkOrder } from '../../integrations/workorder/workorder.outbox';
import type { AuditService } from '../audit/audit.service';
import { invalidState } from './ticket-access';
import { requireOwnTicket } from '../access/access';
import { HOUR_MS, OPEN_STATUSES, closeOpenPauses, lockClock, type TicketClocks } from './ticket-clocks';
import type { TicketFiling } from './ticket-filing';
import { addTicketEvent } from './ticket-timeline';
import type { TicketViews } from './ticket-views';
import { TicketWork } from './ticket-work';
import { Ticket } from './ticket.entity';

/**
 * What the subscriber does with their own ticket: add information (the clock runs again), urge it
 * (催单), cancel it before anyone is sent out, confirm the resolution, or say it is not fixed
 * (reopen). Each checks the ticket is theirs first (anyone else's answers 404) and answers with the
 * ticket as they see it. State changes are conditional UPDATEs, so two changes at once cannot both win.
 */
export class TicketSubscriberActions extends TicketWork {
  constructor(
    deps: AppDeps,
    private readonly audit: AuditService,
    private readonly clocks: TicketClocks,
    private readonly views: TicketViews,
    /** What a cancelled ticket gives back (its appointment slot, ticket-filing.ts). */
    private readonly extras: TicketFiling,
  ) {
    super(deps);
  }

  /** The subscriber adds information; if the ticket was waiting for it, the clock runs again. */
  async addInformation(userId: number, ticketId: number, message: string): Promise<TicketView> {
    const ticket = await requireOwnTicket(this.freshEm, userId, ticketId);
    if (FINISHED_STATUSES.includes(ticket.status)) throw invalidState('工单已办结或已撤销，不能再补充信息');
    const now = this.now();
    await this.transaction(async (tx) => {
      await lockClock(tx, ticket.id);
      addTicketEvent(tx, this.now(), ticket.id, 'info_added', message, { kind: 'subscriber', id: userId }, now);
      const resumed = await closeOpenPauses(tx, ticket.id, now, 'information');
      if (resumed > 0) {
        addTicketEvent(tx, this.now(), ticket.id, 'clock_resumed', '资料已补充，承诺时限恢复计时', { kind: 'system' }, now);
        await this.clocks.storeClocks(tx, [ticket.id]);
        await this.clocks.tellDeadline(tx, ticket, now);
      }
      this.audit.record(tx, { kind: 'user', id: userId }, { action: 'ticket.add_info', entityType: 'ticket', entityId: ticket.id, detail: { resumed: resumed > 0 } }, now);
    });
    return this.views.getTicket(userId, ticketId);
  }

  /** 催单: at most once per 12 hours and 3 times per ticket; the limit is claimed atomically. */
  async urgeTicket(userId: number, ticketId: number): Promise<TicketView> {
    const ticket = await requireOwnTicket(this.freshEm, userId, ticketId);
    if (!OPEN_STATUSES.includes(ticket.status)) throw invalidState('工单已处理完毕，无需催办');
    const now = this.now();
    const since = new Date(now.getTime() - TICKET_URGE_RULES.minIntervalHours * HOUR_MS);
    await this.transaction(async (tx) => {
      const claimed = await tx.nativeUpdate(
        Ticket,
        { id: ticket.id, urgeCount: { $lt: TICKET_URGE_RULES.maxTotal }, $or: [{ lastUrgedAt: null }, { lastUrgedAt: { $lte: since } }] },
        { urgeCount: raw('urge_count + 1'), lastUrgedAt: now, updatedAt: now },
      );
      if (claimed === 0) {
        const fresh = await tx.findOneOrFail(Ticket, ticket.id, { disableIdentityMap: true });
        throw urgeLimited(fresh, now);
      }
      addTicketEvent(tx, this.now(), ticket.id, 'urged', '您已催办，客服将优先处理', { kind: 'subscriber', id: userId }, now);
      this.audit.record(tx, { kind: 'user', id: userId }, { action: 'ticket.urge', entityType: 'ticket', entityId: ticket.id }, now);
    });
    return this.views.getTicket(userId, ticketId);
  }

  /** Cancels before anyone is sent out; the work-order system is told if it already has the order. */
  async cancelTicket(userId: number, ticketId: number, reason: string): Promise<TicketView> {
    const ticket = await requireOwnTicket(this.freshEm, userId, ticketId);
    const now = this.now();
    await this.transaction(async (tx) => {
      const changed = await tx.nativeUpdate(
        Ticket,
        { id: ticket.id, status: { $in: [...CANCELLABLE_STATUSES] } },
        { status: 'cancelled', cancelledAt: now, updatedAt: now },
      );
      if (changed === 0) throw invalidState('维修人员已派出或工单已办结，不能撤销；如需取消请联系客服');
      await closeOpenPauses(tx, ticket.id, now);
      await this.clocks.storeClocks(tx, [ticket.id]);
      await this.extras.cancelled(tx, ticket.id, now, (kind, message) => addTicketEvent(tx, this.now(), ticket.id, kind, message, { kind: 'system' }, now));
      addTicketEvent(tx, this.now(), ticket.id, 'cancelled', `您已撤销工单：${reason}`, { kind: 'subscriber', id: userId }, now);
      if (ticket.ownerStaffId !== null) enqueueWorkOrder(tx, `workorder:${ticket.id}:cancel`, { action: 'cancel', ticketId: ticket.id, reason }, now);
      this.audit.record(tx, { kind: 'user', id: userId }, { action: 'ticket.cancel', entityType: 'ticket', entityId: ticket.id, detail: { reason, from: ticket.status } }, now);
    });
    return this.views.getTicket(userId, ticketId);
  }

  /** The subscriber confirms the resolution: the ticket is closed. */
  async confirmResolution(userId: number, ticketId: number): Promise<TicketView> {
    const ticket = await requireOwnTicket(this.freshEm, userId, ticketId);
    const now = this.now();
    await this.transaction(async (tx) => {
      const changed = await tx.nativeUpdate(Ticket, { id: ticket.id, status: 'resolved' }, { status: 'closed', closedAt: now, updatedAt: now });
      if (changed === 0) throw invalidState('工单尚未处理完成，不能确认');
      addTicketEvent(tx, this.now(), ticket.id, 'confirmed', '您已确认问题解决，工单办结', { kind: 'subscriber', id: userId }, now);
      this.audit.record(tx, { kind: 'user', id: userId }, { action: 'ticket.confirm', entityType: 'ticket', entityId: ticket.id }, now);
    });
    return this.views.getTicket(userId, ticketId);
  }

  /**
   * "Not fixed": the ticket goes back to its owner and the work-order system gets it again. The
   * original clock keeps running (it is not restarted): the promise was to fix it, not to visit.
   */
  async reopenTicket(userId: number, ticketId: number, reason: string): Promise<TicketView> {
    const ticket = await requireOwnTicket(this.freshEm, userId, ticketId);
    const now = this.now();
    await this.transaction(async (tx) => {
      const reopened = await this.reopenResolved(tx, ticket, ['resolved'], { message: `您反馈问题未解决：${reason}`, actor: { kind: 'subscriber', id: userId } }, reason, now);
      if (!reopened) throw invalidState('只有处理完成、尚未办结的工单可以重新打开');
      this.audit.record(tx, { kind: 'user', id: userId }, { action: 'ticket.reopen', entityType: 'ticket', entityId: ticket.id, detail: { reason } }, now);
    });
    return this.views.getTicket(userId, ticketId);
  }

  /**
   * "Not fixed", in the caller's transaction: the subscriber's own reopen, or what a staff callback
   * (回访) found. Back to the owner, and the work-order system gets it again. Conditional on the
   * status (one of `from`) and the reopen count read, so one resolution is reopened at most once;
   * false when the ticket is no longer there.
   */
  async reopenResolved(
    tx: EntityManager,
    ticket: Ticket,
    from: TicketStatus[],
    event: { message: string; actor: { kind: TicketActorKind; id?: number | null; name?: string; jobNo?: string } },
    reason: string,
    now: Date,
  ): Promise<boolean> {
    const back: TicketStatus = ticket.ownerStaffId !== null ? 'accepted' : 'submitted';
    const changed = await tx.nativeUpdate(
      Ticket,
      { id: ticket.id, status: { $in: from }, reopenCount: ticket.reopenCount },
      { status: back, resolvedAt: null, closedAt: null, reopenCount: ticket.reopenCount + 1, reopenedAt: now, updatedAt: now },
    );
    if (changed === 0) return false;
    await this.clocks.storeClocks(tx, [ticket.id]);
    addTicketEvent(tx, this.now(), ticket.id, 'reopened', event.message, event.actor, now);
    if (ticket.ownerStaffId !== null) {
      enqueueWorkOrder(tx, `workorder:${ticket.id}:reopen:${ticket.reopenCount + 1}`, { action: 'reopen', ticketId: ticket.id, reason }, now);
    }
    return true;
  }

  /**
   * The subscriber takes a resolved or closed ticket up again outside the portal (the payer continues
   * a WeChat Pay complaint after 反馈处理完成), in the caller's transaction, on the ticket as it read
   * it under its row lock: reopened as "not fixed" is ({@link reopenResolved}: back to the owner and
   * the work-order system, the original clock still running), the entry signed by the system,
   * audit-logged. False (nothing written) when the ticket is not resolved or closed.
   */
  async reopenFromOutsideWithin(tx: EntityManager, ticket: Ticket, message: string, reason: string, now: Date, detail: Record<string, unknown>): Promise<boolean> {
    const reopened = await this.reopenResolved(tx, ticket, ['resolved', 'closed'], { message, actor: { kind: 'system' } }, reason, now);
    if (reopened) this.audit.record(tx, { kind: 'system', id: null }, { action: 'ticket.reopen', entityType: 'ticket', entityId: ticket.id, detail: { reason, from: ticket.status, ...detail } }, now);
    return reopened;
  }
}

/** Which urge limit was hit, and when urging is allowed again (never, once all 3 are used). */
function urgeLimited(t: Ticket, now: Date): AppError {
  if (t.urgeCount >= TICKET_URGE_RULES.maxTotal) {
    return new AppError('TICKET_URGE_LIMITED', 429, `每张工单最多催办${TICKET_URGE_RULES.maxTotal}次，您已全部用完；如有急事请拨打客服热线`, { reason: 'total', urgeCount: t.urgeCount });
  }
  const next = (t.lastUrgedAt?.getTime() ?? now.getTime()) + TICKET_URGE_RULES.minIntervalHours * HOUR_MS;
  const retryAfterSeconds = Math.max(1, Math.ceil((next - now.getTime()) / 1000));
  return new AppError(
    'TICKET_URGE_LIMITED',
    429,
    `${TICKET_URGE_RULES.minIntervalHours}小时内只能催办一次，请稍后再试`,
    { reason: 'interval', retryAfterSeconds, urgeCount: t.urgeCount },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
