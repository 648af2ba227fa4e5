/**
 * What one database round trip costs here: `select 1` and the hottest statements as the API runs
 * them (server/src/read-db.ts), one after another on one connection, for the figures in README's
 * performance section; with MariaDB on this machine, also its CPU time per statement.
 *
 *   npx tsx scripts/bench/statements.ts [--n 3000]                          (DATA_DIR's embedded database)
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/oh_bulk npx tsx scripts/bench/statements.ts
 *
 * Needs a database with at least one bound account (the demo data binds none: sign in and bind
 * one first, or run scripts/bench/api.ts, which does).
 */
import { businessDate } from '@openhall/shared';
import { loadConfig } from '../../server/src/config';
import { initORM } from '../../server/src/db';
import { createLogger } from '../../server/src/http/logger';
import { ReadDb } from '../../server/src/read-db';
import { cpuUs, dbPid, numberArg, printTable } from './lib';

const n = numberArg('n', 3000);

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const orm = await initORM(config, createLogger('error'));
  const db = new ReadDb(orm, config.db.type);
  try {
    const [binding] = await db.rows<{ user_id: number; account_id: number }>('select `user_id`, `account_id` from `account_binding` order by `id` desc limit 1', []);
    if (!binding) throw new Error('no bound account in this database: bind one first (see the header of this file)');
    // As BillingService.listBills runs it for one account's unpaid bills (account numbers come from memory).
    const billsPage =
      'select `bill`.`id`, `bill`.`account_id`, `bill`.`period`, `bill`.`due_date`, `bill`.`status`, `bill`.`amount_fen`, `bill`.`late_fee_fen`, `bill`.`paid_at` ' +
      'from `bill` join `account_binding` on `account_binding`.`account_id` = `bill`.`account_id` ' +
      "where `account_binding`.`user_id` = ? and `bill`.`account_id` = ? and ((`bill`.`status` = 'unpaid' and `bill`.`due_date` >= ?)) " +
      'order by `bill`.`period` desc, `bill`.`account_id` asc, `bill`.`id` desc limit ? offset ?';
    const statements: Array<[string, string, (string | number)[]]> = [
      ['select 1', 'select 1 as `one`', []],
      ['bills of one account by index', "select `id`, `amount_fen` from `bill` where `account_id` = ? and `status` = 'unpaid'", [binding.account_id]],
      ['bills page, unpaid (binding join)', billsPage, [binding.user_id, binding.account_id, businessDate(new Date()), 20, 0]],
    ];
    const rows: string[][] = [];
    for (const [name, sql, params] of statements) {
      for (let i = 0; i < 200; i++) await db.rows(sql, params);
      const db0 = cpuUs(dbPid);
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await db.rows(sql, params);
      const us = Number(process.hrtime.bigint() - start) / 1e3 / n;
      const db1 = cpuUs(dbPid);
      rows.push([name, us.toFixed(0), (1e6 / us).toFixed(0), db0 === null || db1 === null ? '—' : ((db1 - db0) / n).toFixed(0)]);
    }
    printTable(`One statement at a time on one connection — ${config.db.type}, ${n} runs each`, ['statement', 'µs per round trip', 'per second', 'db µs (MariaDB CPU, when here)'], rows);
  } finally {
    await db.close();
    await orm.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
