import path from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppConfig } from './config';
import type { Orm } from './db';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './http/rate-limit';
import { HttpSmsSender, type SmsSender } from './integrations/sms/sms.adapter';
import { SandboxSmsSender } from './sandboxes/sms/sms.sandbox';
import { HttpWechatLoginClient, type WechatLoginClient } from './integrations/wechat/wechat.adapter';
import { WechatLoginSandbox } from './sandboxes/wechat/wechat-login.sandbox';
import { HttpWechatOAuthClient, type WechatOAuthClient } from './integrations/wechat/wechat-oauth.adapter';
import { WechatOAuthSandbox } from './sandboxes/wechat/wechat-oauth.sandbox';
import { HttpWechatSubscribeSender, type WechatSubscribeSender } from './integrations/wechat/wechat-subscribe.adapter';
import { WechatSubscribeSandbox } from './sandboxes/wechat/wechat-subscribe.sandbox';
import { createPaymentGateways, type PaymentGateways } from './modules/payments/payment-gateways';
import { createBillingSystem, type BillingSystem } from './integrations/billing/billing.adapter';
import { WorkOrderSandbox } from './sandboxes/workorder/workorder.sandbox';
import { LocalSessionRevocations, RedisSessionRevocations, type SessionRevocations } from './modules/auth/session-cache';
import { ReadDb } from './read-db';
import { LocalDiskUploadStorage, type UploadStorage } from './modules/uploads/upload-storage';
import { createEinvoicePlatform, createMailer, type EinvoicePlatform } from './integrations/einvoice/einvoice.wiring';
import type { Mailer } from './integrations/mail/mail.adapter';
import type { SandboxMailer } from './sandboxes/mail/mail.sandbox';

/** Business time comes from here so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

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
  sms: SmsSender;
  /** Present when sandboxes are enabled: the SMS outbox behind `GET /sandbox/sms`. */
  smsSandbox: SandboxSmsSender | null;
  wechatLogin: WechatLoginClient;
  wechatSandbox: WechatLoginSandbox | null;
  /** The official account's web OAuth (H5 paying in WeChat's browser); null when no official account is configured. */
  wechatOAuth: WechatOAuthClient | null;
  /** Present when the sandbox plays the official account's OAuth: `/sandbox/wechat/connect/oauth2/authorize` and the code exchange. */
  wechatOAuthSandbox: WechatOAuthSandbox | null;
  /** WeChat subscribe messages (subscriber notifications), through the same WeChat API base as login. */
  wechatSubscribe: WechatSubscribeSender;
  /** Present when sandboxes are enabled: the subscribe messages behind `GET /sandbox/wechat/subscribe-messages`. */
  wechatSubscribeSandbox: WechatSubscribeSandbox | null;
  /** Where this server can reach itself (sandbox callbacks); set once it listens. */
  self: { baseUrl: string };
  /** WeChat Pay and Alipay (the in-process sandboxes when sandboxes are on). */
  payments: PaymentGateways;
  /** The operator's billing system of record (external mode), or none (embedded: the portal is the record). */
  billingSystem: BillingSystem;
  /** The work-order system's sandbox, served at `/sandbox/workorder` when sandboxes are on and WORKORDER_URL is unset. */
  workorderSandbox: WorkOrderSandbox | null;
  /** Where the work-order dispatcher POSTs tickets; null: nowhere (they wait in the outbox). */
  workorderUrl: () => string | null;
  /** Where uploaded photos' bytes are kept: local disk under DATA_DIR/uploads unless replaced. */
  uploadStorage: UploadStorage;
  /** The e-invoice platform (the in-process sandbox at /sandbox/einvoice when sandboxes are on and EINVOICE_API_BASE is unset). */
  einvoice: EinvoicePlatform;
  /** Outgoing mail (invoice PDFs): SMTP, or the sandbox mailbox. */
  mailer: Mailer;
  /** Present with the sandbox mailbox: the mails behind `GET /sandbox/mail`. */
  mailSandbox: SandboxMailer | null;
}

export function createDeps(config: AppConfig, orm: Orm, logger: Logger, overrides: Partial<AppDeps> = {}): AppDeps {
  const clock = overrides.clock ?? systemClock;
  const self = overrides.self ?? { baseUrl: config.publicUrl ?? `http://127.0.0.1:${config.port}` };
  const smsSandbox = config.sandbox && config.sms.provider === 'sandbox' ? new SandboxSmsSender() : null;
  const sms: SmsSender =
    config.sms.provider === 'http' ? new HttpSmsSender(config.sms.url, config.sms.token) : (smsSandbox as SandboxSmsSender);
  const wechatSandbox = config.sandbox ? new WechatLoginSandbox(config.wechat.appid, config.wechat.secret) : null;
  const wechatBase = () => config.wechat.apiBase ?? `${self.baseUrl}/sandbox/wechat`;
  const mp = config.wechat.mp;
  const oauthBase = () => config.wechat.oauthBase ?? `${self.baseUrl}/sandbox/wechat`;
  // The official account may only send the browser back to the site itself (its 网页授权域名).
  const wechatOAuthSandbox =
    config.sandbox && mp && config.wechat.oauthBase === null
      ? new WechatOAuthSandbox({ appid: mp.appid, secret: mp.secret, authorizedHosts: () => [new URL(self.baseUrl).host] })
      : null;
  const workorderSandbox =
    config.sandbox && !config.workorder.url
      ? new WorkOrderSandbox({ secret: config.workorder.secret, eventsUrl: () => `${self.baseUrl}/api/v1/integrations/work-orders/events`, now: () => clock.now(), autoAccept: true })
      : null;
  const mail = overrides.mailer ? { mailer: overrides.mailer, sandbox: overrides.mailSandbox ?? null } : createMailer(config);
  const rateLimiter: RateLimiter =
    config.rateLimit.store === 'redis'
      ? new RedisRateLimiter(new Redis(config.rateLimit.url, { maxRetriesPerRequest: 2, enableOfflineQueue: true }))
      : new MemoryRateLimiter(() => clock.now().getTime());
  return {
    config,
    orm,
    readDb: new ReadDb(orm, config.db.type),
    logger,
    clock,
    rateLimiter,
    sessionRevocations: config.rateLimit.store === 'redis' ? new RedisSessionRevocations(config.rateLimit.url) : new LocalSessionRevocations(),
    sms,
    smsSandbox,
    wechatLogin: new HttpWechatLoginClient(wechatBase, config.wechat.appid, config.wechat.secret),
    wechatSandbox,
    wechatOAuth: mp ? new HttpWechatOAuthClient(oauthBase, wechatBase, mp.appid, mp.secret) : null,
    wechatOAuthSandbox,
    wechatSubscribe: new HttpWechatSubscribeSender(wechatBase, config.wechat.appid, config.wechat.secret),
    wechatSubscribeSandbox: config.sandbox ? new WechatSubscribeSandbox(config.wechat.appid, config.wechat.secret) : null,
    self,
    payments: overrides.payments ?? createPaymentGateways(config, self, logger),
    billingSystem: overrides.billingSystem ?? createBillingSystem(config.billing, () => clock.now()),
    workorderSandbox,
    workorderUrl: () => config.workorder.url ?? (workorderSandbox ? `${self.baseUrl}/sandbox/workorder/orders` : null),
    uploadStorage: new LocalDiskUploadStorage(path.join(config.dataDir, 'uploads')),
    einvoice: overrides.einvoice ?? createEinvoicePlatform(config, self, () => clock.now(), logger),
    mailer: mail.mailer,
    mailSandbox: mail.sandbox,
    ...overrides,
  };
}
