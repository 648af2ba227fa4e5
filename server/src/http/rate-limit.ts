import type { Redis } from 'ioredis';

/** Result of counting one attempt against a limit. */
export interface RateLimitResult {
  allowed: boolean;
  /** Attempts left in the current window after this one. */
  remaining: number;
  /** Seconds until the window resets (0 when allowed and unused). */
  retryAfterSeconds: number;
}

/**
 * Fixed-window counters. In memory by default; a shared store (Redis) makes several server
 * instances count together.
 */
export interface RateLimiter {
  /** Counts one attempt for `key`, allowing at most `limit` per `windowSeconds`. */
  consume(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult>;
  /** Forgets a key (e.g. after a successful sign-in). */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private sweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async consume(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowSeconds * 1000 };
      this.windows.set(key, w);
    }
    w.count += 1;
    const retryAfterSeconds = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
    return w.count <= limit
      ? { allowed: true, remaining: limit - w.count, retryAfterSeconds: 0 }
      : { allowed: false, remaining: 0, retryAfterSeconds };
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  /** Drops expired windows now and then so the map does not grow without bound. */
  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 60_000;
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'openhall:rl:',
  ) {}

  async consume(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const k = this.prefix + key;
    // INCR and set the expiry in one round trip; the expiry is set only when the window opens.
    const result = await this.redis
      .multi()
      .incr(k)
      .pexpire(k, windowSeconds * 1000, 'NX')
      .pttl(k)
      .exec();
    if (!result) throw new Error('rate limiter transaction aborted');
    const count = Number(result[0][1]);
    const ttl = Number(result[2][1]);
    const retryAfterSeconds = Math.max(1, Math.ceil((ttl > 0 ? ttl : windowSeconds * 1000) / 1000));
    return count <= limit
      ? { allowed: true, remaining: limit - count, retryAfterSeconds: 0 }
      : { allowed: false, remaining: 0, retryAfterSeconds };
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
