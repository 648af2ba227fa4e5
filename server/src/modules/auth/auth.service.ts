import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { raw } from '@mikro-orm/core';
import { businessDate, maskPhone, type AgreementsView, type SessionView, type SmsLoginInput, type StaffLoginInput } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, RateLimitedError } from '../../http/errors';
import type { AuditService } from '../audit/audit.service';
import { StaffUser } from '../staff/staff-user.entity';
import { User } from '../users/user.entity';
import { dummyPasswordHash, verifyPassword } from './password';
import type { SessionsService } from './sessions.service';
import { SmsCode } from './sms-code.entity';

/** SMS sign-in rules (issue #2): 6 digits, 5 minutes, 5 wrong tries, 1 a minute and 10 a day per phone. */
export const SMS_RULES = {
  codeTtlSeconds: 300,
  maxAttempts: 5,
  perPhonePerMinute: 1,
  perPhonePerDay: 10,
  perIpPerHour: 30,
} as const;

/** Sign-in attempts allowed per IP (SMS login, WeChat login, staff login) per 15 minutes. */
export const LOGIN_ATTEMPTS_PER_IP = 30;
/** Staff password attempts per username per 15 minutes. */
export const STAFF_ATTEMPTS_PER_USERNAME = 5;

/** What an SMS code is for. */
export type SmsCodePurpose = 'login' | 'reopen';

