import { EntitySchema } from '@mikro-orm/core';

/**
 * What a pause waits for: information from the subscriber, (a restoration) the arrears to be paid, or
 * the home visit the subscriber chose after the deadline (a closed pause from filing to the visit).
 */
export type TicketPauseKind = 'information' | 'arrears' | 'appointment';

/** Time the ticket waited for the subscriber; it does not count against the commitment. `to` null: waiting now. */
export class TicketPause {
  id!: number;
  ticketId!: number;
  kind: TicketPauseKind = 'information';
  from!: Date;
  to: Date | null = null;
  reason!: string;
  openedByStaffId: number | null = null;
  createdAt: Date = new Date();
}

export const TicketPauseSchema = new EntitySchema<TicketPause>({
  class: TicketPause,
  tableName: 'ticket_pause',
  indexes: [
    { name: 'ticket_pause_ticket_idx', properties: ['ticketId'] },
    { name: 'ticket_pause_kind_open_idx', properties: ['kind', 'to'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    ticketId: { type: 'integer' },
    kind: { type: 'string', length: 16 },
    from: { type: 'datetime', fieldName: 'paused_from' },
    to: { type: 'datetime', nullable: true, fieldName: 'paused_to' },
    reason: { type: 'string', length: 500 },
    openedByStaffId: { type: 'integer', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
