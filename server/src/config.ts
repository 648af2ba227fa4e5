import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isUnifiedSocialCreditCode } from '@openhall/shared';
import { ENCODING_AES_KEY_PATTERN, WECHAT_PUSH_MODES, type WechatPushMode } from './integrations/wechat/wechat-push.protocol';
import { DEFAULT_AGREEMENTS } from './modules/auth/default-agreements';
import { notificationsConfigSchema, type NotificationsConfig } from './modules/notifications/notification-templates';

/** The repository root: config/, data/ and client/dist/ are found from here unless overridden. */
export const repoRoot = path.resolve(__dirname, '..', '..');


const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
/** A half-day's visiting hours. */
const halfDayHoursSchema = z.object({ from: hhmm, to: hhmm }).refine((h) => h.from < h.to, { message: 'from must be before to' });

const DEFAULT_APP_SECRET = 'openhall-dev-secret-change-me';
const DEFAULT_WECHAT_SECRET = 'sandbox-wechat-secret';
/** The official account `npm start` configures with the sandboxes (scripts/start.ts); refused in production. */
export const SANDBOX_WECHAT_MP_APPID = 'wxsandboxmp00000001';
export const SANDBOX_WECHAT_MP_SECRET = 'sandbox-wechat-mp-secret';
/** WeChat's own OAuth page host, for an official account when the sandbox does not play it. */
const WECHAT_OAUTH_ORIGIN = 'https://open.weixin.qq.com';
const DEFAULT_WORKORDER_SECRET = 'sandbox-workorder-secret';
const DEFAULT_BILLING_SECRET = 'sandbox-billing-secret';
const DEFAULT_EINVOICE_APP_KEY = 'sandbox-einvoice-app';
/** What the sandbox SMS gateway signs its status reports with (SMS_HTTP_TOKEN unset). */
const SANDBOX_SMS_TOKEN = 'sandbox-sms-token';
/** The message-push token the sandbox WeChat signs with (WECHAT_PUSH_TOKEN unset); refused in production. */
const SANDBOX_WECHAT_PUSH_TOKEN = 'sandboxpushtoken';
/** The EncodingAESKey the sandbox WeChat encrypts with (WECHAT_PUSH_AES_KEY unset); refused in production. */
const SANDBOX_WECHAT_PUSH_AES_KEY = 'SandboxEncodingAESKeyForOpenHallPushes00000';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every environment variable OpenHall reads, with its default. README's configuration reference mirrors this. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Public base URL of this server, used for links and sandbox callbacks. */
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default(path.join(repoRoot, 'data')),
  CONFIG_DIR: z.string().min(1).default(path.join(repoRoot, 'config')),
  DATABASE_URL: z
    .string()
    .regex(/^(mysql|mariadb|sqlite):\/\//, 'must start with mysql://, mariadb:// or sqlite://')
    .optional(),
  DB_DEBUG: bool.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Secret used to hash SMS codes and sign internal tokens. Must be changed in production. */
  APP_SECRET: z.string().min(16).default(DEFAULT_APP_SECRET),
  /** Enables the local sandboxes (SMS outbox, WeChat login, payment gateways). Refused in production. */
  SANDBOX: bool.optional(),
  /** Comma-separated origins allowed by CORS (the H5 site when it is served elsewhere). */
  CORS_ORIGINS: z.string().default(''),
  /** Directory of the built H5 site to serve at `/`; empty disables it. */
  H5_DIR: z.string().default(path.join(repoRoot, 'client', 'dist', 'h5')),
  BODY_LIMIT_KB: z.coerce.number().int().min(1).max(10240).default(256),
  /** How long a client may take to send a request's headers; a silent connection is closed after it too. */
  HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3_600).default(20),
  /** How long a client may take to send a request's body once its headers are in (a photo over a weak mobile signal). */
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  /** The same for the bulk imports (billing-system batches, the console's CSV upload), up to BILLING_IMPORT_MAX_MB each. */
  HTTP_IMPORT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3_600),
  TRUST_PROXY: bool.default(false),
  RATE_LIMIT_STORE: z.enum(['memory', 'redis']).default('memory'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis://').optional(),
  /**
   * What this deployment's Redis keys and pub/sub channels start with (rate-limit counters, sign-outs,
   * the console's live updates), so two deployments on one Redis never hear each other. Default:
   * derived from the database (host, port and name, or the SQLite file), which every instance of
   * one deployment shares; set it when instances reach the database by different addresses.
   */
  REDIS_NAMESPACE: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1–64 of letters, digits, _ . : -').optional(),
  WECHAT_APPID: z.string().min(1).default('wxsandbox0000000001'),
  WECHAT_SECRET: z.string().min(1).default(DEFAULT_WECHAT_SECRET),
  /** Base URL of the WeChat API (jscode2session). Defaults to the in-process sandbox when sandboxes are on. */
  WECHAT_API_BASE: z.url().optional(),
  /**
   * The official account (公众号) the H5 site pays under inside WeChat's browser (WeChat Pay JSAPI,
   * the payer's openid from its OAuth). Optional: without it the site, opened in WeChat, says how to
   * pay instead. Its appid must be bound to WECHATPAY_MCHID at the merchant platform.
   */
  WECHAT_MP_APPID: z.string().regex(/^wx[0-9A-Za-z]{8,30}$/, 'must be the official account appid (wx…)').optional(),
  /** The official account's AppSecret (exchanges the OAuth code for the openid). */
  WECHAT_MP_SECRET: z.string().min(8).optional(),
  /** Where WeChat's OAuth page is (https://open.weixin.qq.com). Defaults to the in-process sandbox while WECHAT_API_BASE is unset and sandboxes are on. */
  WECHAT_OAUTH_BASE: z.url().optional(),
  SMS_PROVIDER: z.enum(['sandbox', 'http']).default('sandbox'),
  SMS_HTTP_URL: z.url().optional(),
  /**
   * The SMS relay's shared token: sent as the bearer of each send, and the HMAC-SHA256 key its status
   * reports (POST /api/v1/integrations/sms/reports) are signed with. Without it reports are refused.
   */
  SMS_HTTP_TOKEN: z.string().optional(),
  /**
   * The Token of the mini-program's message push (开发管理 → 消息推送, plaintext mode), which signs
   * WeChat's pushes to /api/v1/integrations/wechat/push (subscribe-message delivery results).
   * Unset: the sandbox's token with sandboxes on; otherwise push is not in use.
   */
  WECHAT_PUSH_TOKEN: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3–32 letters or digits (as the mini-program console takes it)').optional(),
  /**
   * The EncodingAESKey of the same console page, which encrypts pushes in 兼容/安全 mode. Set: encrypted
   * pushes are read (in any mode). Unset: the sandbox's key with sandboxes on; otherwise none.
   */
  WECHAT_PUSH_AES_KEY: z.string().regex(ENCODING_AES_KEY_PATTERN, 'must be the 43-character EncodingAESKey from the mini-program console (letters, digits, + or /)').optional(),
  /**
   * The EncodingAESKey the console held before it was changed, while WeChat may still encrypt with
   * it (pushes it retries, or the console not changed yet during a rolling change): tried when
   * WECHAT_PUSH_AES_KEY cannot open a push. Needs WECHAT_PUSH_AES_KEY and must differ from it; in
   * plain mode it is read like that key, for pushes that come encrypted all the same.
   */
  WECHAT_PUSH_AES_KEY_PREVIOUS: z
    .string()
    .regex(ENCODING_AES_KEY_PATTERN, 'must be the 43-character EncodingAESKey the console held before the change (letters, digits, + or /)')
    .optional(),
  /**
   * The console's 消息加密方式: `plain` (明文) and `compat` (兼容) take plaintext and encrypted pushes;
   * `safe` (安全) refuses a push that is not encrypted. compat and safe need WECHAT_PUSH_AES_KEY.
   */
  WECHAT_PUSH_MODE: z.enum(WECHAT_PUSH_MODES).default('plain'),
  /** How long after a send the SMS and WeChat sandboxes push its delivery receipt, in ms. */
  SANDBOX_RECEIPT_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).optional(),
  STAFF_SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /** Whether this instance runs the background jobs (false: an API-only instance; see main.ts). */
  RUN_JOBS: bool.default(true),
  /**
   * How often payment housekeeping and the outbox's general topics run, in seconds: what others
   * must hear (the billing system, notices) leaves within this (invoices and work orders have faster
   * lanes of their own). Lower it for sandbox runs.
   */
  OUTBOX_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How often WeChat Pay's complaint list is read for complaints whose notification was lost. */
  WECHATPAY_COMPLAINT_POLL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),
  /** How long an instance keeps a resolved bearer token in memory (0: read the session every request). */
  SESSION_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
  // Payments. With sandboxes on, a gateway whose API base is unset is the in-process sandbox.
  WECHATPAY_MCHID: z.string().regex(/^\d{6,16}$/, 'must be the numeric merchant id').optional(),
  /** The 32-character APIv3 key (decrypts notifications). */
  WECHATPAY_APIV3_KEY: z.string().refine((v) => Buffer.byteLength(v, 'utf8') === 32, 'must be exactly 32 bytes').optional(),
  WECHATPAY_MERCHANT_CERT: z.string().min(1).optional(),
  WECHATPAY_MERCHANT_KEY: z.string().min(1).optional(),
  WECHATPAY_MERCHANT_SERIAL: z.string().regex(/^[0-9A-Fa-f]{8,40}$/, 'must be the certificate serial (hex)').optional(),
  WECHATPAY_PLATFORM_CERT: z.string().min(1).optional(),
  WECHATPAY_PLATFORM_PUB_KEY_ID: z.string().regex(/^PUB_KEY_ID_\w+$/, 'must start with PUB_KEY_ID_').optional(),
  WECHATPAY_PLATFORM_PUB_KEY: z.string().min(1).optional(),
  WECHATPAY_API_BASE: z.url().optional(),
  ALIPAY_APP_ID: z.string().regex(/^\d{8,32}$/, 'must be the numeric app id').optional(),
  ALIPAY_SELLER_ID: z.string().regex(/^2088\d{12}$/, 'must be the 2088… partner id').optional(),
  ALIPAY_PRIVATE_KEY: z.string().min(1).optional(),
  ALIPAY_PUBLIC_KEY: z.string().min(1).optional(),
  ALIPAY_GATEWAY: z.url().optional(),
  ALIPAY_ENDPOINT: z.url().optional(),
  PAYMENT_ORDER_TTL_MINUTES: z.coerce.number().int().min(1).max(120).default(15),
  /** Multiplies the payment sandboxes' notify retry schedule (1 = the gateways' real one). */
  SANDBOX_NOTIFY_SCALE: z.coerce.number().positive().max(1).default(1),
  /**
   * `embedded`: the portal is the billing system of record and data arrives by import. `external`:
   * the operator's billing system is the record, mirrored through the same import, asked live where
   * money is at stake, and told of every write-off.
   */
  BILLING_MODE: z.enum(['embedded', 'external']).default('embedded'),
  /** The billing system's API base (external mode): live queries, write-offs, its daily write-off listing. */
  BILLING_URL: z.url().optional(),
  /** HMAC-SHA256 key shared with the billing system, both directions (the import inlet in both modes). */
  BILLING_SECRET: z.string().min(16).default(DEFAULT_BILLING_SECRET),
  /** How long a live query to the billing system may take before the subscriber is asked to try later. */
  BILLING_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3_000),
  /** Largest import batch (NDJSON or CSV) taken, in MB. */
  BILLING_IMPORT_MAX_MB: z.coerce.number().int().min(1).max(8_192).default(1_024),
  /** Business-time hour (0–23) from which the daily reconciliation fetches yesterday's trade bills (the gateways publish them in the morning). */
  RECONCILIATION_HOUR: z.coerce.number().int().min(0).max(23).default(10),
  /** Where tickets are POSTed in the operator's work-order system. Sandbox default: the in-process sandbox at /sandbox/workorder. */
  WORKORDER_URL: z.url().optional(),
  /** HMAC-SHA256 key shared with the work-order system, both directions. */
  WORKORDER_SECRET: z.string().min(16).default(DEFAULT_WORKORDER_SECRET),
  /** Largest photo `POST /api/v1/uploads` takes, in KB. Photos are stored under DATA_DIR/uploads. */
  UPLOAD_MAX_KB: z.coerce.number().int().min(16).max(20480).default(5120),
  /** The e-invoice platform's API base. Sandbox default: the in-process sandbox at /sandbox/einvoice. */
  EINVOICE_API_BASE: z.url().optional(),
  /** OpenHall's app key at the e-invoice platform (sent with every signed request). */
  EINVOICE_APP_KEY: z.string().min(1).max(64).default(DEFAULT_EINVOICE_APP_KEY),
  /** Path of OpenHall's private key (PKCS#8 PEM) that signs requests to the e-invoice platform. */
  EINVOICE_PRIVATE_KEY: z.string().min(1).optional(),
  /** Path of the e-invoice platform's public key (PEM) that verifies its answers and callbacks. */
  EINVOICE_PLATFORM_PUBLIC_KEY: z.string().min(1).optional(),
  /** How long a request to the e-invoice platform may take before it counts as failed (and is retried from the outbox). */
  EINVOICE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** `sandbox`: mails are kept in memory (GET /sandbox/mail); `smtp`: sent through SMTP_URL. */
  MAIL_PROVIDER: z.enum(['sandbox', 'smtp']).default('sandbox'),
  /** smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  /** The From of invoice mails, e.g. `杭城服务 <invoice@example.com>`. */
  MAIL_FROM: z.string().min(3).max(200).optional(),
});

