import { createTestApp, type TestApp } from '../../test/harness';
import { migrateUp } from '../db';
import { migrations } from './index';

/**
 * A migration added with a timestamp before one a database already has (the invoices migration,
 * 2026-12-04 16:00, reached main after pay_for at 17:00) still runs there: the migrator applies
 * every listed migration whose name the database has not recorded, not only those after the last.
 */

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ seed: false });
});

afterAll(async () => {
  await t.close();
});

test('a database migrated past pay_for but without the invoices migration gets it, and only it', async () => {
  const names = migrations.map((m) => m.name);
  expect(names.indexOf('Migration20261204160000_invoices')).toBeLessThan(names.indexOf('Migration20261204170000_pay_for'));
  // The database as it stood before the invoices migration existed: everything else applied.
  const knex = t.orm.em.getConnection().getKnex();
  for (const table of ['invoice_line', 'invoice_document', 'invoice_title', 'invoice']) await knex.schema.dropTable(table);
  await knex('schema_migrations').where({ name: 'Migration20261204160000_invoices' }).delete();

  expect(await migrateUp(t.orm)).toEqual(['Migration20261204160000_invoices']);
  expect(await knex('invoice').count({ n: '*' })).toEqual([{ n: 0 }]);
  expect(await migrateUp(t.orm)).toEqual([]);
});
