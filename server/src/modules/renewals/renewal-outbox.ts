import type { EntityManager } from '@mikro-orm/knex';
import { OutboxMessage } from '../outbox/outbox-message.entity';

/** A message to queue once: a second message with the same `dedupeKey` is dropped, not an error. */
export interface OutboxDraft {
  topic: string;
  dedupeKey: string;
  payload: Record<string, unknown>;
}

/**
 * Queues outbox messages, each at most once ever: `INSERT … ON CONFLICT DO NOTHING` on SQLite and
 * `INSERT IGNORE` on MySQL/MariaDB against the unique `dedupe_key`, so two job instances (or two
 * runs) racing on the same key both succeed and exactly one row exists. Returns how many were new.
 * Runs in `em`'s transaction when it has one.
 */
export async function enqueueOnce(em: EntityManager, drafts: readonly OutboxDraft[], now: Date): Promise<number> {
  if (drafts.length === 0) return 0;
  const rows = drafts.map((d) => ({
    topic: d.topic,
    dedupeKey: d.dedupeKey,
    payload: d.payload,
    status: 'pending' as const,
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  }));
  const res = await em.createQueryBuilder(OutboxMessage).insert(rows).onConflict(['dedupeKey']).ignore().execute('run');
  return res.affectedRows;
}
