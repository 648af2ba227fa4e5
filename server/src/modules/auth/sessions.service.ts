import { createHash, randomBytes } from 'node:crypto';
import type { AppDeps } from '../../deps';
import type { Principal } from '../../http/context';
import { Session, type SessionKind } from '../users/session.entity';
import { User } from '../users/user.entity';
import { StaffUser } from '../staff/staff-user.entity';
import { SessionCache } from './session-cache';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Opaque bearer sessions: a random token goes to the client, only its hash is stored. */
export class SessionsService {
  private readonly cache: SessionCache;

  constructor(private readonly deps: AppDeps) {
    this.cache = new SessionCache(deps.config.sessionCacheSeconds * 1000);
    deps.sessionRevocations.subscribe((sessionId) => this.cache.forgetSession(sessionId));
  }

  private get em() {
    return this.deps.orm.em;
  }

  /** Creates a session and returns the token (shown once) with its expiry. */
  async createSession(kind: SessionKind, subjectId: number): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const ttlHours = kind === 'user' ? this.deps.config.sessionTtlHours : this.deps.config.staffSessionTtlHours;
    const now = this.deps.clock.now();
    const session = Object.assign(new Session(), {
      tokenHash: hashToken(token),
      kind,
      userId: kind === 'user' ? subjectId : null,
      staffId: kind === 'staff' ? subjectId : null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlHours * 3_600_000),
    });
    await this.em.persistAndFlush(session);
    return { token, expiresAt: session.expiresAt };
  }

  /** Resolves a bearer token to its principal, or undefined when unknown, expired, revoked or disabled. */
  async resolve(token: string): Promise<Principal | undefined> {
    return this.kept(token) ?? this.load(hashToken(token), this.deps.clock.now().getTime());
  }

  /**
   * The principal of a token kept from a recent request (SESSION_CACHE_SECONDS), without a promise:
   * undefined when it is not kept, and `resolve` must look it up.
   */
  kept(token: string): Principal | undefined {
    return this.cache.get(hashToken(token), this.deps.clock.now().getTime());
  }

  private async load(tokenHash: string, now: number): Promise<Principal | undefined> {
    const session = await this.em.findOne(Session, { tokenHash, revokedAt: null }, { disableIdentityMap: true });
    if (!session || session.expiresAt.getTime() <= now) return undefined;
    const principal = await this.principalOf(session);
    if (principal) this.cache.set(tokenHash, principal, now, session.expiresAt.getTime());
    return principal;
  }

  private async principalOf(session: Session): Promise<Principal | undefined> {
    const em = this.em;
    if (session.kind === 'user' && session.userId !== null) {
      const user = await em.findOne(User, session.userId, { disableIdentityMap: true });
      if (!user) return undefined;
      return { kind: 'user', userId: user.id, sessionId: session.id, openid: user.openid, phone: user.phone };
    }
    if (session.kind === 'staff' && session.staffId !== null) {
      const staff = await em.findOne(StaffUser, session.staffId, { disableIdentityMap: true });
      if (!staff || !staff.active) return undefined;
      return {
        kind: 'staff',
        staffId: staff.id,
        sessionId: session.id,
        role: staff.role,
        username: staff.username,
        name: staff.name,
        jobNo: staff.jobNo,
      };
    }
    return undefined;
  }

  /** Ends a session; the token stops working at once, on every instance. */
  async revoke(sessionId: number): Promise<void> {
    await this.em.nativeUpdate(Session, { id: sessionId, revokedAt: null }, { revokedAt: this.deps.clock.now() });
    this.cache.forgetSession(sessionId);
    await this.deps.sessionRevocations.publish(sessionId);
  }
}
