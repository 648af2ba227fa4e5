import { Redis } from 'ioredis';
import type { Principal } from '../../http/context';

/**
 * Recently resolved bearer tokens, so a signed-in request does not read the session and its user
 * from the database every time. An entry lives at most `ttlMs` (and never past the session's own
 * expiry); signing out drops it at once on this instance and, through `SessionRevocations`, on the
 * others. What the TTL still bounds: a change made straight in the database (a staff member
 * deactivated) is noticed within `ttlMs`.
 */
export class SessionCache {
  private readonly byHash = new Map<string, { principal: Principal; until: number }>();
  private readonly hashBySession = new Map<number, string>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get(tokenHash: string, now: number): Principal | undefined {
    const entry = this.byHash.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.principal;
    this.delete(tokenHash, entry.principal.sessionId);
    return undefined;
  }

  set(tokenHash: string, principal: Principal, now: number, sessionExpiresAt: number): void {
    if (!this.enabled) return;
    // Map keeps insertion order: when full, the oldest entry goes first.
    if (this.byHash.size >= this.maxEntries) {
      const oldest = this.byHash.entries().next().value;
      if (oldest) this.delete(oldest[0], oldest[1].principal.sessionId);
    }
    this.byHash.set(tokenHash, { principal, until: Math.min(now + this.ttlMs, sessionExpiresAt) });
    this.hashBySession.set(principal.sessionId, tokenHash);
  }

  /** Forgets a session (signed out here or on another instance). */
  forgetSession(sessionId: number): void {
    const hash = this.hashBySession.get(sessionId);
    if (hash !== undefined) this.delete(hash, sessionId);
  }

  private delete(tokenHash: string, sessionId: number): void {
    this.byHash.delete(tokenHash);
    this.hashBySession.delete(sessionId);
  }
}

/** Tells every instance that a session ended, so none keeps serving it from its cache. */
export interface SessionRevocations {
  publish(sessionId: number): Promise<void>;
  /** Calls `handler` for sessions revoked on other instances. */
  subscribe(handler: (sessionId: number) => void): void;
  close(): Promise<void>;
}

/** One instance: nothing to tell anyone. */
export class LocalSessionRevocations implements SessionRevocations {
  async publish(): Promise<void> {}
  subscribe(): void {}
  async close(): Promise<void> {}
}

const CHANNEL = 'openhall:session-revoked';

/** Several instances sharing Redis: a revocation is published and every subscriber drops it. */
export class RedisSessionRevocations implements SessionRevocations {
  private readonly pub: Redis;
  private sub: Redis | null = null;
  private subscribed: Promise<unknown> = Promise.resolve();

  constructor(private readonly url: string) {
    this.pub = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
  }

  async publish(sessionId: number): Promise<void> {
    await this.pub.publish(CHANNEL, String(sessionId));
  }

  subscribe(handler: (sessionId: number) => void): void {
    // A subscribed connection can do nothing else, so it is a second one.
    this.sub ??= new Redis(this.url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
    // ioredis subscribes again by itself after a reconnect.
    this.subscribed = this.sub.subscribe(CHANNEL).catch(() => undefined);
    this.sub.on('message', (_channel: string, message: string) => {
      const id = Number(message);
      if (Number.isSafeInteger(id)) handler(id);
    });
  }

  /** Resolves once the subscription is live (tests wait for it before revoking elsewhere). */
  async ready(): Promise<void> {
    await this.subscribed;
  }

  async close(): Promise<void> {
    this.pub.disconnect();
    this.sub?.disconnect();
  }
}
