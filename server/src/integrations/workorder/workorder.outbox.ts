import type { EntityManager } from '@mikro-orm/core';
import type { Orm } from '../../db';
import type { Clock } from '../../deps';
import { OutboxMessage } from '../../modules/outbox/outbox-message.entity';
import type { OutboxRunner } from '../../modules/outbox/outbox.runner';
import { Ticket } from '../../modules/tickets/ticket.entity';
import { WORKORDER_TOPIC, signedHeaders } from './workorder.protocol';

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

export interface WorkOrderTopicOptions {
  orm: Orm;
  /** Where orders are POSTed (WORKORDER_URL). */
  url: string;
  secret: string;
  clock: Clock;
  /** Per-request timeout; a slow system counts as failed and is retried. Default 15 s. */
  timeoutMs?: number;
  /** Jitter source of the retry delay, replaceable in tests. */
  random?: () => number;
  /** Messages claimed per pass; default 20. */
  batchSize?: number;
}

/** First retry delay of a work order; doubles per failed attempt up to {@link WORKORDER_MAX_DELAY_MS}. */
const WORKORDER_BASE_DELAY_MS = 5_000;
const WORKORDER_MAX_DELAY_MS = 15 * 60_000;

/** The retry delay after `attempts` failures: 5 s·2^(n−1), capped at 15 min, and between half and all of it (jitter). */
export function workOrderRetryDelayMs(attempts: number, random: () => number = Math.random): number {
  const exp = Math.min(WORKORDER_MAX_DELAY_MS, WORKORDER_BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

/**
 * Work orders as a topic of the outbox runner: each `workorder.ticket` message is POSTed, signed,
 * to the operator's work-order system. A failure (network, timeout, non-2xx) only pushes the
 * message's next attempt back, exponentially with jitter and without limit: a ticket is never
 * dropped (never `dead`), and a restarted server carries on where the rows say. A message sent
 * again (its instance died mid-delivery, a timeout the system did take) carries the same
 * `Idempotency-Key`, which the receiver dedupes. The order number the system answers is stored on
 * the ticket. Drained every 2 s, from the start.
 */
export function registerWorkOrderTopic(outbox: OutboxRunner, opts: WorkOrderTopicOptions): void {
  const random = opts.random ?? Math.random;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  outbox.register(
    WORKORDER_TOPIC,
    async (payload, message) => {
      const body = JSON.stringify({ ...payload, messageId: message.dedupeKey });
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: signedHeaders(opts.secret, body, opts.clock.now(), message.dedupeKey),
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
      const orderNo = (text ? (JSON.parse(text) as { orderNo?: unknown } | null) : null)?.orderNo;
      const ticketId = payload.ticketId;
      if (typeof orderNo === 'string' && typeof ticketId === 'number') {
        await opts.orm.em.fork().nativeUpdate(Ticket, { id: ticketId, workOrderNo: null }, { workOrderNo: orderNo.slice(0, 32) });
      }
    },
    { intervalMs: 2_000, firstAfterMs: 0, batchSize: opts.batchSize ?? 20, leaseMs: 60_000, backoffMs: (attempts) => workOrderRetryDelayMs(attempts, random), maxAttempts: Infinity },
  );
}
