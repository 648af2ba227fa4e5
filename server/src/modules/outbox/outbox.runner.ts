import type { EntityManager } from '@mikro-orm/knex';
import type { Logger } from 'pino';
import type { Orm } from '../../db';
import type { Clock } from '../../deps';
import { startPeriodicJob } from '../jobs/periodic';
import { claimDueRows, instanceName, leaseFree, renewClaim } from '../jobs/lease';
import { OutboxMessage } from './outbox-message.entity';
import { outboxBackoffMs, type OutboxHandler } from './outbox.service';

/** How one topic is delivered. Every field has a default (the runner's), so most topics give none. */
export interface OutboxTopicOptions {
  /**
   * How often this topic is drained while the jobs run. Topics with the same interval share one
   * loop (a lane); default: the runner's `intervalMs` (OUTBOX_INTERVAL_SECONDS, 30 s).
   */
  intervalMs?: number;
  /** The first drain after `start()`; default one interval. */
  firstAfterMs?: number;
  /** How long one drain of the lane may go on while there is more due; default 20 s. */
  budgetMs?: number;
  /** Messages claimed per pass; default 50. */
  batchSize?: number;
  /** How long a claim holds before another instance may take the message over; default 60 s. */
  leaseMs?: number;
  /** The delay before trying again after the n-th failed attempt; default {@link outboxBackoffMs}. */
  backoffMs?: (attempts: number) => number;
  /** Attempts before a message is marked dead (left for staff); default 20; `Infinity`: never (retried forever). */
  maxAttempts?: number;
  /**
   * Called once a message of this topic is recorded `dead` or `skipped` (it will never be delivered),
   * after that status is written, so the topic can act on what it meant to tell (e.g. take back what
   * waited for it). A failure here is logged; the message stays as recorded.
   */
  onGivenUp?: OutboxGivenUpHandler;
}

/** See {@link OutboxTopicOptions.onGivenUp}. */
export type OutboxGivenUpHandler = (payload: Record<string, unknown>, message: { id: number; dedupeKey: string; status: 'dead' | 'skipped' }) => Promise<void>;

export interface OutboxRunnerOptions extends OutboxTopicOptions {
  /** The time the runner works by (pass `deps.clock`); default the system clock. */
  clock?: Clock;
  /** Names this instance in `claimed_by`; default host, pid and a random tag. */
  instanceId?: string;
}

/** One pass's outcome. `more`: some topic filled its batch, so there may be more due now. */
export interface OutboxPass {
  claimed: number;
  sent: number;
  failed: number;
  skipped: number;
  more: boolean;
}

interface Topic {
  handler: OutboxHandler;
  opts: Required<Omit<OutboxTopicOptions, 'firstAfterMs' | 'onGivenUp'>> & Pick<OutboxTopicOptions, 'firstAfterMs' | 'onGivenUp'>;
}

/**
 * THE outbox runner: delivers every queued message (billing write-offs, notifications, invoices,
 * work orders, …). Each topic registers its handler with its own interval, batch, lease and backoff;
 * `start()`, called with the other jobs in main.ts, runs one loop per interval.
 *
 * One claim strategy for all topics (see `claimDueRows` in jobs/lease.ts): a pass takes a batch
 * of a topic's due rows — `SELECT … FOR UPDATE SKIP LOCKED` on MySQL/MariaDB, so several instances
 * take disjoint rows without waiting for each other; conditional UPDATEs on SQLite — marking them
 * with this instance and a lease (`claimed_by`, `claimed_until`). Before each delivery the lease is
 * renewed, so a slow batch never outlives it; a message whose instance died is taken over when its
 * lease expires and sent again with the same dedupe key (the receivers are idempotent on it).
 * Topics are taken one by one, so a backlog of one (a month of renewal reminders) never holds up
 * another (bill write-offs).
 *
 * Messages sharing an `orderingKey` (a WeChat Pay complaint's replies and completion) go one at a
 * time in id order: a pass first reads each key's first pending message (see
 * {@link firstPendingOfKeys}), and claims a keyed message only if it is that one (the order is the
 * key's, across topics). This holds across instances without relying on how a locking read treats
 * a subquery: a finished message (sent, skipped, dead) never becomes pending again, and a later
 * message of a key is queued after the earlier one committed (the queueing transactions are
 * serialized), so a message that was its key's first pending one when read still is when claimed;
 * a stale read only leaves the next one for the next pass.
 */