const hotlineSchema = z.object({
  kind: z.enum(['service', 'complaint', 'supervision', 'repair']),
  name: z.string().min(1),
  number: z.string().min(3),
  hours: z.string().min(1),
});

const DEFAULT_CANNED_REPLIES = {
  reply: [
    '您好，您反映的问题已收到，我们正在安排处理，请保持电话畅通。',
    '维修人员将在承诺时限内与您联系并上门，请留意来电。',
    '经核实，您所在区域正在进行计划检修，预计今日内恢复，给您带来不便敬请谅解。',
  ],
  'request-information': ['为尽快处理，请补充故障发生的具体时间和现象。', '请补充方便上门的时间段和详细地址（门牌号、单元）。'],
  resolve: ['故障已排除，服务已恢复正常。如仍有问题，请在工单中点击“未解决，重新处理”。', '您反映的问题已处理完毕，感谢您的耐心等待。'],
};

/** A charge item's VAT: the rate in percent (two decimals at most), its tax category (税收分类简称), and the word printed for a zero rate. */
const taxItemSchema = z.object({
  category: z.string().min(1).max(20),
  ratePercent: z
    .number()
    .min(0)
    .max(17)
    .refine((r) => Math.abs(Math.round(r * 100) - r * 100) < 1e-6, 'at most two decimals'),
  zeroRateLabel: z.enum(['不征税', '免税', '0%']).optional(),
});

