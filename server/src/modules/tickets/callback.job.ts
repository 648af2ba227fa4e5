import type { AppDeps } from '../../deps';
import { instanceName, runWithJobLease } from '../jobs/lease';
import { startPeriodicJob } from '../jobs/periodic';
import type { CallbacksService } from './callbacks.service';

/** The lease name: one instance at a time opens callback tasks. */
export const CALLBACK_JOB = 'callbacks.unrated';

/**
 * Opens a callback task for each resolution not rated within 48 hours, due at 72 (CALLBACK_RULES):
 * run every 10 minutes, it leaves staff about a day for each call. Every instance may run it:
 * a run first takes the job lease (one conditional UPDATE), and the tasks themselves are unique per
 * resolution, so however runs overlap each task is opened once.
 */
export class CallbackJob {
  readonly holder = instanceName();

  constructor(
    private readonly deps: AppDeps,
    private readonly callbacks: CallbacksService,
    private readonly leaseMs = 5 * 60_000,
  ) {}

  /** One pass; `ran: false` when another instance holds the lease. */
  async runOnce(now: Date = this.deps.clock.now()): Promise<{ ran: boolean; opened: number }> {
    const res = await runWithJobLease(this.deps.orm, { name: CALLBACK_JOB, holder: this.holder, leaseMs: this.leaseMs, now }, (em) => this.callbacks.openOverdueCallbacks(em, now));
    return res.ran ? { ran: true, opened: res.result.opened } : { ran: false, opened: 0 };
  }
}

/** Runs the callback job every `intervalMs` (default 10 minutes); returns a stop function that waits for a run in progress. */
export function startCallbackJob(deps: AppDeps, callbacks: CallbacksService, intervalMs = 10 * 60_000): () => Promise<void> {
  const job = new CallbackJob(deps, callbacks);
  return startPeriodicJob('callback job', deps.logger, () => job.runOnce(), intervalMs, 15_000);
}
