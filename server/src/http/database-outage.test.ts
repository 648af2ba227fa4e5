import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { ConnectionException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { createTestApp, onMysql, type TestApp } from '../../test/harness';
import { isDatabaseUnavailable } from './error-middleware';

/** A second connection to the embedded database file, as another process would hold one. */
const SqliteDatabase = createRequire(__filename)('better-sqlite3') as new (file: string) => { exec(sql: string): void; close(): void };

/**
 * A database that goes away answers 503 SERVICE_UNAVAILABLE with Retry-After (what /readyz already
 * says), not 500 INTERNAL; the kind of error tells it, never its message.
 */
describe('telling an unavailable database by the kind of error', () => {
  const withCode = (code: string) => Object.assign(new Error('anything'), { code });
  it.each<[string, unknown, boolean]>([
    ['the ORM’s ConnectionException', new ConnectionException(withCode('ECONNREFUSED')), true],
    ['knex’s pool timeout', Object.assign(new Error('Timeout acquiring a connection'), { name: 'KnexTimeoutError' }), true],
    ['a refused connection', withCode('ECONNREFUSED'), true],
    ['a lost connection', withCode('PROTOCOL_CONNECTION_LOST'), true],
    ['too many connections', withCode('ER_CON_COUNT_ERROR'), true],
    ['a busy SQLite file', withCode('SQLITE_BUSY'), true],
    ['a SQLite read error', withCode('SQLITE_IOERR_READ'), true],
    ['wrapped, as a cause', new Error('query failed', { cause: withCode('ECONNRESET') }), true],
    ['a unique violation', new UniqueConstraintViolationException(withCode('ER_DUP_ENTRY')), false],
    ['a message that only mentions it', new Error('connect ECONNREFUSED 127.0.0.1:3306'), false],
    ['a bug', new TypeError('x is undefined'), false],
  ])('%s', (_name, err, unavailable) => {
    expect(isDatabaseUnavailable(err)).toBe(unavailable);
  });
});

const mysqlOnly = onMysql ? describe : describe.skip;
const sqliteOnly = onMysql ? describe.skip : describe;

mysqlOnly('MySQL that goes away while the server runs', () => {
  let t: TestApp;
  let cutOff: TestApp;
  let proxy: net.Server;
  const links = new Set<net.Socket>();
  beforeAll(async () => {
    t = await createTestApp({ seed: false });
    // A second instance that reaches the database through a TCP relay the test can cut.
    const target = new URL(t.config.db.type === 'mysql' ? t.config.db.url : '');
    proxy = net.createServer((client) => {
      const server = net.connect(Number(target.port || 3306), target.hostname);
      for (const s of [client, server]) {
        links.add(s);
        s.on('close', () => links.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(server).pipe(client);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const url = new URL(target.toString());
    url.hostname = '127.0.0.1';
    url.port = String((proxy.address() as AddressInfo).port);
    cutOff = await createTestApp({ sameDatabaseAs: t, env: { DATABASE_URL: url.toString() } });
  }, 60_000);
  afterAll(async () => {
    await cutOff?.close().catch(() => undefined);
    await t.close();
  });

  it('answers 503 with Retry-After within seconds, and /readyz says not ready', async () => {
    await cutOff.request.post('/api/v1/auth/sms/send').send({ phone: '13800990001' }).expect(200);
    await new Promise<void>((r) => {
      proxy.close(() => r());
      for (const s of links) s.destroy();
    });
    const started = Date.now();
    const res = await cutOff.request.post('/api/v1/auth/sms/send').send({ phone: '13800990002' });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('稍后再试') });
    expect(res.headers['retry-after']).toBe('10');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await cutOff.request.get('/readyz')).status).toBe(503);
    // The instance with the database answers as ever.
    await t.request.post('/api/v1/auth/sms/send').send({ phone: '13800990005' }).expect(200);
  }, 30_000);
});

sqliteOnly('the embedded database locked by another process', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ seed: false });
  });
  afterAll(() => t.close());

  it('a write that cannot get the lock answers 503 with Retry-After', async () => {
    await t.orm.em.getConnection().execute('pragma busy_timeout = 100');
    const other = new SqliteDatabase(t.config.db.type === 'sqlite' ? t.config.db.path : '');
    other.exec('begin exclusive');
    try {
      const res = await t.request.post('/api/v1/auth/sms/send').send({ phone: '13800990003' });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('10');
    } finally {
      other.exec('rollback');
      other.close();
    }
    await t.request.post('/api/v1/auth/sms/send').send({ phone: '13800990004' }).expect(200); // and once the lock is gone, it works
  });
});
