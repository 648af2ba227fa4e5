import type { Logger } from 'pino';
import { startPeriodicJob } from '../jobs/periodic';
import type { ReconciliationService } from './reconciliation.service';

/**
 * Runs the daily reconciliation: every `intervalMs` (default hourly) each instance asks for
 * yesterday's runs; the run rows' claims make sure one instance does each date and gateway once,
 * and a failed run (bill not published yet) is tried again on the next tick. Returns a stop function.
 */
export function startReconciliationJob(reconciliation: ReconciliationService, logger: Logger, intervalMs = 3_600_000): () => Promise<void> {
  const run = async () => {
    const runs = await reconciliation.runDue();
    if (runs.length) logger.info({ runs: runs.map((r) => ({ date: r.date, gateway: r.gateway, status: r.status, differences: r.differences, settled: r.settled })) }, 'daily reconciliation');
  };
  return startPeriodicJob('daily reconciliation', logger, run, intervalMs, 30_000);
}