export class OutboxRunner {
  readonly instanceId: string;
  private readonly topics = new Map<string, Topic>();
  private readonly now: () => Date;

  constructor(
    private readonly orm: Orm,
    private readonly logger: Logger,
    private readonly defaults: OutboxRunnerOptions = {},
  ) {
    this.instanceId = defaults.instanceId ?? instanceName();
    const clock = defaults.clock;
    this.now = clock ? () => clock.now() : () => new Date();
  }

  /** Registers the handler of `topic`, with options of its own where they differ from the runner's. */
  register(topic: string, handler: OutboxHandler, opts: OutboxTopicOptions = {}): void {
    const d = this.defaults;
    this.topics.set(topic, {
      handler,
      opts: {
        intervalMs: opts.intervalMs ?? d.intervalMs ?? 30_000,
        firstAfterMs: opts.firstAfterMs ?? d.firstAfterMs,
        budgetMs: opts.budgetMs ?? d.budgetMs ?? 20_000,
        batchSize: opts.batchSize ?? d.batchSize ?? 50,
        leaseMs: opts.leaseMs ?? d.leaseMs ?? 60_000,
        backoffMs: opts.backoffMs ?? d.backoffMs ?? outboxBackoffMs,
        maxAttempts: opts.maxAttempts ?? d.maxAttempts ?? 20,
        onGivenUp: opts.onGivenUp,
      },
    });
  }

  /**
   * One pass: for each topic (only `topics`, if given), claims up to its batch of due messages
   * (oldest due first) and delivers them.
   */
  async runOnce(now: Date = this.now(), topics?: readonly string[]): Promise<OutboxPass> {
    const total: OutboxPass = { claimed: 0, sent: 0, failed: 0, skipped: 0, more: false };
    for (const name of topics ?? [...this.topics.keys()]) {
      const topic = this.topics.get(name);
      if (!topic) continue;
      const r = await this.runTopic(name, topic, now);
      total.claimed += r.claimed;
      total.sent += r.sent;
      total.failed += r.failed;
      total.skipped += r.skipped;
      total.more ||= r.claimed === topic.opts.batchSize;
    }
    return total;
  }

