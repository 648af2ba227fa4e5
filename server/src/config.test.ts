import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './config';

/** Real-looking payment settings: key files that exist, every id and URL set. */
function livePaymentEnv(): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openhall-paycfg-'));
  const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const file = (name: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, pem);
    return f;
  };
  return {
    WECHATPAY_MCHID: '1900000109',
    WECHATPAY_APIV3_KEY: '0123456789abcdef0123456789abcdef',
    WECHATPAY_MERCHANT_CERT: file('apiclient_cert.pem'),
    WECHATPAY_MERCHANT_KEY: file('apiclient_key.pem'),
    WECHATPAY_MERCHANT_SERIAL: '3775B6A45ACD588826D15E583A95F5DD2C2E5B2D',
    WECHATPAY_PLATFORM_PUB_KEY_ID: 'PUB_KEY_ID_0119000001092025',
    WECHATPAY_PLATFORM_PUB_KEY: file('pub_key.pem'),
    WECHATPAY_API_BASE: 'https://api.mch.weixin.qq.com',
    ALIPAY_APP_ID: '2021004100000001',
    ALIPAY_SELLER_ID: '2088102177846880',
    ALIPAY_PRIVATE_KEY: file('app_private.pem'),
    ALIPAY_PUBLIC_KEY: file('alipay_public.pem'),
    ALIPAY_GATEWAY: 'https://openapi.alipay.com/gateway.do',
    ALIPAY_ENDPOINT: 'https://openapi.alipay.com',
  };
}

