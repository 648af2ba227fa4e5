/**
 * The push-and-retry loop the SMS and WeChat sandboxes share for delivery receipts: a push after a
 * delay, tried again on the provider's schedule until the receiver acknowledges it, timers that
 * stop when the sandbox closes, and a way for tests to wait until nothing is in flight.
 */
export class ReceiptPusher {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    /** Delays before the 2nd, 3rd, … attempt (already scaled). */
    private readonly retryMs: readonly number[],
    private readonly onError: (info: { what: string; attempt: number; error: string }) => void = () => undefined,
  ) {}

  /** Runs `push` after `delayMs`, again after each retry delay while it answers false or throws. */
  schedule(what: string, delayMs: number, push: (attempt: number) => Promise<boolean>, attempt = 1): void {
    if (this.closed) return;
    let settle: () => void = () => undefined;
    const tracked = new Promise<void>((resolve) => (settle = resolve));
    this.inFlight.add(tracked);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      push(attempt)
        .catch((err: Error) => {
          this.onError({ what, attempt, error: err.message });
          return false;
        })
        .then((ok) => {
          if (!ok && attempt <= this.retryMs.length) this.schedule(what, this.retryMs[attempt - 1], push, attempt + 1);
        })
        .finally(() => {
          this.inFlight.delete(tracked);
          settle();
        });
    }, delayMs);
    timer.unref?.();
    this.timers.add(timer);
  }

  /** Resolves when no push is waiting or in flight (a test's "the receipts have arrived"). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops every timer; nothing more is pushed. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.inFlight.clear();
  }
}
