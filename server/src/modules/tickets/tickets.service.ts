import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  CANCELLABLE_STATUSES,
  FINISHED_STATUSES,
  TICKET_URGE_RULES,
  type CreateTicketInput,
  type TicketActorKind,
  type TicketChannel,
  type TicketStatus,
  type TicketView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError, RateLimitedError } from '../../http/errors';
import { enqueueWorkOrder } from '../../integrations/workorder/workorder.outbox';
import { Account } from '../accounts/account.entity';
import { AccountBinding } from '../accounts/account-binding.entity';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { commitmentFor, type OperatorCommitment } from './commitments';
import { TicketFiling } from './ticket-filing';
import { Ticket } from './ticket.entity';
import { TicketStaffActions } from './ticket-staff-actions.service';
import { RestorationArrears } from './ticket-restoration-arrears';
import { TicketWorkOrderEvents } from './ticket-workorder-events';
import { TicketQueue } from './ticket-queue';
import { TicketViews } from './ticket-views';
import { invalidState, requireOwnTicket, type Staff } from './ticket-access';
import { addTicketEvent, type EventActor } from './ticket-timeline';
import { HOUR_MS, OPEN_STATUSES, closeOpenPauses, lockClock, TicketClocks } from './ticket-clocks';


/** Who files a ticket (TicketsService.fileTicket): the subscriber in the portal, or an agent for a caller or a visitor. */
export interface TicketFiler {
  /** The portal user who follows it; null when nobody has bound the account. */
  userId: number | null;
  channel: TicketChannel;
  /** The subscriber's first timeline entry, given the commitment's title: its words and who wrote it. */
  submitted: (commitmentTitle: string) => { message: string; actor: EventActor };
  auditActor: AuditActor;
  /** An agent filing it: they own it from the start (首问负责). */
  owner?: Staff;
}

/**
 * Tickets (工单), from both sides: the subscriber who files and follows one, and the staff who
 * claim (首问负责制), answer and resolve it. Subscriber methods check ownership first and answer
 * 404 for anyone else's ticket. State changes are conditional UPDATEs (the row changes only if it
 * is still in the state the action starts from), so two people acting at once cannot both win.
 */
