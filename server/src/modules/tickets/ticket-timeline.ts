import type { EntityManager } from '@mikro-orm/knex';
import type { TicketActorKind } from '@openhall/shared';
import type { StaffPrincipal } from '../../http/context';
import { enqueueTicketNotification } from '../notifications/notifications.service';
import { TicketEvent } from './ticket-event.entity';

/** Who writes a timeline entry. */
export type EventActor = { kind: TicketActorKind; id?: number | null; name?: string; jobNo?: string };

/**
 * Writes an entry in a ticket's timeline, in the caller's transaction (`at`: when it happened;
 * `now`: when it is written). The subscriber hears about it (WeChat / SMS) if it commits and they
 * may see it: the notice is queued in the same transaction.
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
  enqueueTicketNotification(tx, e, now);
  return e;
}

/** A staff member as a timeline entry signs them: name and job number. */
export function staffActor(staff: StaffPrincipal): EventActor {
  return { kind: 'staff' as const, id: staff.staffId, name: staff.name, jobNo: staff.jobNo };
}
