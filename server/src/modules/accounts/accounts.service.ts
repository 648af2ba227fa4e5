import { LockMode, UniqueConstraintViolationException, raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  ACCOUNT_BIND_RULES,
  addDays,
  businessDate,
  startOfBusinessDay,
  type AccountView,
  type BindAccountInput,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError, RateLimitedError, UnauthenticatedError } from '../../http/errors';
import type { AuditService } from '../audit/audit.service';
import { User } from '../users/user.entity';
import { AccountBinding } from './account-binding.entity';
import { Account } from './account.entity';
import { BindFailure } from './bind-failure.entity';
import { requireBinding } from '../access/access';

/** Middle dots people type between the parts of a transliterated name (阿依古丽·买买提). */
const NAME_DOTS = /[·・•‧∙⋅.]/g;

/**
 * A holder name as people type it, reduced to what identifies it: NFKC (full-width letters and
 * digits become half-width, the ideographic space becomes a space), no whitespace anywhere
 * (张 三 = 张三), one kind of middle dot, and Latin letters in one case.
 */
export function normalizeHolderName(name: string): string {
  return name.normalize('NFKC').replace(/\s+/g, '').replace(NAME_DOTS, '·').toLowerCase();
}

/**
 * The account views a user sees (their accounts, or the one given, default first, each with what it
 * owes today): read by the billing module, which knows bills and late fees (see services.ts).
 */
export type AccountViewsReader = (userId: number, accountId?: number) => Promise<AccountView[]>;

/**
 * Asks the billing system of record about an account before binding it: the record (the mirror is
 * brought up to date first), null when it has no such account, undefined in embedded mode.
 */
export interface LiveAccountLookup {
  refreshAccount(accountNo: string): Promise<unknown>;
}

/**
 * Binding, listing, defaulting and unbinding a user's accounts (户号). Every method that takes an
 * account id checks on its first line that the user has bound it; otherwise it answers 404, so a
 * user cannot learn which ids exist.
 */
