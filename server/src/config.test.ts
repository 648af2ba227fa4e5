import { ConfigError, loadConfig } from './config';

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
});

test.each([
  [{ PORT: 'eighty' }, 'PORT'],
  [{ DATABASE_URL: 'postgres://x' }, 'DATABASE_URL'],
  [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  [{ APP_SECRET: 'short' }, 'APP_SECRET'],
  [{ RATE_LIMIT_STORE: 'redis' }, 'REDIS_URL'],
  [{ SMS_PROVIDER: 'http' }, 'SMS_HTTP_URL'],
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
  });
  expect(c.sandbox).toBe(false);
  expect(c.db).toMatchObject({ type: 'mysql' });
});

test('a broken operator file names the file and the field', () => {
  const problems = problemsOf({ CONFIG_DIR: '/nonexistent-dir' }).join('\n');
  expect(problems).toContain('operator.json: file is missing');
});
