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