const invoicingSchema = z.object({
  seller: z.object({
    name: z.string().min(1).max(100),
    taxNo: z.string().refine(isUnifiedSocialCreditCode, 'must be an 18-character unified social credit code with a valid check character'),
    address: z.string().min(1).max(100),
    phone: z.string().min(3).max(32),
    bank: z.string().min(1).max(60),
    bankAccount: z.string().min(1).max(40),
  }),
  /** 开票人, printed on the invoice. */
  issuer: z.string().min(1).max(16),
  items: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), taxItemSchema).refine((items) => 'default' in items, 'must have a `default` entry for item codes not listed'),
});

export type InvoicingConfig = z.infer<typeof invoicingSchema>;

const operatorSchema = z.object({
  name: z.string().min(1),
  shortName: z.string().min(1),
  timezone: z.literal('Asia/Shanghai'),
  hotlines: z.array(hotlineSchema).min(1),
  areas: z.array(z.object({ code: z.string().min(1), name: z.string().min(1), kind: z.enum(['city', 'rural']) })).min(1),
  commitments: z
    .array(
      z.object({
        code: z.string().min(1),
        title: z.string().min(1),
        description: z.string().min(1),
        targetAmount: z.number().int().positive(),
        targetUnit: z.enum(['hours', 'working_days', 'days']),
        ticketType: z.string().nullable(),
        sortOrder: z.number().int(),
      }),
    )
    .min(1),
  lateFee: z.object({
    ratePerDayBasisPoints: z.number().int().min(0).max(10000),
    graceDays: z.number().int().min(0),
    capPercent: z.number().int().min(0).max(100),
    description: z.string(),
  }),
  sessionTtlHours: z.number().int().positive().default(720),
  /**
   * How many tickets may be filed: per signed-in user per hour, per account per day, and complaints
   * (and suggestions) per account per day; counted across instances like the other limits.
   */
  ticketLimits: z
    .object({
      perUserPerHour: z.number().int().min(1).default(20),
      perAccountPerDay: z.number().int().min(1).default(30),
      complaintsPerAccountPerDay: z.number().int().min(1).default(5),
    })
    .default({ perUserPerHour: 20, perAccountPerDay: 30, complaintsPerAccountPerDay: 5 }),
  /**
   * Prepaid accounts: the top-up amounts offered (fen), the range a custom amount must fall in, and
   * the low-balance threshold that applies to a subscriber who has not set their own.
   */
  prepaid: z
    .object({
      topUpPresetsFen: z.array(z.number().int().positive()).min(1).max(8).default([2000, 5000, 10000, 20000]),
      topUpMinFen: z.number().int().positive().default(1000),
      topUpMaxFen: z.number().int().positive().max(10_000_000).default(500_000),
      lowBalanceDefaultFen: z.number().int().min(0).default(2000),
    })
    .refine((p) => p.topUpMinFen <= p.topUpMaxFen, { message: 'topUpMinFen must not exceed topUpMaxFen', path: ['topUpMinFen'] })
    .refine((p) => p.topUpPresetsFen.every((f) => f >= p.topUpMinFen && f <= p.topUpMaxFen), { message: 'every preset must lie within topUpMinFen..topUpMaxFen', path: ['topUpPresetsFen'] })
    .default({ topUpPresetsFen: [2000, 5000, 10000, 20000], topUpMinFen: 1000, topUpMaxFen: 500_000, lowBalanceDefaultFen: 2000 }),
  /**
   * Home-visit appointments: how many working days ahead can be booked, and how many visits each
   * area's technicians take per half-day (`areaCapacity` overrides `capacityPerHalfDay` for an area).
   */
  appointments: z
    .object({
      daysAhead: z.number().int().min(1).max(30).default(7),
      capacityPerHalfDay: z.number().int().min(0).default(4),
      areaCapacity: z.record(z.string(), z.object({ am: z.number().int().min(0), pm: z.number().int().min(0) })).default({}),
      labels: z.object({ am: z.string().min(1), pm: z.string().min(1) }).default({ am: '上午 09:00-12:00', pm: '下午 13:30-17:30' }),
      /** When each half-day's visits begin and end (business time, HH:MM), to measure them against the commitment clock. */
      hours: z
        .object({ am: halfDayHoursSchema, pm: halfDayHoursSchema })
        .default({ am: { from: '09:00', to: '12:00' }, pm: { from: '13:30', to: '17:30' } }),
      /** A half-day later today is offered only if it begins at least this many minutes from now. */
      sameDayLeadMinutes: z.number().int().min(0).max(720).default(60),
    })
    .default({
      daysAhead: 7,
      capacityPerHalfDay: 4,
      areaCapacity: {},
      labels: { am: '上午 09:00-12:00', pm: '下午 13:30-17:30' },
      hours: { am: { from: '09:00', to: '12:00' }, pm: { from: '13:30', to: '17:30' } },
      sameDayLeadMinutes: 60,
    }),
  /**
   * Electronic invoices: the seller as printed on every invoice, who issues them, and the VAT rate
   * of each charge item (bill line item codes; `renewal_*` and `topup` for renewals and top-ups,
   * `late_fee` for late fees), with `default` for an item code not listed.
   */
  invoicing: invoicingSchema,
  /** Canned texts (常用语) the staff console offers per action; staff edit one before sending. */
  cannedReplies: z
    .object({
      reply: z.array(z.string().min(1).max(1000)),
      'request-information': z.array(z.string().min(1).max(1000)),
      resolve: z.array(z.string().min(1).max(1000)),
    })
    .default(DEFAULT_CANNED_REPLIES),
  /**
   * 《用户协议》 and 《隐私政策》 shown at sign-in (GET /agreements); `version` changes with the texts, and
   * users who consented to another version are asked again. Defaults are placeholders to replace.
   */
  agreements: z
    .object({
      version: z.string().min(1).max(32),
      userAgreement: z.object({ title: z.string().min(1).max(40), body: z.string().min(1).max(50_000) }),
      privacyPolicy: z.object({ title: z.string().min(1).max(40), body: z.string().min(1).max(50_000) }),
    })
    .default(DEFAULT_AGREEMENTS),
});

