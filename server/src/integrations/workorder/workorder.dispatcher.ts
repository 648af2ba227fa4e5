import type { EntityManager } from '@mikro-orm/knex';
import type { Logger } from 'pino';
import type { Orm } from '../../db';
import type { Clock } from '../../deps';
import { claimDueRows, instanceName, leaseFree } from '../../modules/jobs/lease';
import { OutboxMessage } from '../../modules/outbox/outbox-message.entity';
import { Ticket } from '../../modules/tickets/ticket.entity';
import { WORKORDER_TOPIC, signedHeaders } from './workorder.protocol';

export interface WorkOrderDispatcherOptions {
  orm: Orm;
  /** `config.db.type`: decides how rows are claimed. */
  database: 'sqlite' | 'mysql';
  /** Where orders are POSTed (WORKORDER_URL). */
  url: string;
  secret: string;
  clock: Clock;
  logger: Logger;
  /** Names this instance in `claimed_by`; defaults to host, pid and a random suffix. */
  instanceId?: string;
  /** Rows claimed per round. */
  batchSize?: number;
  /** How long a claim holds; longer than a delivery can take, so a live claim is never taken over. */
  leaseMs?: number;
  /** First retry delay; doubles per failed attempt up to `maxDelayMs`, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-request timeout; a slow system counts as failed and is retried. */
  timeoutMs?: number;
  /** Jitter source, replaceable in tests. */
  random?: () => number;
}

export interface DispatchRound {
  claimed: number;
  sent: number;
  failed: number;
}

/**
 * Delivers the `workorder.ticket` outbox rows to the operator's work-order system.
 *
 * All state is in the database: a row is `pending` until the system answers 2xx, then `sent`. A
 * failure (network, timeout, non-2xx) only pushes `next_attempt_at` back, exponentially with
 * jitter, without limit: a ticket is never dropped, and a restarted server carries on where the
 * rows say. Several instances may run at once: a row is claimed (`claimed_by`, `claimed_until`)
 * before it is sent — on MySQL the due rows are selected `FOR UPDATE SKIP LOCKED` inside a
 * transaction so concurrent instances pick disjoint rows without waiting for each other; on SQLite
 * (a single writer) each claim is a conditional UPDATE. A claim whose holder died expires after
 * `leaseMs`, and the row is sent again with the same `Idempotency-Key`, which the receiver dedupes.
 */
export class WorkOrderDispatcher {
  readonly instanceId: string;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(private readonly opts: WorkOrderDispatcherOptions) {
    this.instanceId = opts.instanceId ?? instanceName();
    this.batchSize = opts.batchSize ?? 20;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.baseDelayMs = opts.baseDelayMs ?? 5_000;
    this.maxDelayMs = opts.maxDelayMs ?? 15 * 60_000;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.random = opts.random ?? Math.random;
  }

  /** Claims the due rows and delivers each once. */
  async runOnce(): Promise<DispatchRound> {
    const em = this.opts.orm.em.fork();
    const ids = await this.claim(em);
    let sent = 0;
    for (const id of ids) {
      const row = await em.findOne(OutboxMessage, id, { refresh: true });
      if (!row || row.status !== 'pending' || row.claimedBy !== this.instanceId) continue;
      if (await this.deliver(em, row)) sent++;
    }
    return { claimed: ids.length, sent, failed: ids.length - sent };
  }

  /** Runs rounds every `intervalMs` until `stop()`; a round that found work is followed at once by another. */
  start(intervalMs = 2_000): void {
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      let busy = false;
      try {
        this.running = this.runOnce();
        busy = ((await this.running) as DispatchRound).claimed > 0;
      } catch (err) {
        this.opts.logger.error({ err }, 'work-order dispatch round failed');
      } finally {
        this.running = null;
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), busy ? 0 : intervalMs);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  /** Stops after the round in progress; its claims are released by their result or expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** The retry delay after `attempts` failures: base·2^(n−1), capped, and between half and all of it (jitter). */
  retryDelayMs(attempts: number): number {
    const exp = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(exp / 2 + (exp / 2) * this.random());
  }

  private dueWhere(now: Date) {
    return {
      topic: WORKORDER_TOPIC,
      status: 'pending' as const,
      nextAttemptAt: { $lte: now },
      ...leaseFree('claimedUntil', now),
    };
  }

  private async claim(em: EntityManager): Promise<number[]> {
    const now = this.opts.clock.now();
    const claim = { claimedBy: this.instanceId, claimedUntil: new Date(now.getTime() + this.leaseMs) };
    return claimDueRows(em, OutboxMessage, { where: this.dueWhere(now), orderBy: { nextAttemptAt: 'asc', id: 'asc' }, limit: this.batchSize, holder: claim.claimedBy, until: claim.claimedUntil });
  }

  private async deliver(em: EntityManager, row: OutboxMessage): Promise<boolean> {
    const body = JSON.stringify({ ...row.payload, messageId: row.dedupeKey });
    let error: string | null = null;
    let answer: unknown = null;
    try {
      const res = await fetch(this.opts.url, {
        method: 'POST',
        headers: signedHeaders(this.opts.secret, body, this.opts.clock.now(), row.dedupeKey),
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      if (res.ok) answer = text ? (JSON.parse(text) as unknown) : {};
      else error = `HTTP ${res.status}: ${text.slice(0, 200)}`;
    } catch (err) {
      error = (err as Error).message || String(err);
    }
    const now = this.opts.clock.now();
    const attempts = row.attempts + 1;
    if (error === null) {
      await em.nativeUpdate(OutboxMessage, { id: row.id, status: 'pending' }, { status: 'sent', sentAt: now, attempts, claimedBy: null, claimedUntil: null, lastError: null });
      const orderNo = (answer as { orderNo?: unknown } | null)?.orderNo;
      const ticketId = row.payload.ticketId;
      if (typeof orderNo === 'string' && typeof ticketId === 'number') {
        await em.nativeUpdate(Ticket, { id: ticketId, workOrderNo: null }, { workOrderNo: orderNo.slice(0, 32) });
      }
      return true;
    }
    const delay = this.retryDelayMs(attempts);
    this.opts.logger.warn({ outboxId: row.id, dedupeKey: row.dedupeKey, attempts, retryInMs: delay, error }, 'work-order delivery failed; will retry');
    await em.nativeUpdate(
      OutboxMessage,
      { id: row.id, status: 'pending' },
      { attempts, nextAttemptAt: new Date(now.getTime() + delay), claimedBy: null, claimedUntil: null, lastError: error.slice(0, 500) },
    );
    return false;
  }
}
