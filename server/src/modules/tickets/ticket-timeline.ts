import type { EntityManager } from '@mikro-orm/knex';
import type { TicketActorKind } from '@openhall/shared';
import type { StaffPrincipal } from '../../http/context';
import { randomUUID } from 'node:crypto';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { TicketEvent } from './ticket-event.entity';

/**
 * The outbox topic of timeline entries the subscriber may see, for whoever acts on them (the
 * notifications module sends the notices some of them call for).
 */
export const TICKET_EVENT_TOPIC = 'ticket.event';

/** Who writes a timeline entry. */
export type EventActor = { kind: TicketActorKind; id?: number | null; name?: string; jobNo?: string };

/**
 * Writes an entry in a ticket's timeline, in the caller's transaction (`at`: when it happened;
 * `now`: when it is written). An entry the subscriber may see is published on the outbox in the
 * same transaction, so it is heard of (a WeChat or SMS notice) exactly when it commits: a
 * redelivered work-order update, which rolls back, publishes nothing.
 */
export function addTicketEvent(
  tx: EntityManager,
  now: Date,
  ticketId: number,
  kind: string,
  message: string,
  actor: EventActor,
  at: Date,
  visibleToSubscriber = true,
): TicketEvent {
  const e = Object.assign(new TicketEvent(), {
    ticketId,
    kind,
    visibleToSubscriber,
    actorKind: actor.kind,
    actorId: actor.id ?? null,
    actorName: actor.name ?? null,
    actorJobNo: actor.jobNo ?? null,
    message,
    occurredAt: at,
    createdAt: now,
  });
  tx.persist(e);
  if (visibleToSubscriber) {
    tx.persist(
      Object.assign(new OutboxMessage(), {
        topic: TICKET_EVENT_TOPIC,
        dedupeKey: `${TICKET_EVENT_TOPIC}:${ticketId}:${kind}:${randomUUID()}`,
        payload: { ticketId, kind, actorName: e.actorName, actorJobNo: e.actorJobNo, occurredAt: at.toISOString() },
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
      }),
    );
  }
  return e;
}

/** A staff member as a timeline entry signs them: name and job number. */
export function staffActor(staff: StaffPrincipal): EventActor {
  return { kind: 'staff' as const, id: staff.staffId, name: staff.name, jobNo: staff.jobNo };
}
