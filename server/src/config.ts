import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The repository root: config/, data/ and client/dist/ are found from here unless overridden. */
export const repoRoot = path.resolve(__dirname, '..', '..');

const DEFAULT_APP_SECRET = 'openhall-dev-secret-change-me';
const DEFAULT_WECHAT_SECRET = 'sandbox-wechat-secret';

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
  TRUST_PROXY: bool.default(false),
  RATE_LIMIT_STORE: z.enum(['memory', 'redis']).default('memory'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis://').optional(),
  WECHAT_APPID: z.string().min(1).default('wxsandbox0000000001'),
  WECHAT_SECRET: z.string().min(1).default(DEFAULT_WECHAT_SECRET),
  /** Base URL of the WeChat API (jscode2session). Defaults to the in-process sandbox when sandboxes are on. */
  WECHAT_API_BASE: z.url().optional(),
  SMS_PROVIDER: z.enum(['sandbox', 'http']).default('sandbox'),
  SMS_HTTP_URL: z.url().optional(),
  SMS_HTTP_TOKEN: z.string().optional(),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).optional(),
  STAFF_SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
});

const hotlineSchema = z.object({
  kind: z.enum(['service', 'complaint', 'supervision', 'repair']),
  name: z.string().min(1),
  number: z.string().min(3),
  hours: z.string().min(1),
});

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
  db: { type: 'sqlite'; path: string; debug: boolean } | { type: 'mysql'; url: string; debug: boolean };
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  appSecret: string;
  sandbox: boolean;
  corsOrigins: string[];
  h5Dir: string | null;
  bodyLimitKb: number;
  trustProxy: boolean;
  rateLimit: { store: 'memory' } | { store: 'redis'; url: string };
  wechat: { appid: string; secret: string; apiBase: string | null };
  sms: { provider: 'sandbox' } | { provider: 'http'; url: string; token: string | undefined };
  sessionTtlHours: number;
  staffSessionTtlHours: number;
  operator: OperatorProfile;
  holidays: HolidayCalendar;
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
    if (e.SMS_PROVIDER === 'sandbox') problems.push('SMS_PROVIDER: the sandbox SMS provider cannot be used in production');
    if (!e.DATABASE_URL || e.DATABASE_URL.startsWith('sqlite:')) {
      problems.push('DATABASE_URL: production needs a MySQL/MariaDB database (mysql://user:pass@host:3306/db)');
    }
  }
  if (e.SMS_PROVIDER === 'http' && !e.SMS_HTTP_URL) problems.push('SMS_HTTP_URL: required when SMS_PROVIDER=http');
  if (e.RATE_LIMIT_STORE === 'redis' && !e.REDIS_URL) problems.push('REDIS_URL: required when RATE_LIMIT_STORE=redis');
  if (!sandbox && !e.WECHAT_API_BASE) problems.push('WECHAT_API_BASE: required when sandboxes are off');

  const operator = readJsonFile(path.join(e.CONFIG_DIR, 'operator.json'), operatorSchema, problems);
  const holidays = readJsonFile(path.join(e.CONFIG_DIR, 'holidays.json'), holidaysSchema, problems);
  if (problems.length > 0 || !operator || !holidays) throw new ConfigError(problems);

  let db: AppConfig['db'];
  if (!e.DATABASE_URL) db = { type: 'sqlite', path: path.join(e.DATA_DIR, 'openhall.db'), debug: e.DB_DEBUG };
  else if (e.DATABASE_URL.startsWith('sqlite://')) {
    db = { type: 'sqlite', path: e.DATABASE_URL.slice('sqlite://'.length), debug: e.DB_DEBUG };
  } else db = { type: 'mysql', url: e.DATABASE_URL.replace(/^mariadb:/, 'mysql:'), debug: e.DB_DEBUG };

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
    trustProxy: e.TRUST_PROXY,
    rateLimit: e.RATE_LIMIT_STORE === 'redis' ? { store: 'redis', url: e.REDIS_URL! } : { store: 'memory' },
    wechat: { appid: e.WECHAT_APPID, secret: e.WECHAT_SECRET, apiBase: e.WECHAT_API_BASE ?? null },
    sms:
      e.SMS_PROVIDER === 'http'
        ? { provider: 'http', url: e.SMS_HTTP_URL!, token: e.SMS_HTTP_TOKEN }
        : { provider: 'sandbox' },
    sessionTtlHours: e.SESSION_TTL_HOURS ?? operator.sessionTtlHours,
    staffSessionTtlHours: e.STAFF_SESSION_TTL_HOURS,
    operator,
    holidays,
  };
}
