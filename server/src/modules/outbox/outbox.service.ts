import type { EntityManager } from '@mikro-orm/knex';

export interface OutboxEntry {
  topic: string;
  /** Same key, same message: enqueueing again (a retried notification, a second instance) adds nothing. */
  dedupeKey: string;
  payload: Record<string, unknown>;
  /**
   * Delivers the messages sharing this key one at a time, in the order they were queued (by id):
   * one is not claimed while an earlier one of the key is still pending or being retried; a `sent`,
   * `skipped` or `dead` one lets the next go. The transactions queueing under one key must be
   * serialized (e.g. hold a lock on the row the messages are about), so that ids follow commit order.
   */
  orderingKey?: string;
}

/**
 * Queues messages in the caller's transaction (when `em` has one), so they exist exactly when the
 * change that caused them commits; each at most once ever: `INSERT … ON CONFLICT DO NOTHING` on
 * SQLite and `INSERT IGNORE` on MySQL/MariaDB against the unique `dedupe_key`, so two instances (or
 * two runs) racing on the same key both succeed and exactly one row exists. Returns how many were new.
 */
export async function enqueueOutbox(em: EntityManager, entries: OutboxEntry | readonly OutboxEntry[], now: Date): Promise<number> {
  const list = Array.isArray(entries) ? (entries as readonly OutboxEntry[]) : [entries as OutboxEntry];
  if (list.length === 0) return 0;
  const rows = list.map((e) => ({
    topic: e.topic,
    dedupeKey: e.dedupeKey,
    payload: e.payload,
    orderingKey: e.orderingKey ?? null,
    status: 'pending' as const,
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  }));
  // A fixed statement (every settlement queues its write-off here): `insert ignore` / `insert or
  // ignore`, as the query builder's onConflict().ignore() writes it, the payload as JSON text.
  const sqlite = em.getKnex().client.dialect !== 'mysql';
  // A DATETIME as the ORM stores it: epoch ms on SQLite, a UTC DATETIME(3) on MySQL (see read-db.ts).
  const at = sqlite ? now.getTime() : now.toISOString().replace('T', ' ').slice(0, 23);
  const res = await em.execute<{ affectedRows: number }>(
    `${sqlite ? 'insert or ignore' : 'insert ignore'} into \`outbox_message\` (\`topic\`, \`dedupe_key\`, \`payload\`, \`ordering_key\`, \`status\`, \`attempts\`, \`next_attempt_at\`, \`created_at\`) values ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    rows.flatMap((r) => [r.topic, r.dedupeKey, JSON.stringify(r.payload), r.orderingKey, r.status, r.attempts, at, at]),
    'run',
  );
  return res.affectedRows;
}

/**
 * What a handler may answer instead of delivering: the message is deliberately not delivered (the
 * user opted out, the notice is stale) and must not be retried. Recorded as status `skipped` with
 * the reason, so it can be told apart from a delivery and is never lost without a trace.
 */
export interface OutboxSkip {
  skipped: string;
}

/** Delivers one message; throwing means "not delivered, retry later"; `{ skipped }` means "not delivered, on purpose". */
export type OutboxHandler = (payload: Record<string, unknown>, message: { id: number; dedupeKey: string; attempts: number }) => Promise<void | OutboxSkip>;

/** Retry delay after the n-th failed attempt: 30 s, 1 min, 2 min … capped at 1 h. */
export function outboxBackoffMs(attempts: number): number {
  return Math.min(3600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}
