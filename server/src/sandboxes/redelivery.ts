/**
 * What one counted attempt of a delivery came to: acknowledged, failed with a retry due after
 * `delayMs` (at `dueAt`, real time; none comes once the Redelivery is stopped), or failed for the
 * last time of the schedule.
 */
export type RedeliveryOutcome =
  | { kind: 'acknowledged'; attempt: number }
  | { kind: 'retrying'; attempt: number; error?: string; delayMs: number; dueAt: Date }
  | { kind: 'gave_up'; attempt: number; error?: string };

/** One thing a sandbox delivers to OpenHall and tries again until OpenHall acknowledges it. */
export interface RedeliveryItem {
  /** Names the delivery: enqueuing the same key again replaces its waiting timer. */
  key: string;
  /** How long before the first attempt of this run (0: at once; a resumed delivery: what is left of its wait). */
  delayMs?: number;
  /** Attempts already made, for a delivery resumed from a ledger (default 0). */
  attemptsMade?: number;
  /**
   * Makes attempt `attempt` (1-based) once. true: the other side acknowledged it (what counts as
   * an acknowledgement is the protocol's, so it is decided here); false or a throw: it did not;
   * null: no attempt was made (the item is no longer pending, the sandbox closed mid-way), so
   * nothing is counted and nothing more is scheduled.
   */
  send(attempt: number): Promise<boolean | null>;
  /** Told of each counted attempt's outcome, after a retry (if any) is scheduled: the sandbox's own bookkeeping. */
  settled?(outcome: RedeliveryOutcome): void;
}

/**
 * The retry bookkeeping the sandboxes share when they push notifications, callbacks and receipts
 * to OpenHall on the other side's schedule: a first attempt after a delay, then one after each
 * delay of the schedule (scaled, so tests can run WeChat's 24 hours in milliseconds) while
 * attempts fail, giving up after the last; timers that stop with the sandbox, and a way for tests
 * to wait until nothing is waiting or in flight. Timers and due times are real time (`setTimeout`,
 * `Date.now()`), as the sandboxes' retries have always been; their business clocks do not move them.
 */
export class Redelivery {
  /** The delays before the 2nd, 3rd, … attempt, in ms, scaled. */
  readonly delaysMs: readonly number[];
  private readonly waiting = new Map<string, { timer: NodeJS.Timeout; settle: () => void }>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private anonymous = 0;
  private closed = false;

  /**
   * `scheduleMs`: the protocol's own delays in ms; `scale` multiplies them (1: the real schedule);
   * `onError` hears of each attempt that threw (`what` is the item's key), for the log.
   */
  constructor(
    scheduleMs: readonly number[],
    private readonly opts: { scale?: number; onError?: (info: { what: string; attempt: number; error: string }) => void } = {},
  ) {
    this.delaysMs = scheduleMs.map((ms) => Math.round(ms * (opts.scale ?? 1)));
  }

  /** The wait before the next attempt after `failedAttempts` failed ones, or null when the schedule is used up. */
  delayAfter(failedAttempts: number): number | null {
    return failedAttempts >= 1 && failedAttempts <= this.delaysMs.length ? this.delaysMs[failedAttempts - 1] : null;
  }

  /** Starts (or resumes) delivering `item`: its first attempt after `item.delayMs`, then on the schedule. */
  enqueue(item: RedeliveryItem): void {
    this.attemptLater(item, item.delayMs ?? 0, (item.attemptsMade ?? 0) + 1);
  }

  /**
   * Runs `work` once after `ms` on the same timers (stopped with them, waited for by `idle`). Its
   * errors are its own: one thrown is thrown from the timer, a rejection is only waited for.
   */
  later(ms: number, work: () => void | Promise<unknown>): void {
    this.timer(`\0later:${++this.anonymous}`, ms, work);
  }

  /** Counts `p` as in flight until it settles (a send outside the schedule that `idle` and `stop` should wait for). */
  track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /** Resolves when nothing is waiting or in flight (a test's "the notifications have arrived"). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops every waiting timer; nothing more is attempted. What is in flight finishes (`idle` waits for it). */
  stop(): void {
    this.closed = true;
    for (const { timer, settle } of this.waiting.values()) {
      clearTimeout(timer);
      settle();
    }
    this.waiting.clear();
  }

  get stopped(): boolean {
    return this.closed;
  }

  private attemptLater(item: RedeliveryItem, delayMs: number, attempt: number): void {
    this.timer(item.key, delayMs, () => this.attempt(item, attempt));
  }

  private async attempt(item: RedeliveryItem, attempt: number): Promise<void> {
    let error: string | undefined;
    let ok: boolean | null;
    try {
      ok = await item.send(attempt);
    } catch (err) {
      ok = false;
      error = err instanceof Error ? err.message : String(err);
      this.opts.onError?.({ what: item.key, attempt, error });
    }
    if (ok === null) return;
    let outcome: RedeliveryOutcome;
    if (ok) {
      outcome = { kind: 'acknowledged', attempt };
    } else {
      const delayMs = this.delayAfter(attempt);
      if (delayMs === null) {
        outcome = { kind: 'gave_up', attempt, error };
      } else {
        outcome = { kind: 'retrying', attempt, error, delayMs, dueAt: new Date(Date.now() + delayMs) };
        this.attemptLater(item, delayMs, attempt + 1);
      }
    }
    item.settled?.(outcome);
  }

  private timer(key: string, ms: number, work: () => void | Promise<unknown>): void {
    if (this.closed) return;
    const replaced = this.waiting.get(key);
    if (replaced) {
      clearTimeout(replaced.timer);
      replaced.settle();
    }
    let settle: () => void = () => undefined;
    const waited = new Promise<void>((resolve) => (settle = resolve));
    this.track(waited);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      try {
        // Tracked before the wait is settled, so `idle` never sees an empty set in between.
        const result = work();
        if (result instanceof Promise) this.track(result);
      } finally {
        settle();
      }
    }, Math.max(0, ms));
    timer.unref?.();
    this.waiting.set(key, { timer, settle });
  }
}