const holidaysSchema = z.object({
  source: z.string().optional(),
  years: z.record(
    z.string().regex(/^\d{4}$/),
    z.object({
      holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
      workdays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
      provisional: z.boolean().optional(),
    }),
  ),
});

export type OperatorProfile = z.infer<typeof operatorSchema>;
export type HolidayCalendar = z.infer<typeof holidaysSchema>;

export interface AppConfig {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  publicUrl: string | undefined;
  dataDir: string;
  configDir: string;
  db:
    | { type: 'sqlite'; path: string; debug: boolean }
    /** `socketPath`: MySQL on this host, reached through its Unix socket (`?socket=` in DATABASE_URL) instead of TCP. */
    | { type: 'mysql'; url: string; socketPath?: string; debug: boolean };
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  appSecret: string;
  sandbox: boolean;
  corsOrigins: string[];
  h5Dir: string | null;
  bodyLimitKb: number;
  /** What slow clients are allowed (see http/server.ts). */
  http: HttpTimeouts;
  trustProxy: boolean;
  rateLimit: { store: 'memory' } | { store: 'redis'; url: string };
  /** The prefix of this deployment's Redis keys and channels (REDIS_NAMESPACE, or derived from the database). */
  redisNamespace: string;
  /**
   * WeChat: the mini-program (`appid`, `secret`), the API base (null: the in-process sandbox), and
   * the official account the H5 site pays under in WeChat's browser (null: none configured), with
   * where its OAuth page is (null: the in-process sandbox).
   */
  /**
   * `pushToken`: the message push's token (null: WeChat's delivery results are not received);
   * `pushAesKey`: its EncodingAESKey (null: encrypted pushes cannot be read); `pushAesKeyPrevious`:
   * the key before the console's last change, tried when `pushAesKey` fails (null: none);
   * `pushMode`: its 消息加密方式.
   */
  wechat: {
    appid: string;
    secret: string;
    apiBase: string | null;
    mp: { appid: string; secret: string } | null;
    oauthBase: string | null;
    pushToken: string | null;
    pushAesKey: string | null;
    pushAesKeyPrevious: string | null;
    pushMode: WechatPushMode;
  };
  /** `token` signs the gateway's status reports (and, over http, authorises the sends). */
  sms: { provider: 'sandbox'; token: string } | { provider: 'http'; url: string; token: string | undefined };
  /** How long after a send the sandboxes push its delivery receipt, in ms. */
  sandboxReceiptDelayMs: number;
  sessionTtlHours: number;
  sessionCacheSeconds: number;
  runJobs: boolean;
  /** How often payment housekeeping and the outbox run, in ms. */
  outboxIntervalMs: number;
  /** How often WeChat Pay's complaint list is polled (complaints whose notification was lost), in ms. */
  wechatpayComplaintPollMs: number;
  staffSessionTtlHours: number;
  /** The work-order system. `url` null: the in-process sandbox in sandbox mode, otherwise no dispatcher runs (tickets wait in the outbox). */
  workorder: { url: string | null; secret: string };
  /** Photo uploads: the size limit. */
  uploads: { maxBytes: number };
  /** The billing system of record: embedded (the portal) or external, its inlet and live API. */
  billing: BillingSystemConfig;
  operator: OperatorProfile;
  holidays: HolidayCalendar;
  /** Payment gateways and order rules (see integrations/payment-gateways.ts; the sandboxes in sandboxes/index.ts). */
  payments: PaymentsConfig;
  /** Subscriber notifications: WeChat subscribe-message and SMS templates per event (config/notifications.json). */
  notifications: NotificationsConfig;
  /** The e-invoice platform (the in-process sandbox when sandboxes are on and EINVOICE_API_BASE is unset). */
  einvoice: EinvoiceConfig;
  /** Outgoing e-mail (invoice PDFs). */
  mail: { provider: 'sandbox'; from: string } | { provider: 'smtp'; url: string; from: string };
}

