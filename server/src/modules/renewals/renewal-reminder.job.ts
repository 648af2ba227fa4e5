import { addDays, businessDate } from '@openhall/shared';
import type { EntityManager } from '@mikro-orm/knex';
import type { AppDeps } from '../../deps';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Account } from '../accounts/account.entity';
import { instanceName, runWithJobLease } from '../jobs/lease';
import { startPeriodicJob } from '../jobs/periodic';
import { Subscription } from '../billing/subscription.entity';
import { RenewalDecline } from './renewal-decline.entity';
import { enqueueOutbox, type OutboxEntry } from '../outbox/outbox.service';
import { placeholders } from '../../read-db';

/** Outbox topic of the expiry reminders; the notification dispatcher delivers them. */
export const RENEWAL_REMINDER_TOPIC = 'notification.renewal_reminder';

/**
 * Which expiries a run reminds about:
 * - `next_month` (default, the operator's published standard "by month end for next month's
 *   expiries"): packages whose last day falls in the business-time calendar month after today's;
 * - `{ days: n }`: packages whose last day falls from today to today + n days.
 */
export type RenewalReminderWindow = 'next_month' | { days: number };

/** Packages read per query, so a large operator's month is handled in bounded memory. */
const BATCH = 500;

/** The window's first and last expiry dates (inclusive, YYYY-MM-DD) for a run at `now`. */
export function reminderWindow(window: RenewalReminderWindow, now: Date): { from: string; to: string } {
  const today = businessDate(now);
  if (window === 'next_month') {
    const [y, m] = today.split('-').map(Number);
    const next = new Date(Date.UTC(y, m, 1)); // the 1st of next month (months are 0-based here)
    const from = next.toISOString().slice(0, 10);
    const to = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
    return { from, to };
  }
  return { from: today, to: addDays(today, window.days) };
}

/** The job's lease: one pass at a time, and one per `oncePerMs`, over all instances. */
export const RENEWAL_REMINDER_JOB = 'renewals.reminders';

/**
 * Queues one renewal reminder per package and expiry month through the outbox. A pass reads every
 * package expiring in the window (at 1,000,000 accounts, 240,000 of them in a month: 4–6 s of CPU
 * once they are all reminded), so it takes the job lease and runs at most once per `oncePerMs` (an
 * hour) over all instances. The dedupe key `renewal-reminder:<subscriptionId>:<expiry YYYY-MM>` is unique in the
 * outbox, so passes that overlap anyway (a lease that expired mid-pass) queue each reminder once; a
 * package renewed into a later month gets a new reminder when that month comes round. Packages
 * whose subscriber has already said they will not renew for this expiry are left alone.
 */
export class RenewalReminderJob {
  readonly holder = instanceName();

  constructor(
    private readonly deps: AppDeps,
    private readonly window: RenewalReminderWindow = 'next_month',
    private readonly oncePerMs = 3_600_000,
  ) {}

  /**
   * One pass, unless another instance is running one or one already ran in this period (`ran:
   * false`); returns how many packages were in the window and how many reminders were new.
   */
  async runOnce(now: Date = this.deps.clock.now()): Promise<{ ran: boolean; from: string; to: string; candidates: number; enqueued: number }> {
    const { from, to } = reminderWindow(this.window, now);
    const res = await runWithJobLease(this.deps.orm, { name: RENEWAL_REMINDER_JOB, holder: this.holder, leaseMs: 30 * 60_000, now, oncePerMs: this.oncePerMs }, () =>
      this.pass(from, to, now),
    );
    return res.ran ? { ran: true, from, to, ...res.result } : { ran: false, from, to, candidates: 0, enqueued: 0 };
  }

  private async pass(from: string, to: string, now: Date): Promise<{ candidates: number; enqueued: number }> {
    const em = this.deps.orm.em.fork();
    let candidates = 0;
    let enqueued = 0;
    let afterId = 0;
    for (;;) {
      const batch = await em.find(Subscription, { expiresOn: { $gte: from, $lte: to }, id: { $gt: afterId } }, { orderBy: { id: 'asc' }, limit: BATCH });
      if (batch.length === 0) break;
      afterId = batch[batch.length - 1].id;
      candidates += batch.length;
      // Packages already reminded of this expiry (by the pass an hour ago) need nothing more read.
      const keys = batch.map(reminderKey);
      const queued = new Set(
        (await this.deps.readDb.rows<{ dedupe_key: string }>(`select \`dedupe_key\` from \`outbox_message\` where \`dedupe_key\` in (${placeholders(keys.length)})`, keys)).map((r) => r.dedupe_key),
      );
      const subs = batch.filter((s) => !queued.has(reminderKey(s)));
      if (subs.length > 0) enqueued += await this.queue(em, subs, from, to, now);
      em.clear();
      if (batch.length < BATCH) break;
    }
    this.deps.logger.info({ from, to, candidates, enqueued }, 'renewal reminders queued');
    return { candidates, enqueued };
  }

  /** Queues the reminders of some packages, but those whose subscriber declined this expiry; returns how many were new. */
  private async queue(em: EntityManager, subs: Subscription[], from: string, to: string, now: Date): Promise<number> {
    const accountIds = [...new Set(subs.map((s) => s.accountId))];
    const accounts = await em.find(Account, { id: { $in: accountIds } }, { fields: ['id', 'accountNo'] });
    const bindings = await em.find(AccountBinding, { accountId: { $in: accountIds } }, { fields: ['accountId', 'userId'] });
    const declines = await em.find(
      RenewalDecline,
      { subscriptionId: { $in: subs.map((s) => s.id) }, expiresOn: { $gte: from, $lte: to } },
      { fields: ['subscriptionId', 'expiresOn'] },
    );
    const accountNo = new Map(accounts.map((a) => [a.id, a.accountNo]));
    const users = new Map<number, number[]>();
    for (const b of bindings) users.set(b.accountId, [...(users.get(b.accountId) ?? []), b.userId]);
    const declined = new Set(declines.map((d) => `${d.subscriptionId}:${d.expiresOn}`));
    const drafts: OutboxEntry[] = subs
      .filter((s) => !declined.has(`${s.id}:${s.expiresOn}`))
      .map((s) => ({
        topic: RENEWAL_REMINDER_TOPIC,
        dedupeKey: reminderKey(s),
        payload: {
          subscriptionId: s.id,
          accountId: s.accountId,
          accountNo: accountNo.get(s.accountId) ?? null,
          userIds: (users.get(s.accountId) ?? []).sort((a, b) => a - b),
          product: s.product,
          packageCode: s.packageCode,
          packageName: s.packageName,
          expiresOn: s.expiresOn,
          monthlyFeeFen: Number(s.monthlyFeeFen),
        },
      }));
    return enqueueOutbox(em, drafts, now);
  }
}

/** One reminder per package and expiry month. */
const reminderKey = (s: Subscription): string => `renewal-reminder:${s.id}:${s.expiresOn.slice(0, 7)}`;

/**
 * Runs the reminder job shortly after start-up and then every `intervalMs` (default hourly) on
 * this instance. Every instance may run it: of their passes, one per interval goes ahead.
 * Returns a stop function that waits for a run in progress.
 */
export function startRenewalReminderJob(deps: AppDeps, window: RenewalReminderWindow = 'next_month', intervalMs = 3_600_000): () => Promise<void> {
  const job = new RenewalReminderJob(deps, window, intervalMs);
  return startPeriodicJob('renewal reminders', deps.logger, () => job.runOnce(), intervalMs, 10_000);
}
