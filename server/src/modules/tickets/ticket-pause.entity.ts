import { EntitySchema } from '@mikro-orm/core';

/** Time the ticket waited for the subscriber; it does not count against the commitment. `to` null: waiting now. */
export class TicketPause {
  id!: number;
  ticketId!: number;
  from!: Date;
  to: Date | null = null;
  reason!: string;
  openedByStaffId: number | null = null;
  createdAt: Date = new Date();
}

export const TicketPauseSchema = new EntitySchema<TicketPause>({
  class: TicketPause,
  tableName: 'ticket_pause',
  indexes: [{ name: 'ticket_pause_ticket_idx', properties: ['ticketId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    ticketId: { type: 'integer' },
    from: { type: 'datetime', fieldName: 'paused_from' },
    to: { type: 'datetime', nullable: true, fieldName: 'paused_to' },
    reason: { type: 'string', length: 500 },
    openedByStaffId: { type: 'integer', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