/** The e-invoice platform: the sandbox (keys generated under DATA_DIR) or a real one. */
export type EinvoiceConfig =
  | { sandbox: true; appKey: string; timeoutMs: number }
  | { sandbox: false; appKey: string; timeoutMs: number; apiBase: string; privateKeyPath: string; platformPublicKeyPath: string };

/**
 * How long a client may take over a request, in ms: its headers; its body, counted from the headers;
 * and the body of a bulk import, which may be a gigabyte sent from an office uplink.
 */
export interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
  importMs: number;
}

/** A gateway is either the in-process sandbox (keys generated under DATA_DIR) or the real one. */
export interface PaymentsConfig {
  orderTtlMinutes: number;
  sandboxNotifyScale: number;
  /** Business-time hour from which yesterday's trade bills are reconciled. */
  reconciliationHour: number;
  wechatpay:
    | { sandbox: true; appid: string; mchid: string }
    | {
        sandbox: false;
        appid: string;
        mchid: string;
        apiV3Key: string;
        merchantCertPath: string;
        merchantKeyPath: string;
        merchantSerial: string;
        platformCertPath: string | null;
        platformPubKeyId: string | null;
        platformPubKeyPath: string | null;
        apiBase: string;
      };
  alipay:
    | { sandbox: true; appId: string; sellerId: string }
    | { sandbox: false; appId: string; sellerId: string; privateKeyPath: string; publicKeyPath: string; gateway: string; endpoint: string };
}

/** The billing system of record (see BILLING_MODE). */
export interface BillingSystemConfig {
  mode: 'embedded' | 'external';
  /** API base of the billing system; set in external mode. */
  url: string | null;
  secret: string;
  timeoutMs: number;
  importMaxBytes: number;
}

const SANDBOX_WECHATPAY_MCHID = '1900000109';
const SANDBOX_ALIPAY_APP_ID = '2021000000000001';
const SANDBOX_ALIPAY_SELLER_ID = '2088102177846880';