export class TicketsService {
  /** The commitment clocks: computed, stored, judged (ticket-clocks.ts). */
  readonly clocks: TicketClocks;
  /** What the subscriber and the staff see of tickets (ticket-views.ts). */
  readonly views: TicketViews;
  /** The staff queue (ticket-queue.ts). */
  readonly queue: TicketQueue;
  /** Status updates from the work-order system (ticket-workorder-events.ts). */
  readonly workOrderEvents: TicketWorkOrderEvents;
  /** Restorations waiting for arrears to be paid (ticket-restoration-arrears.ts). */
  readonly arrears: RestorationArrears;
  /** What staff do with a ticket (ticket-staff-actions.service.ts). */
  readonly staff: TicketStaffActions;
  /** Photos, appointment slot and outage link of a ticket being filed (ticket-filing.ts). */
  readonly filing: TicketFiling;

  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
  ) {
    this.clocks = new TicketClocks(deps);
    this.views = new TicketViews(deps, this.clocks);
    this.queue = new TicketQueue(deps, this.views);
    this.workOrderEvents = new TicketWorkOrderEvents(deps, audit, this.clocks);
    this.arrears = new RestorationArrears(deps, this.clocks);
    this.staff = new TicketStaffActions(deps, audit, this.clocks, this.views);
    this.filing = new TicketFiling(deps);
  }

  private get em(): EntityManager {
    return this.deps.orm.em;
  }

  /**
   * The request's entity manager with nothing cached. State changes here are conditional UPDATEs
   * that bypass the identity map, and a refresh does not reset a column that became NULL, so
   * every read that follows a change starts from an empty map.
   */
  private get freshEm(): EntityManager {
    this.deps.orm.em.clear();
    return this.deps.orm.em;
  }

  /**
   * A transaction on a fresh entity manager: only what it loads is managed in it, so entities read
   * earlier in the request (and made stale by the conditional UPDATEs) are never flushed back.
   */
  private transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.deps.orm.em.fork().transactional(fn);
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  // ---- subscriber ----

  /**
   * Files a ticket on one of the user's bound accounts; its commitment clock starts now (the request
   * is complete). Its photos, appointment and outage link are taken in the same transaction, and so
   * is whatever `within` adds (a bill dispute), so the ticket exists only with all of them.
   */
  async createTicket(userId: number, input: CreateTicketInput, within?: (tx: EntityManager, ticket: Ticket) => Promise<void>): Promise<TicketView> {
    const binding = await this.em.findOne(AccountBinding, { userId, accountId: input.accountId });
    if (!binding) throw new NotFoundError('户号');
    await this.limitFiling(userId, input);
    const account = await this.em.findOneOrFail(Account, input.accountId);
    const ticket = await this.fileTicket(
      account,
      {
        userId,
        channel: 'portal',
        submitted: (title) => ({ message: `工单已提交，承诺时限：${title}`, actor: { kind: 'subscriber', id: userId } }),
        auditActor: { kind: 'user', id: userId },
      },
      input,
      within,
    );
    return this.views.subscriberView(ticket, true);
  }

  /**
   * The one filing path, for the portal (createTicket) and for an agent filing for a caller or a
   * visitor (ticket-staff-filing.ts): the ticket on its commitment with its clock started now, the
   * subscriber's timeline entry and notice, a restoration's wait for arrears, its photos, appointment
   * and outage link, what `within` adds, the audit entry and the stored clock, in one transaction.
   * With an `owner` the agent owns it from the start (首问负责): accepted, and queued for the
   * work-order system as a claim would.
   */
  async fileTicket(
    account: Account,
    filer: TicketFiler,
    input: Pick<CreateTicketInput, 'type' | 'description' | 'contactPhone' | 'severity' | 'photoIds' | 'appointment'>,
    within?: (tx: EntityManager, ticket: Ticket) => Promise<void>,
  ): Promise<Ticket> {
    const now = this.now();
    await this.filing.prepare(input, account);
    return this.transaction(async (tx) => {
      const { ticket: t, commitment } = await this.insertTicket(
        tx,
        account,
        filer.userId,
        { type: input.type, severity: input.severity, description: input.description, contactPhone: input.contactPhone, channel: filer.channel, owner: filer.owner },
        now,
      );
      const submitted = filer.submitted(commitment.title);
      addTicketEvent(tx, this.now(), t.id, 'submitted', submitted.message, submitted.actor, now);
      if (t.type === 'restoration') await this.arrears.awaitArrears(tx, t, now);
      await this.filing.apply(tx, t, input, account, now, (kind, message) => addTicketEvent(tx, this.now(), t.id, kind, message, { kind: 'system' }, now));
      if (filer.owner) await this.staff.acceptWithin(tx, t, account, filer.owner, now);
      await within?.(tx, t);
      this.audit.record(tx, filer.auditActor, { action: 'ticket.create', entityType: 'ticket', entityId: t.id, detail: { type: t.type, commitmentCode: t.commitmentCode, channel: t.channel, ...(filer.owner ? { owner: filer.owner.staffId } : {}) } }, now);
      await this.clocks.storeClocks(tx, [t.id]);
      return t;
    });
  }

  /**
   * A restoration (复机) the portal files for a subscriber, in the caller's transaction: a prepaid
   * account suspended for arrears has just cleared them, so the request is complete now and the
   * restoration commitment's clock starts now. It is followed like any ticket (the subscriber sees
   * it, staff see it in the queue) and resolved when the billing system reports the service back.
   */
  async fileRestorationWithin(tx: EntityManager, account: Account, userId: number, contactPhone: string, description: string, now: Date): Promise<Ticket> {
    const { ticket: t, commitment } = await this.insertTicket(tx, account, userId, { type: 'restoration', description, contactPhone }, now);
    addTicketEvent(tx, this.now(), t.id, 'submitted', `欠费已缴清，系统已自动申请复机，承诺时限：${commitment.title}`, { kind: 'system' }, now);
    this.audit.record(tx, { kind: 'system', id: null }, { action: 'ticket.create', entityType: 'ticket', entityId: t.id, detail: { type: t.type, commitmentCode: t.commitmentCode, filedFor: userId } }, now);
    await this.clocks.storeClocks(tx, [t.id]);
    return t;
  }

  /**
   * A complaint the portal files for a subscriber from outside the portal (a WeChat Pay consumer
   * complaint about their payment), in the caller's transaction: on the complaint commitment, its
   * clock from `now`, unclaimed in the queue like any complaint. `submitted` is the first timeline
   * entry the subscriber reads.
   */
  async fileComplaintWithin(tx: EntityManager, account: Account, userId: number, contactPhone: string, description: string, submitted: string, now: Date, detail: Record<string, unknown>): Promise<Ticket> {
    const { ticket: t, commitment } = await this.insertTicket(tx, account, userId, { type: 'complaint', description, contactPhone, channel: 'wechatpay_complaint' }, now);
    addTicketEvent(tx, this.now(), t.id, 'submitted', `${submitted}，承诺时限：${commitment.title}`, { kind: 'system' }, now);
    this.audit.record(tx, { kind: 'system', id: null }, { action: 'ticket.create', entityType: 'ticket', entityId: t.id, detail: { type: t.type, commitmentCode: t.commitmentCode, filedFor: userId, ...detail } }, now);
    await this.clocks.storeClocks(tx, [t.id]);
    return t;
  }

  /**
   * A staff-only timeline entry from outside the portal (a payer's new message on a WeChat Pay
   * complaint), in the caller's transaction: the agent sees it on the ticket; the subscriber is not notified.
   */
  noteForStaffWithin(tx: EntityManager, ticketId: number, kind: string, message: string, now: Date): void {
    addTicketEvent(tx, this.now(), ticketId, kind, message, { kind: 'system' }, now, false);
  }

  /**
   * A new ticket row on its commitment (by type, a fault's severity, the area's city or rural
   * kind), its clock started now; inserted in the caller's transaction.
   */
  private async insertTicket(
    tx: EntityManager,
    account: Account,
    userId: number | null,
    input: Pick<CreateTicketInput, 'type' | 'description' | 'contactPhone'> & { severity?: CreateTicketInput['severity']; channel?: TicketChannel; owner?: Staff },
    now: Date,
  ): Promise<{ ticket: Ticket; commitment: OperatorCommitment }> {
    const severity = input.type === 'fault' ? (input.severity ?? 'ordinary') : null;
    const commitment = commitmentFor(this.deps.config, input.type, severity, account.area);
    const code = commitment.code;
    const ticket = Object.assign(new Ticket(), {
      type: input.type,
      accountId: account.id,
      userId,
      area: account.area,
      description: input.description,
      contactPhone: input.contactPhone,
      channel: input.channel ?? 'portal',
      severity,
      // Filed by an agent: theirs from the start (首问负责), as if claimed at filing.
      status: input.owner ? ('accepted' as const) : ('submitted' as const),
      ownerStaffId: input.owner?.staffId ?? null,
      acceptedAt: input.owner ? now : null,
      commitmentCode: code,
      targetAmount: commitment.targetAmount,
      targetUnit: commitment.targetUnit,
      clockStartedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    tx.persist(ticket);
    await tx.flush();
    return { ticket, commitment };
  }

  /**
   * Filing is limited (config/operator.json `ticketLimits`): per user per hour, per account per day,
   * and complaints per account per day, counted across instances like the other limits. Over a
   * limit: 429 with when to try again, and the hotline for what cannot wait.
   */
  private async limitFiling(userId: number, input: CreateTicketInput): Promise<void> {
    const limits = this.deps.config.operator.ticketLimits;
    const hotline = this.deps.config.operator.hotlines.find((h) => h.kind === 'service')?.number;
    // The narrowest first: a filing refused by one limit does not use up the wider ones.
    const checks: Array<[string, number, number, string]> = [
      [`ticket:account:${input.accountId}`, limits.perAccountPerDay, 86_400, `同一户号每天最多提交${limits.perAccountPerDay}张工单`],
      [`ticket:user:${userId}`, limits.perUserPerHour, 3600, `每小时最多提交${limits.perUserPerHour}张工单`],
    ];
    if (input.type === 'complaint' || input.type === 'suggestion') {
      checks.unshift([`ticket:complaint:${input.accountId}`, limits.complaintsPerAccountPerDay, 86_400, `同一户号每天最多提交${limits.complaintsPerAccountPerDay}条投诉建议`]);
    }
    for (const [key, limit, windowSeconds, what] of checks) {
      const r = await this.deps.rateLimiter.consume(key, limit, windowSeconds);
      if (!r.allowed) throw new RateLimitedError(`${what}，请稍后再试${hotline ? `；紧急情况请拨打 ${hotline}` : ''}`, r.retryAfterSeconds);
    }
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
      await this.filing.cancelled(tx, ticket.id, now, (kind, message) => addTicketEvent(tx, this.now(), ticket.id, kind, message, { kind: 'system' }, now));
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

  // ---- views ----

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