export class AccountsService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    private readonly live: LiveAccountLookup,
    private readonly accountViews: AccountViewsReader,
  ) {}

  private get em(): EntityManager {
    return this.deps.orm.em;
  }

  /**
   * Binds `input.accountNo` to the user once they prove they know it (holder name or the last 4
   * digits of the registered phone). The user's first account becomes their default.
   */
  async bindAccount(userId: number, input: BindAccountInput, ip: string): Promise<AccountView> {
    await this.limit(`bind:ip:${ip}`, ACCOUNT_BIND_RULES.perIpPerHour);
    await this.limit(`bind:user:${userId}`, ACCOUNT_BIND_RULES.perUserPerHour);
    const now = this.deps.clock.now();
    const day = businessDate(now);
    const em = this.em;
    let account = await em.findOne(Account, { accountNo: input.accountNo });
    // Safe to say before any proof: it only tells the user about an account they already hold. The
    // binding is looked up for an unknown number too (an id no account has): both paths do the same
    // work, so the time an answer takes does not tell whether the number exists.
    if ((await em.count(AccountBinding, { userId, accountId: account?.id ?? 0 })) > 0) throw alreadyBound();

    // Unknown account numbers use up tries and get locked exactly like real ones, so neither the
    // answer nor the lockout reveals whether a number exists.
    if (!(await this.claimBindTry(input.accountNo, day, now))) {
      this.deps.logger.warn({ accountNo: input.accountNo, userId, ip }, 'account binding locked for today');
      throw bindLocked(day, now);
    }
    // External mode: the billing system says whether the account exists and who holds it (the
    // mirror is brought up to date first). When it cannot answer, nothing was checked: the try is
    // given back and the subscriber asked to try later.
    let live;
    try {
      live = await this.live.refreshAccount(input.accountNo);
    } catch (err) {
      await this.releaseBindTry(input.accountNo, day);
      throw err;
    }
    if (live === null) account = null;
    else if (live !== undefined) account = await em.fork().findOne(Account, { accountNo: input.accountNo });
    // One generic answer for an unknown number (or a closed account) and for a wrong name or phone:
    // a different answer would let anyone enumerate account numbers. The claimed try stays counted.
    if (!account || account.status === 'closed' || !proofMatches(account, input)) throw bindFailed();
    await this.releaseBindTry(input.accountNo, day);

    let binding: AccountBinding;
    try {
      binding = await em.transactional(async (tx) => {
        await lockUser(tx, userId);
        const others = await tx.count(AccountBinding, { userId });
        const b = Object.assign(new AccountBinding(), { userId, accountId: account.id, isDefault: others === 0, createdAt: now });
        tx.persist(b);
        this.audit.record(
          tx,
          { kind: 'user', id: userId },
          { action: 'account.bind', entityType: 'account', entityId: account.id, detail: { accountNo: account.accountNo, proof: input.holderName !== undefined ? 'holder_name' : 'phone_last4', ip } },
          now,
        );
        return b;
      });
    } catch (err) {
      // The same user binding the same account twice at once: the unique index lets one through.
      if (err instanceof UniqueConstraintViolationException) throw alreadyBound();
      throw err;
    }
    return this.getAccount(userId, binding.accountId);
  }

  /** The user's accounts, default first, then in the order they were bound. */
  async listAccounts(userId: number): Promise<AccountView[]> {
    return this.accountViews(userId);
  }

  /** One of the user's accounts. */
  async getAccount(userId: number, accountId: number): Promise<AccountView> {
    const [view] = await this.accountViews(userId, accountId);
    if (!view) throw new NotFoundError('户号');
    return view;
  }

  /** Makes one of the user's accounts their default (and no other). */
  async setDefaultAccount(userId: number, accountId: number): Promise<AccountView> {
    await requireBinding(this.em, userId, accountId);
    await this.em.transactional(async (tx) => {
      await lockUser(tx, userId);
      const b = await tx.findOne(AccountBinding, { userId, accountId }, { refresh: true });
      if (!b) throw new NotFoundError('户号'); // unbound by a concurrent request
      await tx.nativeUpdate(AccountBinding, { userId, id: { $ne: b.id } }, { isDefault: false });
      await tx.nativeUpdate(AccountBinding, { id: b.id }, { isDefault: true });
    });
    return this.getAccount(userId, accountId);
  }

  /** Unbinds one of the user's accounts. If it was the default, the oldest remaining one becomes default. */
  async unbindAccount(userId: number, accountId: number): Promise<void> {
    await requireBinding(this.em, userId, accountId);
    const now = this.deps.clock.now();
    await this.em.transactional(async (tx) => {
      await lockUser(tx, userId);
      const b = await tx.findOne(AccountBinding, { userId, accountId }, { refresh: true });
      if (!b) throw new NotFoundError('户号');
      await tx.nativeDelete(AccountBinding, { id: b.id });
      if (b.isDefault) {
        const next = await tx.findOne(AccountBinding, { userId }, { orderBy: { createdAt: 'asc', id: 'asc' }, refresh: true });
        if (next) await tx.nativeUpdate(AccountBinding, { id: next.id }, { isDefault: true });
      }
      this.audit.record(tx, { kind: 'user', id: userId }, { action: 'account.unbind', entityType: 'account', entityId: accountId, detail: { wasDefault: b.isDefault } }, now);
    });
  }

  private async limit(key: string, limit: number): Promise<void> {
    const r = await this.deps.rateLimiter.consume(key, limit, 3600);
    if (!r.allowed) throw new RateLimitedError('绑定户号尝试过于频繁，请稍后再试', r.retryAfterSeconds);
  }

  /**
   * Takes one of today's tries for an account number before the proof is checked, so that
   * concurrent guesses (and several server instances) can never check more than the limit between
   * them. The row is created if missing, then incremented only while under the limit: both
   * statements are single atomic statements on SQLite and MySQL alike.
   */
  private async claimBindTry(accountNo: string, day: string, now: Date): Promise<boolean> {
    const em = this.em;
    await em.createQueryBuilder(BindFailure).insert({ accountNo, day, failures: 0, updatedAt: now }).onConflict(['accountNo', 'day']).ignore().execute('run');
    const claimed = await em
      .createQueryBuilder(BindFailure)
      .update({ failures: raw('failures + 1'), updatedAt: now })
      .where({ accountNo, day, failures: { $lt: ACCOUNT_BIND_RULES.maxFailuresPerAccountPerDay } })
      .execute('run');
    return claimed.affectedRows === 1;
  }

  /** Gives back a try whose proof was right: only failures count towards the lockout. */
  private async releaseBindTry(accountNo: string, day: string): Promise<void> {
    await this.em
      .createQueryBuilder(BindFailure)
      .update({ failures: raw('failures - 1') })
      .where({ accountNo, day, failures: { $gt: 0 } })
      .execute('run');
  }
}

/** Whether the proof given matches the account: the holder's name, or the registered phone's last 4 digits. */
function proofMatches(account: Account, input: BindAccountInput): boolean {
  if (input.holderName !== undefined) return normalizeHolderName(input.holderName) === normalizeHolderName(account.holderName);
  return input.phoneLast4 !== undefined && account.holderPhone.length >= 4 && account.holderPhone.slice(-4) === input.phoneLast4;
}

/**
 * Serialises one user's binding changes (which account is default) by locking the user's row for
 * the transaction. MySQL takes a row lock (SELECT … FOR UPDATE); SQLite ignores it, and needs
 * none: it runs one transaction at a time.
 */
async function lockUser(tx: EntityManager, userId: number): Promise<void> {
  const user = await tx.findOne(User, userId, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!user) throw new UnauthenticatedError();
}

function bindFailed(): AppError {
  return new AppError('ACCOUNT_BIND_FAILED', 400, '户号或户主信息不匹配，请核对后重试');
}

function alreadyBound(): AppError {
  return new AppError('ACCOUNT_ALREADY_BOUND', 409, '您已绑定该户号');
}

/** Locked until the next business day starts (00:00 Asia/Shanghai); says when to come back. */
function bindLocked(day: string, now: Date): AppError {
  const tomorrow = addDays(day, 1);
  const retryAfterSeconds = Math.max(1, Math.ceil((startOfBusinessDay(tomorrow).getTime() - now.getTime()) / 1000));
  return new AppError(
    'ACCOUNT_BIND_LOCKED',
    429,
    `该户号今日验证失败次数过多，已暂停绑定，请明天（${tomorrow}）再试`,
    { retryAfterSeconds, retryOn: tomorrow },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