/** The payment part of the configuration; every missing or unreadable key is added to `problems`. */
function paymentsConfig(e: z.infer<typeof envSchema>, sandbox: boolean, problems: string[]): PaymentsConfig {
  const file = (key: keyof typeof e, required: boolean, why: string): string | null => {
    const value = e[key] as string | undefined;
    if (!value) {
      if (required) problems.push(`${key}: required ${why}`);
      return null;
    }
    if (!existsSync(value)) problems.push(`${key}: file ${value} does not exist`);
    return value;
  };
  const need = (key: keyof typeof e, why: string): string => {
    const value = e[key] as string | undefined;
    if (!value) problems.push(`${key}: required ${why}`);
    return value ?? '';
  };

  let wechatpay: PaymentsConfig['wechatpay'];
  if (sandbox && !e.WECHATPAY_API_BASE) {
    wechatpay = { sandbox: true, appid: e.WECHAT_APPID, mchid: e.WECHATPAY_MCHID ?? SANDBOX_WECHATPAY_MCHID };
  } else {
    const why = sandbox ? 'when WECHATPAY_API_BASE is set' : 'for WeChat Pay when sandboxes are off';
    const platformCertPath = file('WECHATPAY_PLATFORM_CERT', false, why);
    const platformPubKeyPath = file('WECHATPAY_PLATFORM_PUB_KEY', false, why);
    if (!platformCertPath && !e.WECHATPAY_PLATFORM_PUB_KEY_ID) {
      problems.push(`WECHATPAY_PLATFORM_CERT or WECHATPAY_PLATFORM_PUB_KEY_ID + WECHATPAY_PLATFORM_PUB_KEY: required ${why}`);
    }
    if (e.WECHATPAY_PLATFORM_PUB_KEY_ID && !platformPubKeyPath) problems.push('WECHATPAY_PLATFORM_PUB_KEY: required with WECHATPAY_PLATFORM_PUB_KEY_ID');
    if (platformPubKeyPath && !e.WECHATPAY_PLATFORM_PUB_KEY_ID) problems.push('WECHATPAY_PLATFORM_PUB_KEY_ID: required with WECHATPAY_PLATFORM_PUB_KEY');
    wechatpay = {
      sandbox: false,
      appid: e.WECHAT_APPID,
      mchid: need('WECHATPAY_MCHID', why),
      apiV3Key: need('WECHATPAY_APIV3_KEY', why),
      merchantCertPath: file('WECHATPAY_MERCHANT_CERT', true, why) ?? '',
      merchantKeyPath: file('WECHATPAY_MERCHANT_KEY', true, why) ?? '',
      merchantSerial: need('WECHATPAY_MERCHANT_SERIAL', why),
      platformCertPath,
      platformPubKeyId: e.WECHATPAY_PLATFORM_PUB_KEY_ID ?? null,
      platformPubKeyPath,
      apiBase: need('WECHATPAY_API_BASE', `${why} (https://api.mch.weixin.qq.com)`),
    };
  }

  let alipay: PaymentsConfig['alipay'];
  if (sandbox && !e.ALIPAY_GATEWAY) {
    alipay = { sandbox: true, appId: e.ALIPAY_APP_ID ?? SANDBOX_ALIPAY_APP_ID, sellerId: e.ALIPAY_SELLER_ID ?? SANDBOX_ALIPAY_SELLER_ID };
  } else {
    const why = sandbox ? 'when ALIPAY_GATEWAY is set' : 'for Alipay when sandboxes are off';
    alipay = {
      sandbox: false,
      appId: need('ALIPAY_APP_ID', why),
      sellerId: need('ALIPAY_SELLER_ID', why),
      privateKeyPath: file('ALIPAY_PRIVATE_KEY', true, why) ?? '',
      publicKeyPath: file('ALIPAY_PUBLIC_KEY', true, why) ?? '',
      gateway: need('ALIPAY_GATEWAY', `${why} (https://openapi.alipay.com/gateway.do)`),
      endpoint: need('ALIPAY_ENDPOINT', `${why} (https://openapi.alipay.com)`),
    };
  }

  return {
    orderTtlMinutes: e.PAYMENT_ORDER_TTL_MINUTES,
    sandboxNotifyScale: e.SANDBOX_NOTIFY_SCALE,
    reconciliationHour: e.RECONCILIATION_HOUR,
    wechatpay,
    alipay,
  };
}

