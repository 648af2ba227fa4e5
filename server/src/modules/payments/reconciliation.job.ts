import type { Logger } from 'pino';
import type { ReconciliationService } from './reconciliation.service';

/**
 * Runs the daily reconciliation: every `intervalMs` (default hourly) each instance asks for
 * yesterday's runs; the run rows' claims make sure one instance does each date and gateway once,
 * and a failed run (bill not published yet) is tried again on the next tick. Returns a stop function.
 */
export function startReconciliationJob(reconciliation: ReconciliationService, logger: Logger, intervalMs = 3_600_000): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = reconciliation
      .runDue()
      .then((runs) => {
        if (runs.length) logger.info({ runs: runs.map((r) => ({ date: r.date, gateway: r.gateway, status: r.status, differences: r.differences, settled: r.settled })) }, 'daily reconciliation');
      })
      .catch((err) => logger.error({ err }, 'daily reconciliation failed'))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(tick, 30_000);
  const timer = setInterval(tick, intervalMs);
  first.unref();
  timer.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