  /**
   * Passes until nothing more is due or `budgetMs` is spent, so a backlog drains at the speed the
   * receivers take it rather than a batch per interval. `topics`: only these; all by default.
   */
  async drain(budgetMs: number, now: () => Date = this.now, topics?: readonly string[]): Promise<{ sent: number; failed: number; skipped: number; passes: number }> {
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

  /**
   * Starts draining: one loop per interval among the registered topics (never two drains of a loop
   * at once in one process). Returns a stop function that waits for the drains in progress; their
   * claims are released by their results or expire.
   */
  start(): () => Promise<void> {
    const lanes = new Map<number, string[]>();
    for (const [name, { opts }] of this.topics) lanes.set(opts.intervalMs, [...(lanes.get(opts.intervalMs) ?? []), name]);
    const stops = [...lanes].map(([intervalMs, names]) => {
      const opts = names.map((n) => this.topics.get(n)!.opts);
      const budgetMs = Math.max(...opts.map((o) => o.budgetMs));
      const firsts = opts.map((o) => o.firstAfterMs).filter((ms): ms is number => ms !== undefined);
      const label = `outbox every ${intervalMs / 1000} s`;
      const run = async () => {
        const r = await this.drain(budgetMs, this.now, names);
        if (r.failed) this.logger.info({ outbox: r, topics: names }, label);
      };
      return startPeriodicJob(label, this.logger, run, intervalMs, firsts.length ? Math.min(...firsts) : undefined);
    });
    return async () => {
      for (const stop of stops) await stop();
    };
  }

  private async runTopic(name: string, { handler, opts }: Topic, now: Date): Promise<{ claimed: number; sent: number; failed: number; skipped: number }> {
    const em = this.orm.em.fork();
    // The pass's own notion of now, moved on by the time spent (a test may run a pass hours ahead).
    const startedAt = Date.now();
    // A message with an ordering key is claimable only as its key's first unfinished one.
    const heads = await firstPendingOfKeys(em);
    const ordered = heads.length ? { $or: [{ orderingKey: null }, { id: { $in: heads } }] } : { orderingKey: null };
    const ids = await claimDueRows(em, OutboxMessage, {
      where: { status: 'pending', topic: name, nextAttemptAt: { $lte: now }, ...leaseFree('claimedUntil', now), $and: [ordered] },
      orderBy: { nextAttemptAt: 'asc', id: 'asc' },
      limit: opts.batchSize,
      holder: this.instanceId,
      until: new Date(now.getTime() + opts.leaseMs),
    });
    const r = { claimed: ids.length, sent: 0, failed: 0, skipped: 0 };
    const mine = { claimedBy: this.instanceId };
    for (const id of ids) {
      // Still ours (a long batch may have outlived the lease, and another instance taken the message over).
      if (!(await renewClaim(em, OutboxMessage, id, this.instanceId, new Date(now.getTime() + (Date.now() - startedAt) + opts.leaseMs)))) continue;
      const msg = await em.findOne(OutboxMessage, id, { refresh: true });
      if (!msg || msg.status !== 'pending' || msg.claimedBy !== this.instanceId) continue;
      const attempts = msg.attempts + 1;
      try {
        const outcome = await handler(msg.payload, { id, dedupeKey: msg.dedupeKey, attempts });
        const skip = outcome ? outcome.skipped.slice(0, 500) : null;
        const recorded = await em.nativeUpdate(
          OutboxMessage,
          { id, ...mine },
          { status: skip === null ? 'sent' : 'skipped', attempts, sentAt: skip === null ? this.now() : null, claimedBy: null, claimedUntil: null, lastError: skip },
        );
        if (skip === null) r.sent++;
        else {
          r.skipped++;
          this.logger.info({ outboxId: id, topic: name, reason: skip }, 'outbox message skipped');
          if (recorded) await this.givenUp(name, opts, msg, 'skipped');
        }
      } catch (err) {
        r.failed++;
        const dead = attempts >= opts.maxAttempts;
        const lastError = String((err as Error)?.message ?? err).slice(0, 500);
        const retryInMs = opts.backoffMs(attempts);
        this.logger.warn({ outboxId: id, topic: name, dedupeKey: msg.dedupeKey, attempts, retryInMs: dead ? null : retryInMs, err: lastError }, dead ? 'outbox message dead' : 'outbox delivery failed; will retry');
        const recorded = await em.nativeUpdate(
          OutboxMessage,
          { id, ...mine },
          { status: dead ? 'dead' : 'pending', attempts, nextAttemptAt: new Date(now.getTime() + retryInMs), claimedBy: null, claimedUntil: null, lastError },
        );
        if (dead && recorded) await this.givenUp(name, opts, msg, 'dead');
      }
    }
    return r;
  }

  /** The topic's {@link OutboxTopicOptions.onGivenUp}, after the message's final status is written (by this instance: once). */
  private async givenUp(topic: string, opts: Topic['opts'], msg: OutboxMessage, status: 'dead' | 'skipped'): Promise<void> {
    if (!opts.onGivenUp) return;
    try {
      await opts.onGivenUp(msg.payload, { id: msg.id, dedupeKey: msg.dedupeKey, status });
    } catch (err) {
      this.logger.error({ err, outboxId: msg.id, topic, status }, 'outbox: acting on a message given up failed');
    }
  }
}

/**
 * The id of each ordering key's first (lowest id) pending message. One grouped read of the pending
 * messages that have a key, on the (status, ordering_key) index: it costs what those few messages
 * cost, however large another topic's backlog of unkeyed ones (a month of renewal reminders) is.
 * Heads of other topics come along and are harmless (the claim is by topic).
 */
async function firstPendingOfKeys(em: EntityManager): Promise<number[]> {
  const rows: Array<{ id: number | string }> = await em.getKnex()('outbox_message').min({ id: 'id' }).where('status', 'pending').whereNotNull('ordering_key').groupBy('ordering_key');
  return rows.map((r) => Number(r.id));
}
