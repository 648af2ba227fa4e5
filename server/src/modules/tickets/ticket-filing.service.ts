import type { EntityManager } from '@mikro-orm/knex';
import type { CreateTicketInput, TicketChannel, TicketView } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { RateLimitedError } from '../../http/errors';
import { Account } from '../accounts/account.entity';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { commitmentFor, type OperatorCommitment } from './commitments';
import type { Staff } from './ticket-access';
import type { TicketClocks } from './ticket-clocks';
import type { TicketFiling } from './ticket-filing';
import type { RestorationArrears } from './ticket-restoration-arrears';
import type { TicketStaffActions } from './ticket-staff-actions.service';
import { addTicketEvent, type EventActor } from './ticket-timeline';
import type { TicketViews } from './ticket-views';
import { TicketWork } from './ticket-work';
import { Ticket } from './ticket.entity';
import { requireBoundAccount } from '../access/access';

/** Who files a ticket (TicketFilingService.fileTicket): the subscriber in the portal, or an agent for a caller or a visitor. */
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
 * Filing a ticket (报修、投诉、申请): the one path on its commitment, its clock started when the
 * request is complete, for the portal (`createTicket`, limited), an agent filing for a caller or a
 * visitor (ticket-staff-filing.ts), and other modules in their own transactions (a restoration after
 * arrears, a WeChat Pay complaint). What filing carries besides the ticket (photos, an appointment,
 * an outage link) is ticket-filing.ts.
 */
export class TicketFilingService extends TicketWork {
  constructor(
    deps: AppDeps,
    private readonly audit: AuditService,
    private readonly views: TicketViews,
    private readonly clocks: TicketClocks,
    private readonly staff: TicketStaffActions,
    private readonly arrears: RestorationArrears,
    /** Photos, appointment slot and outage link of a ticket being filed (ticket-filing.ts). */
    private readonly extras: TicketFiling,
  ) {
    super(deps);
  }

  /**
   * Files a ticket on one of the user's bound accounts; its commitment clock starts now (the request
   * is complete). Its photos, appointment and outage link are taken in the same transaction, and so
   * is whatever `within` adds (a bill dispute), so the ticket exists only with all of them.
   */
  async createTicket(userId: number, input: CreateTicketInput, within?: (tx: EntityManager, ticket: Ticket) => Promise<void>): Promise<TicketView> {
    const account = await requireBoundAccount(this.em, userId, input.accountId);
    await this.limitFiling(userId, input);
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
    await this.extras.prepare(input, account);
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
      await this.extras.apply(tx, t, input, account, now, (kind, message) => addTicketEvent(tx, this.now(), t.id, kind, message, { kind: 'system' }, now));
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

  // ---- views ----

}

