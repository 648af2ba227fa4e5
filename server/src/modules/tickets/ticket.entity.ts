import { EntitySchema } from '@mikro-orm/core';
import type { CommitmentUnit, FaultSeverity, TicketChannel, TicketStatus, TicketType } from '@openhall/shared';

/**
 * A subscriber's ticket (工单). The commitment it is measured against is fixed when it is filed
 * (code and target copied from the operator's published commitments), so a later change to the
 * published promise does not move the deadline of tickets already running.
 */
export class Ticket {
  id!: number;
  type!: TicketType;
  accountId!: number;
  /**
   * The portal user who follows it (sees it, urges, rates it, gets its notices). Null for a ticket
   * an agent filed on an account nobody has bound: its notices go by SMS to the contact phone.
   */
  userId: number | null = null;
  /** Where it came from (the portal, the hotline, the counter, a WeChat Pay complaint). */
  channel: TicketChannel = 'portal';
  /** The account's area at filing (queue filter; decides city/rural installation). */
  area!: string;
  description!: string;
  contactPhone!: string;
  severity: FaultSeverity | null = null;
  status: TicketStatus = 'submitted';
  commitmentCode!: string;
  targetAmount!: number;
  targetUnit!: CommitmentUnit;
  /** When the request was complete: the commitment clock runs from here. */
  clockStartedAt!: Date;
  /** The first staff member to claim it (首问负责人); answers for it to the end. */
  ownerStaffId: number | null = null;
  /** Who is working on it now when the owner handed it on; the owner stays responsible. */
  handlerStaffId: number | null = null;
  acceptedAt: Date | null = null;
  workOrderNo: string | null = null;
  technicianName: string | null = null;
  technicianJobNo: string | null = null;
  urgeCount = 0;
  lastUrgedAt: Date | null = null;
  escalatedAt: Date | null = null;
  /** Resolution stops the clock. */
  resolvedAt: Date | null = null;
  closedAt: Date | null = null;
  cancelledAt: Date | null = null;
  reopenCount = 0;
  /** Work-order updates that happened before this are history: they land in the timeline only. */
  reopenedAt: Date | null = null;
  /**
   * The deadline as the clock computes it from the facts above and the ticket's pauses and
   * extensions (TicketClocks.storeClocks, in the transaction of every change that moves it):
   * null while paused, when the stored facts cannot be computed, and for a cancelled ticket.
   */
  deadlineAt: Date | null = null;
  /**
   * Where the staff queue sorts it (QUEUE_KEY in ticket-clocks.ts): clocks that cannot be
   * computed first, then running ones by deadline, paused ones by the time they had left, none last.
   * Null until computed (a row planted outside the service, or not yet backfilled).
   */
  queueKey: number | null = null;
  /**
   * When its newest timeline entry happened (the queue's "last change"): kept by the ticket event
   * hook (ticket-event.entity.ts) in the entry's transaction; null only before its first entry.
   */
  lastEventAt: Date | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const TicketSchema = new EntitySchema<Ticket>({
  class: Ticket,
  tableName: 'ticket',
  indexes: [
    { name: 'ticket_user_created_idx', properties: ['userId', 'createdAt'] },
    { name: 'ticket_status_type_idx', properties: ['status', 'type'] },
    { name: 'ticket_owner_idx', properties: ['ownerStaffId'] },
    // The staff metrics and the scorecard (covering: they read these indexes alone).
    { name: 'ticket_created_metrics_idx', properties: ['createdAt', 'area', 'type', 'status', 'acceptedAt'] },
    { name: 'ticket_resolved_metrics_idx', properties: ['resolvedAt', 'status', 'area', 'commitmentCode', 'type', 'reopenCount', 'clockStartedAt', 'deadlineAt', 'queueKey'] },
    { name: 'ticket_late_open_idx', properties: ['status', 'deadlineAt', 'area', 'commitmentCode', 'clockStartedAt', 'queueKey', 'resolvedAt'] },
    // The console's search (staff-search.service.ts).
    { name: 'ticket_work_order_no_idx', properties: ['workOrderNo'] },
    { name: 'ticket_contact_phone_idx', properties: ['contactPhone'] },
    // The console's account page.
    { name: 'ticket_account_idx', properties: ['accountId', 'id'] },
    // The staff queue's order (the stored clock).
    { name: 'ticket_queue_idx', properties: ['status', 'queueKey', 'id'] },
    // The queue's other orders: last change, ticket number (each also by area).
    { name: 'ticket_last_event_idx', properties: ['status', 'lastEventAt', 'id'] },
    { name: 'ticket_last_event_area_idx', properties: ['status', 'area', 'lastEventAt', 'id'] },
    { name: 'ticket_status_id_idx', properties: ['status', 'id'] },
    { name: 'ticket_status_area_id_idx', properties: ['status', 'area', 'id'] },
    { name: 'ticket_queue_area_idx', properties: ['status', 'area', 'queueKey', 'id'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    type: { type: 'string', length: 16 },
    accountId: { type: 'integer' },
    userId: { type: 'integer', nullable: true },
    channel: { type: 'string', length: 24 },
    area: { type: 'string', length: 32 },
    description: { type: 'text' },
    contactPhone: { type: 'string', length: 20 },
    severity: { type: 'string', length: 16, nullable: true },
    status: { type: 'string', length: 16 },
    commitmentCode: { type: 'string', length: 32 },
    targetAmount: { type: 'integer' },
    targetUnit: { type: 'string', length: 16 },
    clockStartedAt: { type: 'datetime' },
    ownerStaffId: { type: 'integer', nullable: true },
    handlerStaffId: { type: 'integer', nullable: true },
    acceptedAt: { type: 'datetime', nullable: true },
    workOrderNo: { type: 'string', length: 32, nullable: true },
    technicianName: { type: 'string', length: 64, nullable: true },
    technicianJobNo: { type: 'string', length: 32, nullable: true },
    urgeCount: { type: 'integer' },
    lastUrgedAt: { type: 'datetime', nullable: true },
    escalatedAt: { type: 'datetime', nullable: true },
    resolvedAt: { type: 'datetime', nullable: true },
    closedAt: { type: 'datetime', nullable: true },
    cancelledAt: { type: 'datetime', nullable: true },
    reopenCount: { type: 'integer' },
    reopenedAt: { type: 'datetime', nullable: true },
    deadlineAt: { type: 'datetime', nullable: true },
    queueKey: { type: 'integer', nullable: true }, // BIGINT (up to 9e15)
    lastEventAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
