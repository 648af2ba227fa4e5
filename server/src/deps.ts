import path from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock';
import type { AppConfig } from './config';
import type { Orm } from './db';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './http/rate-limit';
import { createBillingSystem, type BillingSystem } from './integrations/billing/billing.adapter';
import { createEinvoicePlatform, type EinvoicePlatform } from './integrations/einvoice/einvoice.wiring';
import { SmtpMailer, type Mailer } from './integrations/mail/mail.adapter';
import { createPaymentGateways, type PaymentGateways } from './integrations/payment-gateways';
import { HttpSmsSender, type SmsSender } from './integrations/sms/sms.adapter';
import { HttpWechatOAuthClient, type WechatOAuthClient } from './integrations/wechat/wechat-oauth.adapter';
import { HttpWechatSubscribeSender, type WechatSubscribeSender } from './integrations/wechat/wechat-subscribe.adapter';
import { HttpWechatLoginClient, type WechatLoginClient } from './integrations/wechat/wechat.adapter';
import { LocalSessionRevocations, RedisSessionRevocations, type SessionRevocations } from './http/session-revocations';
import { LocalDiskUploadStorage, type UploadStorage } from './integrations/storage/upload-storage';
import { liveChannel, LocalLiveBus, RedisLiveBus, type LiveBus } from './modules/live/live-bus';
import { ReadDb } from './read-db';
import { createSandboxes, type Sandboxes } from './sandboxes';

export type { Clock } from './clock';

/** Everything the app is built from. Tests replace pieces (clock, limiter) through `overrides`. */
export interface AppDeps {
  config: AppConfig;
  orm: Orm;
  /** Fixed SELECTs for the hottest reads, beside the ORM (see read-db.ts). */
  readDb: ReadDb;
  logger: Logger;
  clock: Clock;
  rateLimiter: RateLimiter;
  /** Sign-outs told to the other instances (Redis pub/sub when the shared store is Redis). */
  sessionRevocations: SessionRevocations;
  /** Committed ticket changes for the console's live stream (Redis pub/sub when the shared store is Redis). */
  liveBus: LiveBus;
  sms: SmsSender;
  wechatLogin: WechatLoginClient;
  /** The official account's web OAuth (H5 paying in WeChat's browser); null when no official account is configured. */
  wechatOAuth: WechatOAuthClient | null;
  /** WeChat subscribe messages (subscriber notifications), through the same WeChat API base as login. */
  wechatSubscribe: WechatSubscribeSender;
  /** Where this server can reach itself (sandbox callbacks); set once it listens. */
  self: { baseUrl: string };
  /** WeChat Pay and Alipay (reaching the in-process sandboxes when sandboxes are on). */
  payments: PaymentGateways;
  /** The operator's billing system of record (external mode), or none (embedded: the portal is the record). */
  billingSystem: BillingSystem;
  /** Where the work-order dispatcher POSTs tickets; null: nowhere (they wait in the outbox). */
  workorderUrl: () => string | null;
  /** Where uploaded photos' bytes are kept: local disk under DATA_DIR/uploads unless replaced. */
  uploadStorage: UploadStorage;
  /** The e-invoice platform (reaching the in-process sandbox at /sandbox/einvoice when sandboxes are on and EINVOICE_API_BASE is unset). */
  einvoice: EinvoicePlatform;
  /** Outgoing mail (invoice PDFs): SMTP, or the sandbox mailbox. */
  mailer: Mailer;
  /**
   * The in-process sandboxes configuration asks for (each null when not in use), from the one
   * factory in sandboxes/. Only the start-up wiring (app.ts mounts them, main.ts stops them) and
   * tests read this; no module does.
   */
  sandboxes: Sandboxes;
}

export function createDeps(config: AppConfig, orm: Orm, logger: Logger, overrides: Partial<AppDeps> = {}): AppDeps {
  const clock = overrides.clock ?? systemClock;
  const self = overrides.self ?? { baseUrl: config.publicUrl ?? `http://127.0.0.1:${config.port}` };
  const sandboxes =
    overrides.sandboxes ??
    createSandboxes(config, {
      self,
      now: () => clock.now(),
      logger,
      leaveOut: { payments: !!overrides.payments, einvoice: !!overrides.einvoice, mail: !!overrides.mailer },
    });
  const sms: SmsSender =
    config.sms.provider === 'http' ? new HttpSmsSender(config.sms.url, config.sms.token) : (sandboxes.sms as SmsSender);
  const wechatBase = () => config.wechat.apiBase ?? `${self.baseUrl}/sandbox/wechat`;
  const mp = config.wechat.mp;
  const oauthBase = () => config.wechat.oauthBase ?? `${self.baseUrl}/sandbox/wechat`;
  const workorderUrl = sandboxes.access.workorderUrl;
  const rateLimiter: RateLimiter =
    config.rateLimit.store === 'redis'
      ? new RedisRateLimiter(new Redis(config.rateLimit.url, { maxRetriesPerRequest: 2, enableOfflineQueue: true }), `${config.redisNamespace}:rl:`)
      : new MemoryRateLimiter(() => clock.now().getTime());
  return {
    config,
    orm,
    readDb: new ReadDb(orm, config.db.type),
    logger,
    clock,
    rateLimiter,
    sessionRevocations: config.rateLimit.store === 'redis' ? new RedisSessionRevocations(config.rateLimit.url, config.redisNamespace) : new LocalSessionRevocations(),
    liveBus: overrides.liveBus ?? (config.rateLimit.store === 'redis' ? new RedisLiveBus(config.rateLimit.url, logger, liveChannel(config.redisNamespace)) : new LocalLiveBus(logger)),
    sms,
    wechatLogin: new HttpWechatLoginClient(wechatBase, config.wechat.appid, config.wechat.secret),
    wechatOAuth: mp ? new HttpWechatOAuthClient(oauthBase, wechatBase, mp.appid, mp.secret) : null,
    wechatSubscribe: new HttpWechatSubscribeSender(wechatBase, config.wechat.appid, config.wechat.secret),
    self,
    payments: overrides.payments ?? createPaymentGateways(config, { wechatpay: sandboxes.access.wechatpay, alipay: sandboxes.access.alipay }),
    billingSystem: overrides.billingSystem ?? createBillingSystem(config.billing, () => clock.now()),
    workorderUrl: () => config.workorder.url ?? (workorderUrl ? workorderUrl() : null),
    uploadStorage: new LocalDiskUploadStorage(path.join(config.dataDir, 'uploads')),
    einvoice: overrides.einvoice ?? createEinvoicePlatform(config, sandboxes.access.einvoice, () => clock.now()),
    mailer: overrides.mailer ?? (config.mail.provider === 'smtp' ? new SmtpMailer(config.mail.url, config.mail.from) : sandboxes.mail!),
    sandboxes,
    ...overrides,
  };
}