/** A real e-invoice platform and SMTP relay: key files that exist, every URL set. */
function liveInvoicingEnv(): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openhall-einvcfg-'));
  const pair = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const priv = path.join(dir, 'app_private.pem');
  const pub = path.join(dir, 'platform_public.pem');
  fs.writeFileSync(priv, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  fs.writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return {
    EINVOICE_API_BASE: 'https://einvoice.example.com/open',
    EINVOICE_APP_KEY: 'oh-prod-app',
    EINVOICE_PRIVATE_KEY: priv,
    EINVOICE_PLATFORM_PUBLIC_KEY: pub,
    MAIL_PROVIDER: 'smtp',
    SMTP_URL: 'smtps://invoice:pw@smtp.example.com:465',
    MAIL_FROM: '杭城服务 <invoice@example.com>',
  };
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

test('the defaults give a working embedded setup with sandboxes on', () => {
  const c = loadConfig({});
  expect(c.db.type).toBe('sqlite');
  expect(c.sandbox).toBe(true);
  expect(c.operator.commitments.length).toBeGreaterThan(5);
  expect(Object.keys(c.holidays.years)).toEqual(expect.arrayContaining(['2026', '2027']));
  expect(c.outboxIntervalMs).toBe(30_000);
  expect(loadConfig({ OUTBOX_INTERVAL_SECONDS: '2' }).outboxIntervalMs).toBe(2_000);
});

test.each([
  [{ PORT: 'eighty' }, 'PORT'],
  [{ DATABASE_URL: 'postgres://x' }, 'DATABASE_URL'],
  [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  [{ APP_SECRET: 'short' }, 'APP_SECRET'],
  [{ RATE_LIMIT_STORE: 'redis' }, 'REDIS_URL'],
  [{ SMS_PROVIDER: 'http' }, 'SMS_HTTP_URL'],
  [{ OUTBOX_INTERVAL_SECONDS: '0' }, 'OUTBOX_INTERVAL_SECONDS'],
])('a bad value stops start-up naming the key: %j', (env, key) => {
  const problems = problemsOf(env);
  expect(problems.join('\n')).toContain(key);
});

test('production refuses sandboxes, default secrets and the embedded database, naming each key', () => {
  const problems = problemsOf({ NODE_ENV: 'production', SANDBOX: 'true' }).join('\n');
  for (const key of ['SANDBOX', 'APP_SECRET', 'WECHAT_SECRET', 'WECHAT_API_BASE', 'SMS_PROVIDER', 'DATABASE_URL']) {
    expect(problems).toContain(key);
  }
});

test('production starts when every integration is real and every secret is set', () => {
  const c = loadConfig({
    NODE_ENV: 'production',
    APP_SECRET: 'a-long-production-secret-value',
    WECHAT_SECRET: 'real-secret',
    WECHAT_API_BASE: 'https://api.weixin.qq.com',
    SMS_PROVIDER: 'http',
    SMS_HTTP_URL: 'https://sms.example.internal/send',
    DATABASE_URL: 'mysql://openhall:pw@db:3306/openhall',
    BILLING_SECRET: 'the-operators-billing-secret',
    BILLING_MODE: 'external',
    BILLING_URL: 'https://boss.example.internal/openhall',
    ...livePaymentEnv(),
    ...liveInvoicingEnv(),
  });
  expect(c.sandbox).toBe(false);
  expect(c.billing).toMatchObject({ mode: 'external', url: 'https://boss.example.internal/openhall' });
  expect(c.db).toMatchObject({ type: 'mysql' });
  // Delivery receipts: the SMS relay's reports need SMS_HTTP_TOKEN (unset here: refused); WeChat's push is off without its token.
  expect(c.sms).toMatchObject({ provider: 'http', token: undefined });
  expect(c.wechat.pushToken).toBeNull();
});

test('delivery receipts: sandbox tokens by default; production refuses the sandbox push token; a malformed push token is named', () => {
  expect(loadConfig({})).toMatchObject({ sms: { provider: 'sandbox', token: 'sandbox-sms-token' }, wechat: { pushToken: 'sandboxpushtoken' }, sandboxReceiptDelayMs: 2000 });
  expect(loadConfig({ SMS_HTTP_TOKEN: 'relay-token', WECHAT_PUSH_TOKEN: 'Hall2026Push', SANDBOX_RECEIPT_DELAY_MS: '50' })).toMatchObject({
    sms: { token: 'relay-token' },
    wechat: { pushToken: 'Hall2026Push' },
    sandboxReceiptDelayMs: 50,
  });
  expect(problemsOf({ NODE_ENV: 'production', WECHAT_PUSH_TOKEN: 'sandboxpushtoken' }).join('\n')).toContain('WECHAT_PUSH_TOKEN: the sandbox token cannot be used in production');
  expect(problemsOf({ WECHAT_PUSH_TOKEN: 'has spaces in it' }).join('\n')).toContain('WECHAT_PUSH_TOKEN');
});

test('message push in safe or compatible mode: a 43-character EncodingAESKey, required outside the sandbox; the sandbox key refused in production', () => {
  expect(loadConfig({}).wechat).toMatchObject({ pushMode: 'plain', pushAesKey: 'SandboxEncodingAESKeyForOpenHallPushes00000' });
  const key = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
  expect(loadConfig({ WECHAT_PUSH_MODE: 'safe', WECHAT_PUSH_AES_KEY: key }).wechat).toMatchObject({ pushMode: 'safe', pushAesKey: key });
  for (const bad of [key.slice(1), `${key}=`, `${key.slice(1)}-`, `${key.slice(1)} `]) {
    expect(problemsOf({ WECHAT_PUSH_AES_KEY: bad }).join('\n')).toContain('WECHAT_PUSH_AES_KEY: must be the 43-character EncodingAESKey');
  }
  expect(problemsOf({ WECHAT_PUSH_MODE: 'encrypted' }).join('\n')).toContain('WECHAT_PUSH_MODE');
  const live = { SANDBOX: 'false', WECHAT_API_BASE: 'https://api.weixin.qq.com', WECHAT_PUSH_TOKEN: 'Hall2026Push' };
  expect(problemsOf({ ...live, WECHAT_PUSH_MODE: 'safe' }).join('\n')).toContain('WECHAT_PUSH_AES_KEY: required when WECHAT_PUSH_MODE=safe');
  expect(problemsOf({ ...live, WECHAT_PUSH_MODE: 'compat' }).join('\n')).toContain('WECHAT_PUSH_AES_KEY: required when WECHAT_PUSH_MODE=compat');
  expect(problemsOf({ ...live, WECHAT_PUSH_MODE: 'safe', WECHAT_PUSH_AES_KEY: key }).join('\n')).not.toContain('WECHAT_PUSH');
  expect(problemsOf({ ...live, WECHAT_PUSH_TOKEN: '', WECHAT_PUSH_AES_KEY: key }).join('\n')).toContain('WECHAT_PUSH_TOKEN: required with WECHAT_PUSH_AES_KEY');
  expect(problemsOf({ NODE_ENV: 'production', WECHAT_PUSH_AES_KEY: 'SandboxEncodingAESKeyForOpenHallPushes00000' }).join('\n')).toContain('WECHAT_PUSH_AES_KEY: the sandbox key cannot be used in production');
});

test('WECHAT_PUSH_AES_KEY_PREVIOUS: the key before the console’s change, tried after WECHAT_PUSH_AES_KEY; malformed, equal to it or without it refused', () => {
  const key = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
  const old = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  expect(loadConfig({}).wechat.pushAesKeyPrevious).toBeNull();
  expect(loadConfig({ WECHAT_PUSH_MODE: 'safe', WECHAT_PUSH_AES_KEY: key, WECHAT_PUSH_AES_KEY_PREVIOUS: old }).wechat).toMatchObject({ pushAesKey: key, pushAesKeyPrevious: old });
  for (const bad of [old.slice(1), `${old}=`, `${old.slice(1)}-`]) {
    expect(problemsOf({ WECHAT_PUSH_AES_KEY: key, WECHAT_PUSH_AES_KEY_PREVIOUS: bad }).join('\n')).toContain('WECHAT_PUSH_AES_KEY_PREVIOUS: must be the 43-character EncodingAESKey');
  }
  expect(problemsOf({ WECHAT_PUSH_AES_KEY: key, WECHAT_PUSH_AES_KEY_PREVIOUS: key }).join('\n')).toContain('WECHAT_PUSH_AES_KEY_PREVIOUS: must differ from WECHAT_PUSH_AES_KEY');
  // With sandboxes on, the current key defaults to the sandbox's: the same rule holds against it.
  expect(problemsOf({ WECHAT_PUSH_AES_KEY_PREVIOUS: 'SandboxEncodingAESKeyForOpenHallPushes00000' }).join('\n')).toContain('must differ from WECHAT_PUSH_AES_KEY');
  const live = { SANDBOX: 'false', WECHAT_API_BASE: 'https://api.weixin.qq.com', WECHAT_PUSH_TOKEN: 'Hall2026Push' };
  // Plain mode reads encrypted pushes only with a key: the previous one alone is refused, not ignored.
  expect(problemsOf({ ...live, WECHAT_PUSH_AES_KEY_PREVIOUS: old }).join('\n')).toContain('WECHAT_PUSH_AES_KEY_PREVIOUS: only read beside WECHAT_PUSH_AES_KEY');
  expect(problemsOf({ ...live, WECHAT_PUSH_AES_KEY: key, WECHAT_PUSH_AES_KEY_PREVIOUS: old }).join('\n')).not.toContain('WECHAT_PUSH');
  expect(problemsOf({ ...live, WECHAT_PUSH_MODE: 'safe', WECHAT_PUSH_AES_KEY: key, WECHAT_PUSH_AES_KEY_PREVIOUS: old }).join('\n')).not.toContain('WECHAT_PUSH');
  expect(problemsOf({ NODE_ENV: 'production', WECHAT_PUSH_AES_KEY: key, WECHAT_PUSH_AES_KEY_PREVIOUS: 'SandboxEncodingAESKeyForOpenHallPushes00000' }).join('\n')).toContain(
    'WECHAT_PUSH_AES_KEY_PREVIOUS: the sandbox key cannot be used in production',
  );
});

test('the Redis namespace: the same for every instance of one database (whatever the credentials), different for another database, or as set', () => {
  const ns = (env: Record<string, string>) => loadConfig(env).redisNamespace;
  const one = ns({ DATABASE_URL: 'mysql://openhall:pw@db.internal:3306/hall_a' });
  expect(one).toMatch(/^openhall:[0-9a-f]{12}$/);
  expect(ns({ DATABASE_URL: 'mariadb://reader:other@DB.internal:3306/hall_a' })).toBe(one);
  expect(ns({ DATABASE_URL: 'mysql://openhall:pw@db.internal:3306/hall_b' })).not.toBe(one);
  expect(ns({ DATABASE_URL: 'mysql://openhall:pw@db2.internal:3306/hall_a' })).not.toBe(one);
  expect(ns({ DATA_DIR: '/srv/a' })).not.toBe(ns({ DATA_DIR: '/srv/b' }));
  expect(ns({ DATABASE_URL: 'mysql://openhall:pw@db.internal:3306/hall_a', REDIS_NAMESPACE: 'hall-prod' })).toBe('hall-prod');
  expect(problemsOf({ REDIS_NAMESPACE: 'no spaces' }).join('\n')).toContain('REDIS_NAMESPACE');
});

test('a broken operator file names the file and the field', () => {
  const problems = problemsOf({ CONFIG_DIR: '/nonexistent-dir' }).join('\n');
  expect(problems).toContain('operator.json: file is missing');
});

const productionBase = {
  NODE_ENV: 'production',
  APP_SECRET: 'a-long-production-secret-value',
  WECHAT_SECRET: 'real-secret',
  WECHAT_API_BASE: 'https://api.weixin.qq.com',
  SMS_PROVIDER: 'http',
  SMS_HTTP_URL: 'https://sms.example.internal/send',
  DATABASE_URL: 'mysql://openhall:pw@db:3306/openhall',
  BILLING_SECRET: 'the-operators-billing-secret',
};

test('production names every missing payment key', () => {
  const problems = problemsOf(productionBase).join('\n');
  for (const key of [
    'WECHATPAY_MCHID',
    'WECHATPAY_APIV3_KEY',
    'WECHATPAY_MERCHANT_CERT',
    'WECHATPAY_MERCHANT_KEY',
    'WECHATPAY_MERCHANT_SERIAL',
    'WECHATPAY_PLATFORM_CERT or WECHATPAY_PLATFORM_PUB_KEY_ID',
    'WECHATPAY_API_BASE',
    'ALIPAY_APP_ID',
    'ALIPAY_SELLER_ID',
    'ALIPAY_PRIVATE_KEY',
    'ALIPAY_PUBLIC_KEY',
    'ALIPAY_GATEWAY',
    'ALIPAY_ENDPOINT',
  ]) {
    expect(problems).toContain(key);
  }
});

test('production names a payment key file that does not exist and a malformed APIv3 key', () => {
  const env = { ...productionBase, ...livePaymentEnv(), WECHATPAY_MERCHANT_KEY: '/nonexistent/apiclient_key.pem' };
  expect(problemsOf(env).join('\n')).toContain('WECHATPAY_MERCHANT_KEY: file /nonexistent/apiclient_key.pem does not exist');
  expect(problemsOf({ ...env, WECHATPAY_APIV3_KEY: 'short' }).join('\n')).toContain('WECHATPAY_APIV3_KEY: must be exactly 32 bytes');
});

test('a platform public key id needs its key file, and the reverse', () => {
  const { WECHATPAY_PLATFORM_PUB_KEY: _file, ...withoutFile } = livePaymentEnv();
  expect(problemsOf({ ...productionBase, ...withoutFile }).join('\n')).toContain('WECHATPAY_PLATFORM_PUB_KEY: required with WECHATPAY_PLATFORM_PUB_KEY_ID');
});

test('sandbox mode defaults both gateways to the in-process sandboxes; setting an API base switches one to live', () => {
  const c = loadConfig({});
  expect(c.payments).toMatchObject({ orderTtlMinutes: 15, wechatpay: { sandbox: true }, alipay: { sandbox: true } });
  expect(c.billing).toMatchObject({ mode: 'embedded', url: null });
  const problems = problemsOf({ WECHATPAY_API_BASE: 'https://api.mch.weixin.qq.com' }).join('\n');
  expect(problems).toContain('WECHATPAY_MCHID: required when WECHATPAY_API_BASE is set');
  expect(problems).not.toContain('ALIPAY_');
});

test('the billing system: external mode needs its URL; production refuses the sandbox secret', () => {
  expect(problemsOf({ BILLING_MODE: 'external' }).join('\n')).toContain('BILLING_URL: required when BILLING_MODE=external');
  expect(loadConfig({ BILLING_MODE: 'external', BILLING_URL: 'https://boss.example.internal/api/' }).billing.url).toBe('https://boss.example.internal/api');
  const { BILLING_SECRET: _secret, ...withoutSecret } = productionBase;
  expect(problemsOf(withoutSecret).join('\n')).toContain('BILLING_SECRET: the sandbox secret cannot be used in production');
});

test('DATABASE_URL may name a Unix socket for MySQL on the same host', () => {
  const c = loadConfig({ DATABASE_URL: 'mysql://openhall:pw@localhost/openhall?socket=%2Frun%2Fmysqld%2Fmysqld.sock' });
  expect(c.db).toEqual({ type: 'mysql', url: 'mysql://openhall:pw@localhost/openhall', socketPath: '/run/mysqld/mysqld.sock', debug: false });
  expect(loadConfig({ DATABASE_URL: 'mariadb://u@db:3306/oh' }).db).toEqual({ type: 'mysql', url: 'mysql://u@db:3306/oh', debug: false });
});

test('invoicing: production refuses the e-invoice sandbox and the sandbox mailbox, naming each key', () => {
  const problems = problemsOf(productionBase).join('\n');
  for (const key of ['EINVOICE_API_BASE: required in production', 'EINVOICE_APP_KEY: the sandbox app key', 'MAIL_PROVIDER: the sandbox mailbox', 'EINVOICE_PRIVATE_KEY: required', 'EINVOICE_PLATFORM_PUBLIC_KEY: required']) {
    expect(problems).toContain(key);
  }
  expect(problemsOf({ MAIL_PROVIDER: 'smtp' }).join('\n')).toMatch(/SMTP_URL: required[\s\S]*MAIL_FROM: required/);
  expect(problemsOf({ EINVOICE_API_BASE: 'https://einvoice.example.com' }).join('\n')).toContain('EINVOICE_PRIVATE_KEY: required when EINVOICE_API_BASE is set');
  const c = loadConfig({});
  expect(c.einvoice).toMatchObject({ sandbox: true, appKey: 'sandbox-einvoice-app' });
  expect(c.mail.provider).toBe('sandbox');
  expect(c.operator.invoicing.items.default).toBeDefined();
});

test('the official account is optional; its appid and secret come together, and production refuses the sandbox one', () => {
  expect(loadConfig({}).wechat).toMatchObject({ mp: null, oauthBase: null });
  const sandboxMp = loadConfig({ WECHAT_MP_APPID: 'wxsandboxmp00000001', WECHAT_MP_SECRET: 'sandbox-wechat-mp-secret' }).wechat;
  // With the sandboxes on and WeChat's API not set, the sandbox plays the OAuth page too.
  expect(sandboxMp).toMatchObject({ mp: { appid: 'wxsandboxmp00000001' }, oauthBase: null });
  expect(problemsOf({ WECHAT_MP_APPID: 'wx1234567890abcdef' }).join('\n')).toContain('WECHAT_MP_SECRET: required with WECHAT_MP_APPID');
  expect(problemsOf({ WECHAT_MP_SECRET: 'a-real-looking-secret' }).join('\n')).toContain('WECHAT_MP_APPID: required with WECHAT_MP_SECRET');
  expect(problemsOf({ WECHAT_MP_APPID: 'not-an-appid', WECHAT_MP_SECRET: 'x'.repeat(32) }).join('\n')).toContain('WECHAT_MP_APPID');
  expect(problemsOf({ WECHAT_APPID: 'wx1234567890abcdef', WECHAT_MP_APPID: 'wx1234567890abcdef', WECHAT_MP_SECRET: 'x'.repeat(32) }).join('\n')).toContain(
    'WECHAT_MP_APPID: must be the official account',
  );
  const prod = problemsOf({ ...productionBase, WECHAT_MP_APPID: 'wxsandboxmp00000001', WECHAT_MP_SECRET: 'sandbox-wechat-mp-secret' }).join('\n');
  expect(prod).toContain('WECHAT_MP_SECRET: the sandbox secret cannot be used in production');
  expect(prod).toContain('WECHAT_MP_APPID: the sandbox official account cannot be used in production');
  const live = loadConfig({
    ...productionBase,
    BILLING_MODE: 'external',
    BILLING_URL: 'https://boss.example.internal/openhall',
    ...livePaymentEnv(),
    ...liveInvoicingEnv(),
    WECHAT_MP_APPID: 'wx1234567890abcdef',
    WECHAT_MP_SECRET: '0123456789abcdef0123456789abcdef',
  });
  expect(live.wechat).toMatchObject({ mp: { appid: 'wx1234567890abcdef' }, oauthBase: 'https://open.weixin.qq.com' });
});
