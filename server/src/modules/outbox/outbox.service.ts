import type { EntityManager } from '@mikro-orm/knex';
import type { Logger } from 'pino';
import type { Orm } from '../../db';
import { instanceName, leaseFree, takeRow } from '../jobs/lease';
import { OutboxMessage } from './outbox-message.entity';

export interface OutboxEntry {
  topic: string;
  /** Same key, same message: enqueueing again (a retried notification, a second instance) adds nothing. */
  dedupeKey: string;
  payload: Record<string, unknown>;
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
    `${sqlite ? 'insert or ignore' : 'insert ignore'} into \`outbox_message\` (\`topic\`, \`dedupe_key\`, \`payload\`, \`status\`, \`attempts\`, \`next_attempt_at\`, \`created_at\`) values ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    rows.flatMap((r) => [r.topic, r.dedupeKey, JSON.stringify(r.payload), r.status, r.attempts, at, at]),
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

export interface OutboxDispatcherOptions {
  batchSize?: number;
  /** How long a claim holds before another instance may take the message over. */
  claimMs?: number;
  /** Attempts before a message is marked dead (left for staff). */
  maxAttempts?: number;
}

/** Retry delay after the n-th failed attempt: 30 s, 1 min, 2 min … capped at 1 h. */
export function outboxBackoffMs(attempts: number): number {
  return Math.min(3600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Delivers pending outbox messages. Several instances may run it at once: each message is claimed
 * by a conditional UPDATE (only one instance's UPDATE matches), and a claim expires, so a message
 * whose instance died is picked up again.
 */
export class OutboxDispatcher {
  private readonly handlers = new Map<string, OutboxHandler>();
  readonly instanceId = instanceName();

  constructor(
    private readonly orm: Orm,
    private readonly logger: Logger,
    private readonly opts: OutboxDispatcherOptions = {},
  ) {}

  register(topic: string, handler: OutboxHandler): void {
    this.handlers.set(topic, handler);
  }

  /**
   * One pass: for each topic, claims up to a batch of its due messages (oldest due first) and
   * delivers them. Topics are taken one by one so that a backlog of one (a month of renewal
   * reminders) never holds up another (bill write-offs), and each topic's query walks the
   * (status, topic, next_attempt_at) index and stops at the batch. `more` is true when some topic
   * filled its batch: there may be more due now.
   */
  async runOnce(now: Date = new Date(), topics?: readonly string[]): Promise<{ sent: number; failed: number; skipped: number; more: boolean }> {
    const total = { sent: 0, failed: 0, skipped: 0, more: false };
    const batchSize = this.opts.batchSize ?? 50;
    for (const topic of topics ?? this.handlers.keys()) {
      if (!this.handlers.has(topic)) continue;
      const r = await this.runTopic(topic, now, batchSize);
      total.sent += r.sent;
      total.failed += r.failed;
      total.skipped += r.skipped;
      total.more ||= r.claimed === batchSize;
    }
    return total;
  }

  /**
   * Passes until nothing more is due or `budgetMs` is spent, so a backlog drains at the speed the
   * receivers take it rather than a batch per job interval. `topics`: only these (a person is
   * waiting for them, so a job of their own runs them more often); all by default.
   */
  async drain(budgetMs: number, now: () => Date = () => new Date(), topics?: readonly string[]): Promise<{ sent: number; failed: number; skipped: number; passes: number }> {
    const deadline = Date.now() + budgetMs;
    const total = { sent: 0, failed: 0, skipped: 0, passes: 0 };
    let more = true;
    while (more && (total.passes === 0 || Date.now() < deadline)) {
      const r = await this.runOnce(now(), topics);
      total.sent += r.sent;
      total.failed += r.failed;
      total.skipped += r.skipped;
      total.passes++;
      more = r.more;
    }
    return total;
  }

  private async runTopic(topic: string, now: Date, batchSize: number): Promise<{ sent: number; failed: number; skipped: number; claimed: number }> {
    const em = this.orm.em.fork();
    const due = await em.find(
      OutboxMessage,
      {
        status: 'pending',
        topic,
        nextAttemptAt: { $lte: now },
        ...leaseFree('claimedUntil', now),
      },
      { orderBy: { nextAttemptAt: 'asc', id: 'asc' }, limit: batchSize, fields: ['id'] },
    );
    let sent = 0;
    let failed = 0;
    let skipped = 0;
    for (const { id } of due) {
      const claimedUntil = new Date(now.getTime() + (this.opts.claimMs ?? 60_000));
      if (!(await takeRow(em, OutboxMessage, { id, status: 'pending', ...leaseFree('claimedUntil', now) }, { claimedBy: this.instanceId, claimedUntil }))) continue; // another instance has it
      const msg = await em.findOneOrFail(OutboxMessage, id, { refresh: true });
      const handler = this.handlers.get(msg.topic)!;
      const attempts = msg.attempts + 1;
      try {
        const outcome = await handler(msg.payload, { id: msg.id, dedupeKey: msg.dedupeKey, attempts });
        const skip = outcome ? outcome.skipped.slice(0, 500) : null;
        await em
          .createQueryBuilder(OutboxMessage)
          .update({ status: skip === null ? 'sent' : 'skipped', attempts, sentAt: skip === null ? new Date() : null, claimedBy: null, claimedUntil: null, lastError: skip })
          .where({ id, claimedBy: this.instanceId })
          .execute('run');
        if (skip === null) sent++;
        else {
          skipped++;
          this.logger.info({ outboxId: id, topic: msg.topic, reason: skip }, 'outbox message skipped');
        }
      } catch (err) {
        failed++;
        const dead = attempts >= (this.opts.maxAttempts ?? 20);
        const lastError = String((err as Error)?.message ?? err).slice(0, 500);
        this.logger.warn({ outboxId: id, topic: msg.topic, attempts, err: lastError }, dead ? 'outbox message dead' : 'outbox delivery failed');
        await em
          .createQueryBuilder(OutboxMessage)
          .update({
            status: dead ? 'dead' : 'pending',
            attempts,
            nextAttemptAt: new Date(now.getTime() + outboxBackoffMs(attempts)),
            claimedBy: null,
            claimedUntil: null,
            lastError,
          })
          .where({ id, claimedBy: this.instanceId })
          .execute('run');
      }
    }
    return { sent, failed, skipped, claimed: due.length };
  }
}
