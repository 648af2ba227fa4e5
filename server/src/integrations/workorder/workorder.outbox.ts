import type { EntityManager } from '@mikro-orm/core';
import { OutboxMessage } from '../../modules/outbox/outbox-message.entity';
import { WORKORDER_TOPIC } from './workorder.protocol';

/**
 * What OpenHall sends the work-order system: a new order, a cancellation, a reopened order, or a
 * change of its commitment deadline (`deadline`: the new one, null while the ticket waits for the
 * subscriber; `asOf`: when it changed, so a late delivery does not undo a newer one).
 */
export interface WorkOrderMessage {
  action: 'create' | 'cancel' | 'reopen' | 'deadline';
  ticketId: number;
  [key: string]: unknown;
}

/**
 * Queues a message for the work-order system in the caller's transaction, so it is written if and
 * only if the ticket change that causes it commits. `dedupeKey` is unique: `workorder:<ticketId>`
 * for the order itself, so a ticket can never be queued twice.
 */
export function enqueueWorkOrder(em: EntityManager, dedupeKey: string, message: WorkOrderMessage, now: Date): OutboxMessage {
  const row = Object.assign(new OutboxMessage(), {
    topic: WORKORDER_TOPIC,
    dedupeKey,
    payload: message,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  });
  em.persist(row);
  return row;
}
