import { EntitySchema, type EventArgs } from '@mikro-orm/core';
import type { TicketActorKind } from '@openhall/shared';
import { Ticket } from './ticket.entity';

/**
 * One entry of a ticket's timeline. Staff-only notes (transfers, escalations) are kept here too,
 * with `visibleToSubscriber` false. `externalEventId` is the work-order system's event id: unique,
 * so a redelivered update is recognised and changes nothing.
 */
export class TicketEvent {
  id!: number;
  ticketId!: number;
  kind!: string;
  visibleToSubscriber = true;
  actorKind!: TicketActorKind;
  actorId: number | null = null;
  actorName: string | null = null;
  actorJobNo: string | null = null;
  message!: string;
  externalEventId: string | null = null;
  /** When it happened (for work-order updates: in the field, which may be before it reached us). */
  occurredAt!: Date;
  createdAt: Date = new Date();
}

/**
 * Keeps `ticket.last_event_at` (the queue's "last change") at the newest entry's time, by one
 * conditional UPDATE in the transaction that inserts the entry, wherever the entry comes from: a
 * late work-order event that happened before the newest one moves nothing.
 */
async function touchTicket({ entity, em }: EventArgs<TicketEvent>): Promise<void> {
  const at = entity.occurredAt;
  await em.nativeUpdate(Ticket, { id: entity.ticketId, $or: [{ lastEventAt: null }, { lastEventAt: { $lt: at } }] }, { lastEventAt: at });
}

export const TicketEventSchema = new EntitySchema<TicketEvent>({
  class: TicketEvent,
  tableName: 'ticket_event',
  hooks: { afterCreate: [touchTicket] },
  indexes: [{ name: 'ticket_event_ticket_idx', properties: ['ticketId', 'occurredAt'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    ticketId: { type: 'integer' },
    kind: { type: 'string', length: 32 },
    visibleToSubscriber: { type: 'boolean' },
    actorKind: { type: 'string', length: 16 },
    actorId: { type: 'integer', nullable: true },
    actorName: { type: 'string', length: 64, nullable: true },
    actorJobNo: { type: 'string', length: 32, nullable: true },
    message: { type: 'text' },
    externalEventId: { type: 'string', length: 64, nullable: true, unique: 'ticket_event_external_unique' },
    occurredAt: { type: 'datetime' },
    createdAt: { type: 'datetime' },
  },
});
