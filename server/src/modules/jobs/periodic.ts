import type { Logger } from 'pino';

/**
 * Runs `run` every `intervalMs` on this instance (the first time after `firstAfterMs`, if given),
 * never two runs at once in one process; a failure is logged under `name` and the next tick tries
 * again. Timers do not keep the process alive. Returns a stop function that waits for a run in progress.
 * Work that must happen once across instances is made so by the job itself (leases, claims, dedupe keys).
 */
export function startPeriodicJob(name: string, logger: Logger, run: () => Promise<unknown>, intervalMs: number, firstAfterMs?: number): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = run()
      .catch((err) => logger.error({ err }, `${name} failed`))
      .finally(() => {
        running = null;
      });
  };
  const first = firstAfterMs === undefined ? null : setTimeout(tick, firstAfterMs);
  const timer = setInterval(tick, intervalMs);
  first?.unref();
  timer.unref();
  return async () => {
    if (first) clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
