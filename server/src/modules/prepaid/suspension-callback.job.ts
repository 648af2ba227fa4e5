import type { AppDeps } from '../../deps';
import { instanceName, runWithJobLease } from '../jobs/lease';
import { startPeriodicJob } from '../jobs/periodic';
import type { SuspensionCallbacksService } from './suspension-callbacks.service';

/** The lease name: one instance at a time sweeps the suspended accounts. */
export const SUSPENSION_CALLBACK_JOB = 'suspension_callbacks.sweep';

/**
 * Opens a callback task for each account suspended for arrears that has none for its suspension
 * (due 72 hours after it), and closes as `restored` the open tasks of accounts restored since. Run
 * every 5 minutes on every instance: a run first takes the job lease (one conditional UPDATE), and
 * the tasks are unique per suspension, so however runs overlap each task is opened once.
 */
export class SuspensionCallbackJob {
  readonly holder = instanceName();

  constructor(
    private readonly deps: AppDeps,
    private readonly callbacks: SuspensionCallbacksService,
    private readonly leaseMs = 5 * 60_000,
  ) {}

  /** One pass; `ran: false` when another instance holds the lease. */
  async runOnce(now: Date = this.deps.clock.now()): Promise<{ ran: boolean; opened: number; restored: number }> {
    const res = await runWithJobLease(this.deps.orm, { name: SUSPENSION_CALLBACK_JOB, holder: this.holder, leaseMs: this.leaseMs, now }, (em) => this.callbacks.sweep(em, now));
    return res.ran ? { ran: true, ...res.result } : { ran: false, opened: 0, restored: 0 };
  }
}

/** Runs the job every `intervalMs` (default 5 minutes); returns a stop function that waits for a run in progress. */
export function startSuspensionCallbackJob(deps: AppDeps, callbacks: SuspensionCallbacksService, intervalMs = 5 * 60_000): () => Promise<void> {
  const job = new SuspensionCallbackJob(deps, callbacks);
  return startPeriodicJob('suspension callback job', deps.logger, () => job.runOnce(), intervalMs, 20_000);
}