/** Start-up refuses to go on; the message names every offending key. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function readJsonFile<T>(file: string, schema: z.ZodType<T>, problems: string[]): T | undefined {
  if (!existsSync(file)) {
    problems.push(`${file}: file is missing`);
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${file}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return undefined;
  }
  return parsed.data;
}

/**
 * Parses the environment (and the operator files in CONFIG_DIR) once. Every problem is collected
 * and reported together, so an operator fixing a deployment sees all of them in one start.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  // Empty strings in .env files mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsedEnv = envSchema.safeParse(cleaned);
  if (!parsedEnv.success) {
    for (const issue of parsedEnv.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsedEnv.data;
  const production = e.NODE_ENV === 'production';
  const sandbox = e.SANDBOX ?? !production;

  if (production) {
    if (sandbox) problems.push('SANDBOX: sandbox integrations cannot be enabled in production');
    if (e.APP_SECRET === DEFAULT_APP_SECRET) problems.push('APP_SECRET: the default secret cannot be used in production');
    if (e.WECHAT_SECRET === DEFAULT_WECHAT_SECRET) problems.push('WECHAT_SECRET: the sandbox secret cannot be used in production');
    if (!e.WECHAT_API_BASE) problems.push('WECHAT_API_BASE: required in production (e.g. https://api.weixin.qq.com)');
    if (e.WECHAT_MP_SECRET === SANDBOX_WECHAT_MP_SECRET) problems.push('WECHAT_MP_SECRET: the sandbox secret cannot be used in production');
    if (e.WECHAT_MP_APPID === SANDBOX_WECHAT_MP_APPID) problems.push('WECHAT_MP_APPID: the sandbox official account cannot be used in production');
    if (e.SMS_PROVIDER === 'sandbox') problems.push('SMS_PROVIDER: the sandbox SMS provider cannot be used in production');
    if (e.WECHAT_PUSH_TOKEN === SANDBOX_WECHAT_PUSH_TOKEN) problems.push('WECHAT_PUSH_TOKEN: the sandbox token cannot be used in production');
    if (e.WECHAT_PUSH_AES_KEY === SANDBOX_WECHAT_PUSH_AES_KEY) problems.push('WECHAT_PUSH_AES_KEY: the sandbox key cannot be used in production');
    if (e.WECHAT_PUSH_AES_KEY_PREVIOUS === SANDBOX_WECHAT_PUSH_AES_KEY) problems.push('WECHAT_PUSH_AES_KEY_PREVIOUS: the sandbox key cannot be used in production');
    if (e.WORKORDER_URL && e.WORKORDER_SECRET === DEFAULT_WORKORDER_SECRET) problems.push('WORKORDER_SECRET: the sandbox secret cannot be used in production');
    if (e.BILLING_SECRET === DEFAULT_BILLING_SECRET) problems.push('BILLING_SECRET: the sandbox secret cannot be used in production (it signs the import inlet)');
    if (!e.EINVOICE_API_BASE) problems.push('EINVOICE_API_BASE: required in production (the e-invoice platform that issues invoices)');
    if (e.EINVOICE_APP_KEY === DEFAULT_EINVOICE_APP_KEY) problems.push('EINVOICE_APP_KEY: the sandbox app key cannot be used in production');
    if (e.MAIL_PROVIDER === 'sandbox') problems.push('MAIL_PROVIDER: the sandbox mailbox cannot be used in production (MAIL_PROVIDER=smtp with SMTP_URL)');
    if (!e.DATABASE_URL || e.DATABASE_URL.startsWith('sqlite:')) {
      problems.push('DATABASE_URL: production needs a MySQL/MariaDB database (mysql://user:pass@host:3306/db)');
    }
  }
  if (e.SMS_PROVIDER === 'http' && !e.SMS_HTTP_URL) problems.push('SMS_HTTP_URL: required when SMS_PROVIDER=http');
  if (e.WECHAT_PUSH_MODE !== 'plain' && !e.WECHAT_PUSH_AES_KEY && !sandbox) {
    problems.push(`WECHAT_PUSH_AES_KEY: required when WECHAT_PUSH_MODE=${e.WECHAT_PUSH_MODE} (the EncodingAESKey on the console's 消息推送 page)`);
  }
  const pushAesKey = e.WECHAT_PUSH_AES_KEY ?? (sandbox ? SANDBOX_WECHAT_PUSH_AES_KEY : null);
  if (e.WECHAT_PUSH_AES_KEY_PREVIOUS && !pushAesKey) {
    problems.push("WECHAT_PUSH_AES_KEY_PREVIOUS: only read beside WECHAT_PUSH_AES_KEY (set the console's current EncodingAESKey there; the previous one is tried only when it fails)");
  }
  if (e.WECHAT_PUSH_AES_KEY_PREVIOUS && e.WECHAT_PUSH_AES_KEY_PREVIOUS === pushAesKey) {
    problems.push('WECHAT_PUSH_AES_KEY_PREVIOUS: must differ from WECHAT_PUSH_AES_KEY (it is the key the console held before the change; unset it when there is none)');
  }
  if ((e.WECHAT_PUSH_MODE !== 'plain' || e.WECHAT_PUSH_AES_KEY) && !e.WECHAT_PUSH_TOKEN && !sandbox) {
    problems.push('WECHAT_PUSH_TOKEN: required with WECHAT_PUSH_AES_KEY or WECHAT_PUSH_MODE (message push is off without its token)');
  }
  if (e.RATE_LIMIT_STORE === 'redis' && !e.REDIS_URL) problems.push('REDIS_URL: required when RATE_LIMIT_STORE=redis');
  if (!sandbox && !e.WECHAT_API_BASE) problems.push('WECHAT_API_BASE: required when sandboxes are off');
  if (e.WECHAT_MP_APPID && !e.WECHAT_MP_SECRET) problems.push('WECHAT_MP_SECRET: required with WECHAT_MP_APPID (it exchanges the OAuth code for the openid)');
  if (e.WECHAT_MP_SECRET && !e.WECHAT_MP_APPID) problems.push('WECHAT_MP_APPID: required with WECHAT_MP_SECRET');
  if (e.WECHAT_MP_APPID && e.WECHAT_MP_APPID === e.WECHAT_APPID) {
    problems.push('WECHAT_MP_APPID: must be the official account’s appid, not the mini-program’s (WECHAT_APPID)');
  }
  if (e.HTTP_IMPORT_TIMEOUT_SECONDS < Math.max(e.HTTP_HEADERS_TIMEOUT_SECONDS, e.HTTP_REQUEST_TIMEOUT_SECONDS)) {
    problems.push('HTTP_IMPORT_TIMEOUT_SECONDS: must be at least HTTP_HEADERS_TIMEOUT_SECONDS and HTTP_REQUEST_TIMEOUT_SECONDS');
  }
  if (e.MAIL_PROVIDER === 'smtp' && !e.SMTP_URL) problems.push('SMTP_URL: required when MAIL_PROVIDER=smtp');
  if (e.MAIL_PROVIDER === 'smtp' && !e.MAIL_FROM) problems.push('MAIL_FROM: required when MAIL_PROVIDER=smtp (the address invoice mails come from)');
  const einvoice = einvoiceConfig(e, sandbox, problems);
  if (e.BILLING_MODE === 'external' && !e.BILLING_URL) problems.push('BILLING_URL: required when BILLING_MODE=external (the billing system answers live queries and takes write-offs there)');

  const payments = paymentsConfig(e, sandbox, problems);
  const operator = readJsonFile(path.join(e.CONFIG_DIR, 'operator.json'), operatorSchema, problems);
  const holidays = readJsonFile(path.join(e.CONFIG_DIR, 'holidays.json'), holidaysSchema, problems);
  const notifications = readJsonFile(path.join(e.CONFIG_DIR, 'notifications.json'), notificationsConfigSchema, problems);
  if (problems.length > 0 || !operator || !holidays || !notifications) throw new ConfigError(problems);

  let db: AppConfig['db'];
  if (!e.DATABASE_URL) db = { type: 'sqlite', path: path.join(e.DATA_DIR, 'openhall.db'), debug: e.DB_DEBUG };
  else if (e.DATABASE_URL.startsWith('sqlite://')) {
    db = { type: 'sqlite', path: e.DATABASE_URL.slice('sqlite://'.length), debug: e.DB_DEBUG };
  } else {
    const url = new URL(e.DATABASE_URL.replace(/^mariadb:/, 'mysql:'));
    const socketPath = url.searchParams.get('socket') ?? undefined;
    url.searchParams.delete('socket');
    db = { type: 'mysql', url: url.toString(), ...(socketPath ? { socketPath } : {}), debug: e.DB_DEBUG };
  }

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    dataDir: e.DATA_DIR,
    configDir: e.CONFIG_DIR,
    db,
    logLevel: e.LOG_LEVEL,
    appSecret: e.APP_SECRET,
    sandbox,
    corsOrigins: e.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    h5Dir: e.H5_DIR ? e.H5_DIR : null,
    bodyLimitKb: e.BODY_LIMIT_KB,
    http: { headersMs: e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000, requestMs: e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000, importMs: e.HTTP_IMPORT_TIMEOUT_SECONDS * 1000 },
    trustProxy: e.TRUST_PROXY,
    rateLimit: e.RATE_LIMIT_STORE === 'redis' ? { store: 'redis', url: e.REDIS_URL! } : { store: 'memory' },
    redisNamespace: e.REDIS_NAMESPACE ?? derivedRedisNamespace(db),
    wechat: {
      appid: e.WECHAT_APPID,
      secret: e.WECHAT_SECRET,
      apiBase: e.WECHAT_API_BASE ?? null,
      mp: e.WECHAT_MP_APPID && e.WECHAT_MP_SECRET ? { appid: e.WECHAT_MP_APPID, secret: e.WECHAT_MP_SECRET } : null,
      // The sandbox plays the OAuth page exactly when it plays the WeChat API.
      oauthBase: e.WECHAT_OAUTH_BASE ?? (sandbox && !e.WECHAT_API_BASE ? null : WECHAT_OAUTH_ORIGIN),
      pushToken: e.WECHAT_PUSH_TOKEN ?? (sandbox ? SANDBOX_WECHAT_PUSH_TOKEN : null),
      pushAesKey,
      pushAesKeyPrevious: e.WECHAT_PUSH_AES_KEY_PREVIOUS ?? null,
      pushMode: e.WECHAT_PUSH_MODE,
    },
    sms:
      e.SMS_PROVIDER === 'http'
        ? { provider: 'http', url: e.SMS_HTTP_URL!, token: e.SMS_HTTP_TOKEN }
        : { provider: 'sandbox', token: e.SMS_HTTP_TOKEN ?? SANDBOX_SMS_TOKEN },
    sandboxReceiptDelayMs: e.SANDBOX_RECEIPT_DELAY_MS,
    sessionTtlHours: e.SESSION_TTL_HOURS ?? operator.sessionTtlHours,
    staffSessionTtlHours: e.STAFF_SESSION_TTL_HOURS,
    sessionCacheSeconds: e.SESSION_CACHE_SECONDS,
    runJobs: e.RUN_JOBS,
    outboxIntervalMs: e.OUTBOX_INTERVAL_SECONDS * 1000,
    wechatpayComplaintPollMs: e.WECHATPAY_COMPLAINT_POLL_SECONDS * 1000,
    workorder: { url: e.WORKORDER_URL ?? null, secret: e.WORKORDER_SECRET },
    uploads: { maxBytes: e.UPLOAD_MAX_KB * 1024 },
    billing: {
      mode: e.BILLING_MODE,
      url: e.BILLING_URL ? e.BILLING_URL.replace(/\/+$/, '') : null,
      secret: e.BILLING_SECRET,
      timeoutMs: e.BILLING_TIMEOUT_MS,
      importMaxBytes: e.BILLING_IMPORT_MAX_MB * 1024 * 1024,
    },
    operator,
    holidays,
    payments,
    notifications,
    einvoice,
    mail:
      e.MAIL_PROVIDER === 'smtp'
        ? { provider: 'smtp', url: e.SMTP_URL!, from: e.MAIL_FROM! }
        : { provider: 'sandbox', from: e.MAIL_FROM ?? `${operator.shortName} <invoice@openhall.invalid>` },
  };
}

/**
 * A deployment's Redis namespace when none is set: `openhall:` and a digest of where its database
 * is (no credentials in it), the one thing all its instances share and no other deployment has.
 */
