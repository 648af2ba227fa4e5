import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestApp, onMysql, type TestApp } from '../../test/harness';
import { loadConfig } from '../config';
import { initORM, migrateUp, type Orm } from '../db';

/**
 * Migration20261205130000_ticket_channel on a database with tickets in it: every ticket so far is a
 * portal ticket, `user_id` may be null from then on, and on SQLite (where the table is rebuilt) the
 * rows, ids, indexes and the foreign keys of the tables that point at tickets all survive.
 */

const BEFORE = 'Migration20261205120000_user_consent';
const MIGRATION = 'Migration20261205130000_ticket_channel';

let orm: Orm;
let done: () => Promise<void>;

beforeAll(async () => {
  if (onMysql) {
    // MySQL: the migration is two ALTERs; the database is put back as it stood before them.
    const t: TestApp = await createTestApp({ seed: false });
    orm = t.orm;
    done = () => t.close();
    const knex = orm.em.getConnection().getKnex();
    await knex.raw('alter table `ticket` drop column `channel`');
    await knex.raw('alter table `ticket` modify `user_id` int unsigned not null');
    await knex('schema_migrations').where({ name: MIGRATION }).delete();
  } else {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openhall-migration-'));
    const config = loadConfig({ ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent', H5_DIR: '', DATABASE_URL: '' });
    orm = await initORM(config);
    await orm.getMigrator().up({ to: BEFORE });
    done = async () => {
      await orm.close(true);
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
});
afterAll(() => done());

test('existing tickets become portal tickets and keep their rows, events, ids, indexes and foreign keys; user_id may then be null', async () => {
  const knex = orm.em.getConnection().getKnex();
  const at = new Date('2026-12-01T02:00:00.000Z');
  const [userId] = await knex('portal_user').insert({ phone: '13700000001', created_at: at });
  const [accountId] = await knex('account').insert({ account_no: '9300000001', service_type: 'water', holder_name: '吴一', holder_phone: '13700000001', address: '上城区 1 号', area: 'shangcheng', created_at: at });
  const ticket = {
    type: 'fault',
    account_id: accountId,
    user_id: userId,
    area: 'shangcheng',
    description: '停水',
    contact_phone: '13700000001',
    status: 'submitted',
    commitment_code: 'fault_ordinary',
    target_amount: 24,
    target_unit: 'hours',
    clock_started_at: at,
    urge_count: 0,
    reopen_count: 0,
    created_at: at,
    updated_at: at,
  };
  const [first] = await knex('ticket').insert(ticket);
  const [second] = await knex('ticket').insert(ticket);
  // The last ticket goes (tickets never do in the product; the rebuild must not reuse its id anyway).
  await knex('ticket').where({ id: second }).delete();
  await knex('ticket_event').insert({ ticket_id: first, kind: 'submitted', visible_to_subscriber: true, actor_kind: 'subscriber', message: '工单已提交', occurred_at: at, created_at: at });
  // Before the migration every ticket has a user (read from the schema, then tried).
  const userIdNullable = async (): Promise<boolean> =>
    onMysql
      ? (await knex.raw("select `is_nullable` as `n` from information_schema.columns where table_schema = database() and table_name = 'ticket' and column_name = 'user_id'"))[0][0].n === 'YES'
      : ((await knex.raw('pragma table_info(`ticket`)')) as Array<{ name: string; notnull: number }>).find((c) => c.name === 'user_id')!.notnull === 0;
  expect(await userIdNullable()).toBe(false);
  // By message: better-sqlite3's error class may come from another test file's realm, so `toThrow` (instanceof Error) is unreliable.
  await expect(knex('ticket').insert({ ...ticket, user_id: null })).rejects.toMatchObject({ message: expect.stringMatching(/NOT NULL constraint failed: ticket\.user_id|Column 'user_id' cannot be null/) });

  // It runs first; on SQLite the migrations after it run too.
  expect((await migrateUp(orm))[0]).toBe(MIGRATION);

  const rows = await knex('ticket').select('id', 'user_id', 'channel', 'description');
  expect(rows.map((r) => ({ ...r, id: Number(r.id), user_id: Number(r.user_id) }))).toEqual([{ id: Number(first), user_id: Number(userId), channel: 'portal', description: '停水' }]);
  expect(await knex('ticket_event').where({ ticket_id: first }).count({ n: '*' })).toEqual([{ n: 1 }]);
  const [unbound] = await knex('ticket').insert({ ...ticket, user_id: null, channel: 'hotline' });
  expect(Number(unbound)).toBeGreaterThan(Number(second));
  // A ticket that does not exist still cannot be pointed at.
  await expect(knex('ticket_event').insert({ ticket_id: 999_999, kind: 'x', visible_to_subscriber: false, actor_kind: 'system', message: 'x', occurred_at: at, created_at: at })).rejects.toMatchObject({ message: expect.stringMatching(/FOREIGN KEY constraint failed|foreign key constraint fails/) });
  const indexes = onMysql
    ? ((await knex.raw('show index from `ticket`'))[0] as Array<{ Key_name: string }>).map((i) => i.Key_name)
    : ((await knex.raw("select `name` as `Key_name` from `sqlite_master` where `type` = 'index' and `tbl_name` = 'ticket'")) as Array<{ Key_name: string }>).map((i) => i.Key_name);
  expect(indexes).toEqual(expect.arrayContaining(['ticket_user_created_idx', 'ticket_queue_idx', 'ticket_queue_area_idx', 'ticket_account_idx', 'ticket_contact_phone_idx']));
});
