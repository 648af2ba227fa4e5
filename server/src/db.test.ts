import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { loadConfig, type AppConfig } from './config';
import { initORM, migrateUp, withRequestEm, type Orm } from './db';
import { DEMO_STAFF, seedDemo } from './seeders/demo.seeder';
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

describe('on MySQL, a database whose default character set is latin1', () => {
  const name = `oh_latin1_${process.pid}`;
  let admin: Connection;
  let config: AppConfig;
  let dir: string;
  beforeAll(async () => {
    if (!onMysql) return;
    const base = new URL(process.env.DATABASE_URL!.replace(/^mariadb:/, 'mysql:'));
    admin = await createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username), password: decodeURIComponent(base.password) });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET latin1 COLLATE latin1_swedish_ci`);
    base.pathname = `/${name}`;
    dir = mkdtempSync(path.join(os.tmpdir(), 'oh-latin1-'));
    config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, H5_DIR: '', DATABASE_URL: base.toString() });
  });
  afterAll(async () => {
    if (!onMysql) return;
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  (onMysql ? test : test.skip)('takes the migrations and the demo data: every table is utf8mb4 and the Chinese text reads back', async () => {
    const orm = await initORM(config);
    try {
      await migrateUp(orm);
      await seedDemo(orm, config, { now: new Date() });
      const [columns] = await admin.query<RowDataPacket[]>(
        "select distinct character_set_name as charset from information_schema.columns where table_schema = ? and character_set_name is not null and table_name <> 'schema_migrations'",
        [name],
      );
      expect(columns.map((c) => c.charset)).toEqual(['utf8mb4']);
      const [tables] = await admin.query<RowDataPacket[]>(
        "select distinct table_collation as collation from information_schema.tables where table_schema = ? and table_name <> 'schema_migrations'",
        [name],
      );
      expect(tables.map((c) => c.collation)).toEqual(['utf8mb4_unicode_ci']);
      const [staff] = await admin.query<RowDataPacket[]>(`select name from \`${name}\`.staff_user where username = 'agent1'`);
      expect(staff[0].name).toBe(DEMO_STAFF.find((s) => s.username === 'agent1')!.name);
    } finally {
      await orm.close(true);
    }
  });

  (onMysql ? test : test.skip)('a table that is not utf8mb4 stops the start with a message naming it and how to convert it', async () => {
    await admin.query(`CREATE TABLE \`${name}\`.legacy_note (id int primary key, body varchar(100)) CHARACTER SET latin1`);
    const orm = await initORM(config);
    try {
      await expect(migrateUp(orm)).rejects.toThrow(/legacy_note\.body \(latin1\).*ALTER TABLE `<table>` CONVERT TO CHARACTER SET utf8mb4/);
    } finally {
      await orm.close(true);
      await admin.query(`DROP TABLE \`${name}\`.legacy_note`);
    }
  });
});
