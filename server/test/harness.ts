import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { createConnection } from 'mysql2/promise';
import { loadConfig, type AppConfig } from '../src/config';
import { initORM, migrateUp, type Orm } from '../src/db';
import { createDeps, type AppDeps, type Clock } from '../src/deps';
import { createApp, type OpenHallApp } from '../src/app';
import { createLogger } from '../src/http/logger';
import { createHttpServer } from '../src/http/server';
import { seedDemo } from '../src/seeders/demo.seeder';

/** A clock tests can move. */
export class TestClock implements Clock {
  constructor(private current: Date = new Date()) {}
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date | string): void {
    this.current = new Date(at);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface TestApp {
  app: OpenHallApp;
  deps: AppDeps;
  config: AppConfig;
  orm: Orm;
  clock: TestClock;
  /** supertest bound to the running server. */
  request: ReturnType<typeof supertest>;
  baseUrl: string;
  close(): Promise<void>;
}

/** True when the suite runs against MySQL/MariaDB (DATABASE_URL=mysql://…). */
export const onMysql = /^(mysql|mariadb):\/\//.test(process.env.DATABASE_URL ?? '');

/**
 * A real OpenHall on a fresh database: a temporary SQLite file, or on MySQL a new database created
 * for this test file and dropped afterwards. Migrations run; demo data is loaded unless `seed: false`.
 * `sameDatabaseAs` starts a second instance (its own ORM, connection pool, sandboxes and HTTP
 * server) on the first one's database and data folder, as a second server process would.
 */
export async function createTestApp(
  opts: { env?: Record<string, string>; seed?: boolean; now?: Date; sameDatabaseAs?: TestApp } = {},
): Promise<TestApp> {
  const shared = opts.sameDatabaseAs ? instanceEnv.get(opts.sameDatabaseAs) : undefined;
  if (opts.sameDatabaseAs && !shared) throw new Error('sameDatabaseAs: not a TestApp from createTestApp');
  const dataDir = shared?.DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'openhall-test-'));
  let databaseUrl: string | undefined = shared?.DATABASE_URL || undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  if (onMysql && !shared) {
    const base = new URL(process.env.DATABASE_URL!.replace(/^mariadb:/, 'mysql:'));
    const name = `oh_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = await createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username), password: decodeURIComponent(base.password) });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    base.pathname = `/${name}`;
    databaseUrl = base.toString();
    dropDatabase = async () => {
      const c = await createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username), password: decodeURIComponent(base.password) });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    };
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    H5_DIR: '',
    TRUST_PROXY: 'true',
    // The SMS and WeChat sandboxes push delivery receipts only in the tests that ask for them
    // (a shorter delay in `env`): elsewhere a receipt would change notices under a test's feet.
    SANDBOX_RECEIPT_DELAY_MS: '600000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '' }),
    ...opts.env,
  };
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const orm = await initORM(config, logger);
  const clock = new TestClock(opts.now ?? new Date());
  if (!shared) {
    await migrateUp(orm);
    if (opts.seed !== false) await seedDemo(orm, config, { now: clock.now() });
    restoreSandboxKeys(dataDir, config.payments.wechatpay.mchid);
  }
  const deps = createDeps(config, orm, logger, { clock });
  if (!shared) keepSandboxKeys(dataDir, config.payments.wechatpay.mchid);
  const app = createApp(deps);
  const server = createHttpServer(app.callback(), config.http);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  deps.self.baseUrl = baseUrl;
  const testApp: TestApp = {
    app,
    deps,
    config,
    orm,
    clock,
    request: supertest(server),
    baseUrl,
    async close() {
      // Receipts the sandboxes would still push (SMS status reports, WeChat's message push) stop here.
      await deps.sandboxes.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.rateLimiter.close();
      await deps.sessionRevocations.close();
      await deps.liveBus.close();
      await deps.readDb.close();
      await orm.close(true);
      if (shared) return; // the first instance owns the database and the data folder
      await dropDatabase?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  instanceEnv.set(testApp, { DATA_DIR: dataDir, DATABASE_URL: databaseUrl ?? '' });
  return testApp;
}

/** Where each TestApp keeps its data, so a second instance can share it (`sameDatabaseAs`). */
const instanceEnv = new WeakMap<TestApp, { DATA_DIR: string; DATABASE_URL: string }>();

/**
 * The sandboxes' RSA keys: a fresh DATA_DIR's first start generates seven 2048-bit pairs (WeChat
 * Pay's platform certificate, platform public key and merchant certificate; Alipay's and OpenHall's
 * Alipay app keys; the e-invoice platform's and OpenHall's app keys), a second or more of CPU per app.
 * The first app of a test run generates them as production does; each fresh DATA_DIR after it starts
 * with a copy of them, as a restarted server finds its own. The copies are kept for the run
 * (global-setup.ts names the folder) and per merchant number, which the platform public key's id and
 * the merchant certificate carry. Ledgers and the APIv3 key are not keys of this kind: each app makes its own.
 */
const sandboxKeyCache = process.env.OPENHALL_TEST_KEY_CACHE;

const isSandboxKeyFile = (name: string) => name.endsWith('.pem') || name === 'pub_key_id.txt';

function copySandboxKeys(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copySandboxKeys(path.join(from, entry.name), path.join(to, entry.name));
    else if (isSandboxKeyFile(entry.name)) copyFileSync(path.join(from, entry.name), path.join(to, entry.name));
  }
}

function restoreSandboxKeys(dataDir: string, mchid: string): void {
  const kept = sandboxKeyCache && path.join(sandboxKeyCache, mchid);
  if (!kept || !existsSync(kept)) return;
  for (const sandbox of readdirSync(kept)) copySandboxKeys(path.join(kept, sandbox), path.join(dataDir, 'sandbox', sandbox));
}

function keepSandboxKeys(dataDir: string, mchid: string): void {
  const made = path.join(dataDir, 'sandbox');
  if (!sandboxKeyCache || !existsSync(made)) return;
  for (const sandbox of readdirSync(made)) {
    const kept = path.join(sandboxKeyCache, mchid, sandbox);
    if (existsSync(kept)) continue;
    // Copied aside, then renamed into place whole: two workers may get here at once, and each
    // sandbox's keys must all come from one of them.
    mkdirSync(path.dirname(kept), { recursive: true });
    const staging = mkdtempSync(path.join(sandboxKeyCache, 'staging-'));
    copySandboxKeys(path.join(made, sandbox), staging);
    try {
      renameSync(staging, kept);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
}

/** Signs a subscriber in through the real SMS flow (sandbox outbox) and returns the bearer token. */
export async function signInBySms(t: TestApp, phone: string, ip = '10.0.0.1'): Promise<string> {
  await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', ip).send({ phone }).expect(200);
  const code = latestSmsCode(t, phone);
  const res = await t.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', ip).send({ phone, code }).expect(200);
  return res.body.data.token as string;
}

/** The newest code the SMS sandbox delivered to `phone`. */
export function latestSmsCode(t: TestApp, phone: string): string {
  const msg = t.deps.sandboxes.sms!.list(phone)[0];
  const m = msg && /(\d{6})/.exec(msg.text);
  if (!m) throw new Error(`no SMS code sent to ${phone}`);
  return m[1];
}

/** Signs a staff user in with a demo password and returns the bearer token. */
export async function signInStaff(t: TestApp, username: string, password = DEMO_STAFF_PASSWORDS[username]): Promise<string> {
  const res = await t.request.post('/api/v1/staff/auth/login').send({ username, password }).expect(200);
  return res.body.data.token as string;
}

/** Demo staff passwords (README lists them; demo only). */
export const DEMO_STAFF_PASSWORDS: Record<string, string> = {
  agent1: 'Agent#2026',
  supervisor1: 'Super#2026',
  admin1: 'Admin#2026',
  agent2: 'Agent2#2026',
};
