import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { loadConfig } from './config';
import { initORM, withRequestEm, type Orm } from './db';
import { onMysql } from '../test/harness';

describe('the request entity manager', () => {
  let orm: Orm;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'oh-db-'));
    orm = await initORM(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, DATABASE_URL: '' }));
  });
  afterAll(async () => {
    await orm.close(true);
    rmSync(dir, { recursive: true, force: true });
  });

  test('is forked when the request first uses the ORM, and only then', async () => {
    const fork = jest.spyOn(orm.em, 'fork');
    try {
      await withRequestEm(orm.em, async () => {
        await tick();
        expect(fork).not.toHaveBeenCalled();
        const first = orm.em.getContext();
        await tick();
        expect(orm.em.getContext()).toBe(first);
        expect(first).not.toBe(orm.em);
        expect(fork).toHaveBeenCalledTimes(1);
      });
    } finally {
      fork.mockRestore();
    }
  });

  test('is its own in each request, even when they interleave; outside a request the global one is refused', async () => {
    const seen: unknown[] = [];
    const request = () =>
      withRequestEm(orm.em, async () => {
        await tick();
        const em = orm.em.getContext();
        await tick();
        expect(orm.em.getContext()).toBe(em);
        seen.push(em);
      });
    await Promise.all([request(), request()]);
    expect(seen[0]).not.toBe(seen[1]);
    expect(() => orm.em.getContext()).toThrow(/global EntityManager/);
  });
});

(onMysql ? test : test.skip)('on MySQL, ?socket= in DATABASE_URL connects through the Unix socket, to the same database', async () => {
  const tcp = await initORM(loadConfig(process.env));
  try {
    const [{ socket, db }] = await tcp.em.getConnection().execute<{ socket: string; db: string }[]>('select @@socket as socket, database() as db');
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set('socket', socket);
    const viaSocket = await initORM(loadConfig({ ...process.env, DATABASE_URL: url.toString() }));
    try {
      const [row] = await viaSocket.em
        .getConnection()
        .execute<{ host: string; db: string }[]>('select `host`, database() as `db` from information_schema.processlist where id = connection_id()');
      // A socket client shows as `localhost`; a TCP one as `address:port`.
      expect(row).toEqual({ host: 'localhost', db });
    } finally {
      await viaSocket.close(true);
    }
  } finally {
    await tcp.close(true);
  }
});
