import type { EntityManager } from '@mikro-orm/knex';
import {
  TICKET_URGE_RULES,
  calendarNoteFor,
  maskName,
  maskPhone,
  maskSensitiveText,
  type Page,
  type StaffTicketView,
  type TicketClockView,
  type TicketEventView,
  type TicketListQuery,
  type TicketView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { placeholders } from '../../read-db';
import { NotFoundError } from '../../http/errors';
import type { Account } from '../accounts/account.entity';
import { StaffUser } from '../staff/staff-user.entity';
import { TicketEvent } from './ticket-event.entity';
import { FACT_HINTS, HOUR_MS, OPEN_STATUSES, type ClockFacts, type HintedTicket, type TicketClocks } from './ticket-clocks';
import { Ticket } from './ticket.entity';

/** What a ticket's views are made from, loaded for many tickets at once: its clock facts and staff. */
export interface ViewFacts extends ClockFacts {
  staff: Map<number, StaffUser>;
  /** Staff views only: the tickets' accounts, by id (number, holder, for the console). */
  accounts?: Map<number, StaffAccountFacts>;
}
/** What a staff view shows of a ticket's account. */
export type StaffAccountFacts = Pick<Account, 'id' | 'accountNo' | 'holderName'>;

/**
 * What the subscriber and the staff see of tickets: the subscriber's list and ticket page, the
 * staff ticket page, and the views the actions answer with, each with its clock (as the clocks
 * compute it now), owner and handler, account (staff), and timeline (staff notes for staff only;
 * phone and ID numbers masked for the subscriber). Reads by fixed statements where they are hot.
 */
export class TicketViews {
  constructor(
    private readonly deps: AppDeps,
    private readonly clocks: TicketClocks,
  ) {}

  /**
   * The request's entity manager with nothing cached. State changes are conditional UPDATEs that
   * bypass the identity map, and a refresh does not reset a column that became NULL, so every read
   * that follows a change starts from an empty map.
   */
  private get freshEm(): EntityManager {
    this.deps.orm.em.clear();
    return this.deps.orm.em;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** The user's tickets, newest first. */
  async listTickets(userId: number, query: TicketListQuery): Promise<Page<TicketView>> {
    const where = { userId, ...(query.status ? { status: query.status } : {}) };
    const [rows, total] = await this.freshEm.findAndCount(Ticket, where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    const facts = await this.loadFacts(rows);
    return { items: rows.map((t) => this.toSubscriberView(t, facts)), page: query.page, pageSize: query.pageSize, total };
  }

  /** One of the user's tickets with its subscriber-visible timeline. */
  async getTicket(userId: number, ticketId: number): Promise<TicketView> {
    // Just read, by fixed statements: the ticket, its clock facts, its timeline.
    const [row] = await this.deps.readDb.entities(Ticket, `select *, ${FACT_HINTS} from \`ticket\` where \`id\` = ? and \`user_id\` = ?`, [ticketId, userId]);
    if (!row) throw new NotFoundError('工单');
    const ticket = row as HintedTicket; // loadFacts reads its hints
    const [facts, timeline] = await Promise.all([this.loadFacts([ticket]), this.timeline(ticket.id, true)]);
    return { ...this.toSubscriberView(ticket, facts), timeline };
  }

  /** One ticket with its whole timeline, staff notes included. */
  async getStaffTicket(ticketId: number): Promise<StaffTicketView> {
    const ticket = await this.freshEm.findOne(Ticket, ticketId);
    if (!ticket) throw new NotFoundError('工单');
    return this.staffView(ticket);
  }

  /** A ticket's clock facts and staff, for its pages (and for the few on a page of a list). */
  async loadFacts(tickets: HintedTicket[]): Promise<ViewFacts> {
    const [clock, staff] = await Promise.all([this.clocks.loadClockFacts(tickets), this.loadStaff(tickets)]);
    return { ...clock, staff };
  }

  /** The accounts of some tickets (number and holder), by id: the console names accounts by number, never by id. */
  async loadAccounts(tickets: Array<Pick<Ticket, 'accountId'>>): Promise<Map<number, StaffAccountFacts>> {
    const ids = [...new Set(tickets.map((t) => t.accountId))];
    if (ids.length === 0) return new Map();
    const rows = await this.deps.readDb.rows<StaffAccountFacts>(
      `select \`id\`, \`account_no\` as \`accountNo\`, \`holder_name\` as \`holderName\` from \`account\` where \`id\` in (${placeholders(ids.length)})`,
      ids,
    );
    return new Map(rows.map((a) => [Number(a.id), a]));
  }

  /** The staff who own or handle some tickets, by id. */
  async loadStaff(tickets: Array<Pick<Ticket, 'ownerStaffId' | 'handlerStaffId'>>): Promise<Map<number, StaffUser>> {
    const ids = [...new Set(tickets.flatMap((t) => [t.ownerStaffId, t.handlerStaffId]).filter((x): x is number => x !== null))];
    if (ids.length === 0) return new Map();
    const staff = (await this.deps.readDb.entities(StaffUser, `select * from \`staff_user\` where \`id\` in (${placeholders(ids.length)})`, ids)) as StaffUser[];
    return new Map(staff.map((s) => [s.id, s]));
  }

  clockView(t: Ticket, facts: ViewFacts): TicketClockView | null {
    const now = this.now();
    const sla = this.clocks.clockOf(t, facts, now);
    if (!sla) return null;
    // What the ticket waits for now: an open pause, or a visit chosen after the deadline (known end).
    const waiting = sla.paused ? (facts.pauses.get(t.id) ?? []).filter((p) => p.from <= now && (p.to === null || p.to > now)) : [];
    const forVisit = waiting.length > 0 && waiting.every((p) => p.kind === 'appointment') ? waiting[0] : null;
    return {
      commitmentCode: t.commitmentCode,
      title: this.deps.config.operator.commitments.find((c) => c.code === t.commitmentCode)?.title ?? t.commitmentCode,
      targetAmount: t.targetAmount,
      targetUnit: t.targetUnit,
      startedAt: t.clockStartedAt.toISOString(),
      deadline: sla.deadline?.toISOString() ?? null,
      paused: sla.paused,
      remainingMs: sla.remainingMs,
      risk: sla.risk,
      breached: sla.breached,
      onTime: sla.onTime,
      pausedFor: !sla.paused ? null : forVisit ? 'appointment' : waiting.some((p) => p.kind === 'arrears') ? 'arrears' : 'information',
      pausedUntil: forVisit?.to?.toISOString() ?? null,
      calendarNote: t.targetUnit === 'working_days' ? calendarNoteFor(this.clocks.calendar, t.clockStartedAt, sla.deadline ?? this.now()) : null,
      extensions: (facts.extensions.get(t.id) ?? [])
        .filter((e) => e.status === 'approved')
        .map((e) => ({ amount: e.amount, unit: e.unit, reason: e.reason, approvedBy: e.approvedBy ?? '' })),
    };
  }

  canUrge(t: Ticket): boolean {
    if (!OPEN_STATUSES.includes(t.status) || t.urgeCount >= TICKET_URGE_RULES.maxTotal) return false;
    return t.lastUrgedAt === null || this.now().getTime() - t.lastUrgedAt.getTime() >= TICKET_URGE_RULES.minIntervalHours * HOUR_MS;
  }

  toSubscriberView(t: Ticket, facts: ViewFacts): TicketView {
    const owner = t.ownerStaffId !== null ? facts.staff.get(t.ownerStaffId) : undefined;
    return {
      id: t.id,
      type: t.type,
      severity: t.severity,
      status: t.status,
      accountId: t.accountId,
      description: t.description,
      contactPhoneMasked: maskPhone(t.contactPhone),
      clock: this.clockView(t, facts),
      owner: owner ? { name: owner.name, jobNo: owner.jobNo } : null,
      technician: t.technicianName ? { name: t.technicianName, jobNo: t.technicianJobNo } : null,
      workOrderNo: t.workOrderNo,
      urgeCount: t.urgeCount,
      canUrge: this.canUrge(t),
      createdAt: t.createdAt.toISOString(),
      resolvedAt: t.resolvedAt?.toISOString() ?? null,
    };
  }

  toStaffView(t: Ticket, facts: ViewFacts, withTimeline: boolean, timeline?: TicketEventView[]): StaffTicketView {
    const { contactPhoneMasked: _masked, ...base } = this.toSubscriberView(t, facts);
    const handler = t.handlerStaffId !== null ? facts.staff.get(t.handlerStaffId) : undefined;
    const account = facts.accounts?.get(t.accountId);
    return {
      ...base,
      contactPhone: t.contactPhone,
      area: t.area,
      areaName: this.deps.config.operator.areas.find((a) => a.code === t.area)?.name ?? t.area,
      accountNo: account?.accountNo ?? '',
      holderNameMasked: account ? maskName(account.holderName) : '',
      lastUrgedAt: t.lastUrgedAt?.toISOString() ?? null,
      updatedAt: t.updatedAt.toISOString(),
      lastChangeAt: (t.lastEventAt ?? t.createdAt).toISOString(),
      userId: t.userId,
      channel: t.channel,
      ownerStaffId: t.ownerStaffId,
      handlerStaffId: t.handlerStaffId,
      handler: handler ? { name: handler.name, jobNo: handler.jobNo } : null,
      escalatedAt: t.escalatedAt?.toISOString() ?? null,
      extensionRequests: (facts.extensions.get(t.id) ?? []).map((e) => ({ id: e.id, amount: e.amount, unit: e.unit, reason: e.reason, status: e.status })),
      ...(withTimeline ? { timeline } : {}),
    };
  }

  async timeline(ticketId: number, subscriber: boolean): Promise<TicketEventView[]> {
    const events = (await this.deps.readDb.entities(
      TicketEvent,
      `select * from \`ticket_event\` where \`ticket_id\` = ?${subscriber ? ' and `visible_to_subscriber` = 1' : ''} order by \`occurred_at\` asc, \`id\` asc`,
      [ticketId],
    )) as TicketEvent[];
    return events.map((e) => ({
      id: e.id,
      kind: e.kind,
      actorKind: e.actorKind,
      actorName: e.actorName,
      actorJobNo: e.actorJobNo,
      // Subscribers see phone and ID numbers masked, whoever typed them.
      message: subscriber ? maskSensitiveText(e.message) : e.message,
      occurredAt: e.occurredAt.toISOString(),
      ...(subscriber ? {} : { visibleToSubscriber: Boolean(e.visibleToSubscriber) }),
    }));
  }

  async subscriberView(ticket: Ticket, withTimeline: boolean): Promise<TicketView> {
    const fresh = await this.freshEm.findOneOrFail(Ticket, ticket.id);
    const view = this.toSubscriberView(fresh, await this.loadFacts([fresh]));
    if (withTimeline) view.timeline = await this.timeline(fresh.id, true);
    return view;
  }

  async staffView(ticket: Ticket): Promise<StaffTicketView> {
    const [facts, accounts, timeline] = await Promise.all([this.loadFacts([ticket]), this.loadAccounts([ticket]), this.timeline(ticket.id, false)]);
    return this.toStaffView(ticket, { ...facts, accounts }, true, timeline);
  }
}