export class AuthService {
  constructor(
    private readonly deps: AppDeps,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  private get em() {
    return this.deps.orm.em;
  }

  /** A code is good only for what it was sent for: a sign-in code cannot reopen a service, nor the reverse. */
  private hashCode(phone: string, code: string, purpose: SmsCodePurpose): string {
    const what = purpose === 'login' ? `sms:${phone}:${code}` : `sms:${purpose}:${phone}:${code}`;
    return createHmac('sha256', this.deps.config.appSecret).update(what).digest('hex');
  }

  private async limit(key: string, limit: number, windowSeconds: number, message: string): Promise<void> {
    const r = await this.deps.rateLimiter.consume(key, limit, windowSeconds);
    if (!r.allowed) throw new RateLimitedError(message, r.retryAfterSeconds);
  }

  /** Sends a sign-in code by SMS, within the per-phone and per-IP limits. */
  sendSmsCode(phone: string, ip: string): Promise<{ expiresInSeconds: number; resendAfterSeconds: number }> {
    return this.sendCode(phone, ip, 'login', (code) => `【${this.deps.config.operator.shortName}】您的登录验证码为${code}，5分钟内有效。如非本人操作请忽略。`);
  }

  /**
   * Sends a one-time code by SMS for `purpose` (signing in, reopening a service), within the
   * per-phone and per-IP limits; `text` words the message around the code.
   */
  async sendCode(phone: string, ip: string, purpose: SmsCodePurpose, text: (code: string) => string): Promise<{ expiresInSeconds: number; resendAfterSeconds: number }> {
    const now = this.deps.clock.now();
    await this.limit(`sms:ip:${ip}`, SMS_RULES.perIpPerHour, 3600, '发送验证码过于频繁，请稍后再试');
    const perMinute = await this.deps.rateLimiter.consume(`sms:phone:min:${phone}`, SMS_RULES.perPhonePerMinute, 60);
    if (!perMinute.allowed) {
      throw new AppError('SMS_SEND_TOO_FREQUENT', 429, `验证码已发送，请${perMinute.retryAfterSeconds}秒后再试`, {
        retryAfterSeconds: perMinute.retryAfterSeconds,
      }, { 'Retry-After': String(perMinute.retryAfterSeconds) });
    }
    await this.limit(`sms:phone:day:${phone}:${businessDate(now)}`, SMS_RULES.perPhonePerDay, 86_400, '该手机号今日验证码发送次数已达上限，请明天再试');

    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const record = Object.assign(new SmsCode(), {
      phone,
      codeHash: this.hashCode(phone, code, purpose),
      createdAt: now,
      expiresAt: new Date(now.getTime() + SMS_RULES.codeTtlSeconds * 1000),
    });
    // A new code replaces any earlier one still open for this phone.
    await this.em.nativeUpdate(SmsCode, { phone, consumedAt: null }, { consumedAt: now });
    await this.em.persistAndFlush(record);
    await this.deps.sms.send(phone, text(code));
    this.deps.logger.info({ phone: maskPhone(phone) }, 'sms code sent');
    return { expiresInSeconds: SMS_RULES.codeTtlSeconds, resendAfterSeconds: 60 };
  }

  /** Checks an SMS code and signs the phone's user in (creating the user on first sign-in). */
  async loginWithSms(input: SmsLoginInput, ip: string): Promise<SessionView> {
    await this.limit(`login:ip:${ip}`, LOGIN_ATTEMPTS_PER_IP, 900, '登录尝试过于频繁，请稍后再试');
    await this.consumeCode(input.phone, input.code, 'login');
    const now = this.deps.clock.now();
    const user = await this.findOrCreateUser({ phone: input.phone }, now, input.consentVersion);
    const session = await this.sessions.createSession('user', user.id);
    return this.userSessionView(user, session);
  }

  /**
   * Checks the newest open code sent to `phone` for `purpose` and uses it up; throws SMS_CODE_INVALID
   * (with the tries left), SMS_CODE_EXPIRED or SMS_CODE_TOO_MANY_ATTEMPTS otherwise.
   */
  async consumeCode(phone: string, code: string, purpose: SmsCodePurpose): Promise<void> {
    const now = this.deps.clock.now();
    const em = this.em;
    const input = { phone, code };
    const record = await em.findOne(SmsCode, { phone: input.phone, consumedAt: null }, { orderBy: { id: 'desc' } });
    if (!record) throw new AppError('SMS_CODE_INVALID', 400, '验证码错误，请重新获取', { field: 'code' });
    if (record.expiresAt <= now) throw new AppError('SMS_CODE_EXPIRED', 400, '验证码已过期，请重新获取');
    if (record.attempts >= SMS_RULES.maxAttempts) {
      throw new AppError('SMS_CODE_TOO_MANY_ATTEMPTS', 400, '验证码错误次数过多，请重新获取');
    }
    const expected = Buffer.from(record.codeHash, 'hex');
    const given = Buffer.from(this.hashCode(input.phone, input.code, purpose), 'hex');
    if (!timingSafeEqual(expected, given)) {
      // Counted in the database with a conditional update, so concurrent guesses (and several
      // server instances) cannot exceed the limit between them.
      const result = await em
        .createQueryBuilder(SmsCode)
        .update({ attempts: raw('attempts + 1') })
        .where({ id: record.id, attempts: { $lt: SMS_RULES.maxAttempts }, consumedAt: null })
        .execute('run');
      const fresh = await em.findOneOrFail(SmsCode, record.id, { refresh: true });
      const left = SMS_RULES.maxAttempts - fresh.attempts;
      if (result.affectedRows === 0 || left <= 0) throw new AppError('SMS_CODE_TOO_MANY_ATTEMPTS', 400, '验证码错误次数过多，请重新获取');
      throw new AppError('SMS_CODE_INVALID', 400, `验证码错误，还可尝试${left}次`, { attemptsLeft: left });
    }
    const consumed = await em.nativeUpdate(SmsCode, { id: record.id, consumedAt: null }, { consumedAt: now });
    if (consumed === 0) throw new AppError('SMS_CODE_INVALID', 400, '验证码已使用，请重新获取');
  }

  /** Exchanges a mini-program `wx.login` code for a session (creating the user on first sign-in). */
  async loginWithWechat(code: string, ip: string, consentVersion?: string): Promise<SessionView> {
    await this.limit(`login:ip:${ip}`, LOGIN_ATTEMPTS_PER_IP, 900, '登录尝试过于频繁，请稍后再试');
    let wx;
    try {
      wx = await this.deps.wechatLogin.code2Session(code);
    } catch (err) {
      this.deps.logger.error({ err }, 'wechat jscode2session failed');
      throw new AppError('UPSTREAM_FAILED', 502, '微信登录服务暂时不可用，请稍后再试');
    }
    if (!wx) throw new AppError('WECHAT_CODE_INVALID', 400, '微信登录凭证无效或已使用，请重新进入小程序');
    const now = this.deps.clock.now();
    const user = await this.findOrCreateUser({ openid: wx.openid }, now, consentVersion);
    const session = await this.sessions.createSession('user', user.id);
    return this.userSessionView(user, session);
  }

  /** 《用户协议》 and 《隐私政策》 as published, the operator's name and service hotline filled in. */
  agreements(): AgreementsView {
    const { operator } = this.deps.config;
    const hotline = operator.hotlines.find((h) => h.kind === 'service') ?? operator.hotlines[0];
    const fill = (text: string) => text.replaceAll('{operator}', operator.name).replaceAll('{hotline}', `${hotline.name} ${hotline.number}`);
    const { version, userAgreement, privacyPolicy } = operator.agreements;
    return {
      version,
      userAgreement: { title: userAgreement.title, body: fill(userAgreement.body) },
      privacyPolicy: { title: privacyPolicy.title, body: fill(privacyPolicy.body) },
    };
  }

  /** Which agreements' version a user consented to, and whether it is the one published now. */
  async consentOf(userId: number): Promise<{ consentVersion: string | null; consentedAt: string | null; consentCurrent: boolean }> {
    const user = await this.em.findOne(User, userId);
    const consentVersion = user?.consentVersion ?? null;
    return { consentVersion, consentedAt: user?.consentedAt?.toISOString() ?? null, consentCurrent: consentVersion === this.deps.config.operator.agreements.version };
  }

  /** Staff sign-in. Unknown usernames and wrong passwords get the same answer, in the same time. */
  async loginStaff(input: StaffLoginInput, ip: string): Promise<SessionView> {
    await this.limit(`staff-login:ip:${ip}`, LOGIN_ATTEMPTS_PER_IP, 900, '登录尝试过于频繁，请稍后再试');
    const username = input.username.trim().toLowerCase();
    await this.limit(`staff-login:user:${username}`, STAFF_ATTEMPTS_PER_USERNAME, 900, '该账号登录失败次数过多，请15分钟后再试');
    const staff = await this.em.findOne(StaffUser, { username });
    const ok = await verifyPassword(input.password, staff?.passwordHash ?? (await dummyPasswordHash));
    if (!staff || !ok || !staff.active) throw new AppError('INVALID_CREDENTIALS', 401, '用户名或密码错误');
    await this.deps.rateLimiter.reset(`staff-login:user:${username}`);
    const session = await this.sessions.createSession('staff', staff.id);
    const now = this.deps.clock.now();
    this.audit.record(this.em, { kind: 'staff', id: staff.id }, { action: 'staff.login', entityType: 'staff_user', entityId: staff.id, detail: { ip } }, now);
    await this.em.flush();
    return {
      token: session.token,
      expiresAt: session.expiresAt.toISOString(),
      staff: { id: staff.id, username: staff.username, name: staff.name, jobNo: staff.jobNo, role: staff.role },
    };
  }

  /**
   * `consentVersion`: the agreements' version the user ticked 同意 for at this sign-in; recorded when it
   * is the one published now (an older client's stale version is not taken as consent to the new texts).
   * A sign-in without it is not refused (older clients), and records nothing.
   */
  private async findOrCreateUser(where: { phone: string } | { openid: string }, now: Date, consentVersion?: string): Promise<User> {
    const em = this.em;
    let user = await em.findOne(User, where);
    if (!user) {
      user = Object.assign(new User(), where, { createdAt: now });
      try {
        await em.persistAndFlush(user);
      } catch (err) {
        // Two first sign-ins at once: the unique index lets one create, the other reads it.
        em.clear();
        user = await em.findOne(User, where);
        if (!user) throw err;
      }
    }
    user.lastLoginAt = now;
    if (consentVersion !== undefined && consentVersion === this.deps.config.operator.agreements.version && user.consentVersion !== consentVersion) {
      user.consentVersion = consentVersion;
      user.consentedAt = now;
    }
    await em.flush();
    return user;
  }

  private userSessionView(user: User, session: { token: string; expiresAt: Date }): SessionView {
    return {
      token: session.token,
      expiresAt: session.expiresAt.toISOString(),
      user: { id: user.id, phoneMasked: user.phone ? maskPhone(user.phone) : null, hasWechat: user.openid !== null },
    };
  }
}
