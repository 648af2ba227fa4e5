import { EntitySchema } from '@mikro-orm/core';
import type { CallbackOutcome, CallbackReason, CallbackStatus } from '@openhall/shared';

/**
 * A phone callback (回访) staff owe the subscriber for one resolution of a ticket: it was rated low,
 * or not rated within the window. Unique per (ticket, round), so however many job instances or
 * ratings race, a resolution gets one task.
 */
export class TicketCallback {
  id!: number;
  ticketId!: number;
  round!: number;
  reason!: CallbackReason;
  status: CallbackStatus = 'open';
  attempts = 0;
  /** When the next call is due: the queue is sorted by it. */
  dueAt!: Date;
  outcome: CallbackOutcome | null = null;
  note: string | null = null;
  /** The subscriber's score given on the phone. */
  stars: number | null = null;
  lastCalledByStaffId: number | null = null;
  lastAttemptAt: Date | null = null;
  completedAt: Date | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const TicketCallbackSchema = new EntitySchema<TicketCallback>({
  class: TicketCallback,
  tableName: 'ticket_callback',
  uniques: [{ name: 'ticket_callback_round_unique', properties: ['ticketId', 'round'] }],
  indexes: [{ name: 'ticket_callback_status_due_idx', properties: ['status', 'dueAt'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    ticketId: { type: 'integer' },
    round: { type: 'integer' },
    reason: { type: 'string', length: 16 },
    status: { type: 'string', length: 16 },
    attempts: { type: 'integer' },
    dueAt: { type: 'datetime' },
    outcome: { type: 'string', length: 16, nullable: true },
    note: { type: 'string', length: 500, nullable: true },
    stars: { type: 'integer', nullable: true },
    lastCalledByStaffId: { type: 'integer', nullable: true },
    lastAttemptAt: { type: 'datetime', nullable: true },
    completedAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