export function derivedRedisNamespace(db: AppConfig['db']): string {
  let where: string;
  if (db.type === 'sqlite') where = `sqlite:${path.resolve(db.path)}`;
  else {
    const url = new URL(db.url);
    where = `mysql://${url.hostname.toLowerCase()}:${url.port || '3306'}${url.pathname}${db.socketPath ? `?socket=${db.socketPath}` : ''}`;
  }
  return `openhall:${createHash('sha256').update(where).digest('hex').slice(0, 12)}`;
}

/** The e-invoice part of the configuration: the sandbox unless EINVOICE_API_BASE is set, then every key of the real platform. */
function einvoiceConfig(e: z.infer<typeof envSchema>, sandbox: boolean, problems: string[]): EinvoiceConfig {
  if (sandbox && !e.EINVOICE_API_BASE) return { sandbox: true, appKey: e.EINVOICE_APP_KEY, timeoutMs: e.EINVOICE_TIMEOUT_MS };
  const why = sandbox ? 'when EINVOICE_API_BASE is set' : 'for the e-invoice platform when sandboxes are off';
  const file = (key: 'EINVOICE_PRIVATE_KEY' | 'EINVOICE_PLATFORM_PUBLIC_KEY'): string => {
    const value = e[key];
    if (!value) problems.push(`${key}: required ${why}`);
    else if (!existsSync(value)) problems.push(`${key}: file ${value} does not exist`);
    return value ?? '';
  };
  return {
    sandbox: false,
    appKey: e.EINVOICE_APP_KEY,
    timeoutMs: e.EINVOICE_TIMEOUT_MS,
    apiBase: (e.EINVOICE_API_BASE ?? '').replace(/\/+$/, ''),
    privateKeyPath: file('EINVOICE_PRIVATE_KEY'),
    platformPublicKeyPath: file('EINVOICE_PLATFORM_PUBLIC_KEY'),
  };
}
