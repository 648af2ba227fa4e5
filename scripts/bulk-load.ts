/**
 * Bulk loader for scale tests: N subscriber accounts (default 1,000,000) with 12 months of bills,
 * their bill lines and TV/broadband packages, written to MySQL/MariaDB through mysql2.
 *
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/oh_bulk npx tsx scripts/bulk-load.ts --migrate --accounts 20000
 *
 * Options:
 *   --accounts N       accounts to add (default 1000000)
 *   --batch N          accounts per transaction (default 1000: ~12k bills, ~20k lines)
 *   --rows N           rows per multi-row INSERT statement (default 4000)
 *   --load-data        stream each table's rows with LOAD DATA LOCAL INFILE instead of INSERTs (needs
 *                      local_infile=ON on the server; measured here at about the same speed)
 *   --concurrency N    transactions in flight at once (default 3; MySQL only)
 *   --migrate          apply pending migrations first (otherwise a schema that is not up to date is refused)
 *   --now ISO          generate as of this instant (default: now)
 *   --allow-sqlite     permit the embedded SQLite database, for small N (at most 100000)
 *
 * Nothing is disabled: foreign keys, unique keys and secondary indexes stay on, and each batch is
 * one transaction, so an interrupted run leaves only whole accounts behind. (LOAD DATA LOCAL turns
 * key violations into warnings and skips the row, so every load's row and warning counts are
 * checked and a short load rolls its batch back.) Ids are assigned here, above the highest
 * existing id of each table; account numbers continue from 5000000001 (or after the highest 5…
 * number already loaded), so the loader can be run again to add more and never touches the demo
 * accounts (1… and 2…). The data follows the demo's billing rules (server/src/seeders/demo-billing.ts)
 * and is deterministic per account number and month.
 */
import { Readable } from 'node:stream';
import { createPool, type Pool, type PoolConnection, type ResultSetHeader } from 'mysql2/promise';
import type { ServiceType } from '@openhall/shared';
import { loadConfig, type AppConfig } from '../server/src/config';
import { initORM, migrateUp, pendingMigrations, type Orm } from '../server/src/db';
import { buildPriceBook, generateBills, generateSubscriptions, randomBillingProfile, randomUnpaidMonths, BILL_MONTHS } from '../server/src/seeders/demo-billing';
import { loadDemoContent } from '../server/src/seeders/demo-content';
import { randomAddress, randomIdNumber, randomPerson } from '../server/src/seeders/demo-people';
import { Random, seedFor } from '../server/src/seeders/prng';

/** Bulk account numbers: 5000000001 … 5999999999. */
const FIRST_ACCOUNT_NO = 5_000_000_001;
const LAST_ACCOUNT_NO = 5_999_999_999;
const SQLITE_MAX_ACCOUNTS = 100_000;
/** Salt of the bulk data's random streams (distinct from the demo seed). */
const BULK_SEED = 424242;

interface Args {
  accounts: number;
  batch: number;
  rows: number;
  concurrency: number;
  migrate: boolean;
  now: Date;
  allowSqlite: boolean;
  loadData: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { accounts: 1_000_000, batch: 1000, rows: 4000, concurrency: 3, migrate: false, now: new Date(), allowSqlite: false, loadData: false };
  const int = (name: string, value: string | undefined, min: number): number => {
    const n = Number(value?.replace(/_/g, ''));
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} needs an integer ≥ ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--accounts') args.accounts = int(arg, argv[++i], 1);
    else if (arg === '--batch') args.batch = int(arg, argv[++i], 1);
    else if (arg === '--rows') args.rows = int(arg, argv[++i], 1);
    else if (arg === '--concurrency') args.concurrency = int(arg, argv[++i], 1);
    else if (arg === '--migrate') args.migrate = true;
    else if (arg === '--allow-sqlite') args.allowSqlite = true;
    else if (arg === '--load-data') args.loadData = true;
    else if (arg === '--now') {
      args.now = new Date(argv[++i] ?? '');
      if (Number.isNaN(args.now.getTime())) throw new Error('--now needs an ISO date-time');
    } else if (arg === '--help' || arg === '-h') {
      console.log('usage: npx tsx scripts/bulk-load.ts [--accounts N] [--batch N] [--rows N] [--concurrency N] [--load-data] [--migrate] [--now ISO] [--allow-sqlite]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (--help lists the options)`);
  }
  return args;
}

// ---- rows ----

type Value = string | number | null;

interface TableRows {
  table: 'account' | 'bill' | 'bill_line' | 'subscription';
  columns: string[];
  rows: Value[][];
}

const COLUMNS = {
  account: ['id', 'account_no', 'service_type', 'holder_name', 'holder_phone', 'id_number', 'address', 'area', 'balance_fen', 'concession', 'created_at'],
  bill: ['id', 'account_id', 'period', 'amount_fen', 'late_fee_fen', 'due_date', 'status', 'paid_at', 'payment_id', 'created_at'],
  bill_line: ['id', 'bill_id', 'item_code', 'name', 'quantity', 'unit', 'unit_price_fen', 'amount_fen'],
  subscription: ['id', 'account_id', 'product', 'package_code', 'package_name', 'monthly_fee_fen', 'started_on', 'expires_on', 'created_at'],
} as const;

interface NextIds {
  account: number;
  bill: number;
  billLine: number;
  subscription: number;
  accountNo: number;
}

const SERVICE_MIX: readonly (readonly [ServiceType, number])[] = [
  ['water', 50],
  ['tv', 15],
  ['broadband', 15],
  ['tv_broadband', 20],
];

/**
 * Generates one batch of accounts and everything under them. Synchronous, so the id counters in
 * `next` are consumed by one batch at a time even with several batches in flight.
 */
function generateBatch(count: number, next: NextIds, ctx: { config: AppConfig; prices: ReturnType<typeof buildPriceBook>; now: Date; date: (d: Date) => Value }): TableRows[] {
  const { config, prices, now, date } = ctx;
  const accounts: Value[][] = [];
  const bills: Value[][] = [];
  const lines: Value[][] = [];
  const subscriptions: Value[][] = [];
  const areaWeights = config.operator.areas.map((a) => [a, a.kind === 'rural' ? 1 : 3] as const);
  for (let i = 0; i < count; i++) {
    const accountNo = next.accountNo++;
    const accountId = next.account++;
    const rng = new Random(seedFor(String(accountNo), BULK_SEED));
    const serviceType = rng.weighted(SERVICE_MIX);
    const person = randomPerson(rng);
    const area = rng.weighted(areaWeights);
    const lowIncome = rng.chance(0.05);
    const profile = randomBillingProfile(rng, serviceType, lowIncome, prices);
    // Unique 139 numbers: 7919 is coprime with 10^8, so this is a bijection on the 8 digits.
    const phone = `139${String((accountNo * 7919 + 12_345_678) % 100_000_000).padStart(8, '0')}`;
    accounts.push([
      accountId,
      String(accountNo),
      serviceType,
      person.name,
      phone,
      rng.chance(0.85) ? randomIdNumber(rng, area.code, person.gender) : null,
      randomAddress(rng, area, profile.waterUse === 'nonresidential' ? 'shop' : 'home'),
      area.code,
      rng.chance(0.08) ? rng.int(1, 80) * 100 : 0,
      lowIncome ? 'low_income' : null,
      date(new Date(now.getTime() - rng.int(400, 3650) * 86_400_000)),
    ]);
    const drafts = generateBills(rng, profile, prices, { now, unpaidMonths: randomUnpaidMonths(rng), lateFee: config.operator.lateFee });
    for (const b of drafts) {
      const billId = next.bill++;
      bills.push([billId, accountId, b.period, b.amountFen, b.lateFeeFen, b.dueDate, b.status, b.paidAt ? date(b.paidAt) : null, null, date(b.createdAt)]);
      for (const l of b.lines) lines.push([next.billLine++, billId, l.itemCode, l.name, l.quantity, l.unit, l.unitPriceFen, l.amountFen]);
    }
    for (const s of generateSubscriptions(rng, profile, prices, now)) {
      subscriptions.push([next.subscription++, accountId, s.product, s.packageCode, s.packageName, s.monthlyFeeFen, s.startedOn, s.expiresOn, date(s.createdAt)]);
    }
  }
  // Parents before children: the foreign keys stay on.
  return [
    { table: 'account', columns: [...COLUMNS.account], rows: accounts },
    { table: 'bill', columns: [...COLUMNS.bill], rows: bills },
    { table: 'bill_line', columns: [...COLUMNS.bill_line], rows: lines },
    { table: 'subscription', columns: [...COLUMNS.subscription], rows: subscriptions },
  ];
}

// ---- databases ----

interface Sink {
  /** How this database wants a datetime column value. */
  date(d: Date): Value;
  /** Highest existing ids and bulk account number. */
  starts(): Promise<NextIds>;
  /** Writes a batch in one transaction, `rowsPerStatement` rows per INSERT. */
  write(batch: TableRows[], rowsPerStatement: number): Promise<void>;
  close(): Promise<void>;
}

const STARTS_SQL = `select
  (select coalesce(max(id), 0) from account) as account,
  (select coalesce(max(id), 0) from bill) as bill,
  (select coalesce(max(id), 0) from bill_line) as bill_line,
  (select coalesce(max(id), 0) from subscription) as subscription,
  (select max(account_no) from account where account_no between '${FIRST_ACCOUNT_NO}' and '${LAST_ACCOUNT_NO}') as account_no`;

function toStarts(row: Record<string, unknown>): NextIds {
  return {
    account: Number(row.account) + 1,
    bill: Number(row.bill) + 1,
    billLine: Number(row.bill_line) + 1,
    subscription: Number(row.subscription) + 1,
    accountNo: row.account_no ? Number(row.account_no) + 1 : FIRST_ACCOUNT_NO,
  };
}

/** One tab-separated field in LOAD DATA's default format. */
function tsvField(v: Value): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

/**
 * LOAD DATA LOCAL INFILE from memory. With LOCAL the server turns key errors into warnings and
 * skips the row, so the row count is checked: a short load fails the batch (and rolls it back).
 */
async function loadDataInfile(conn: PoolConnection, table: string, cols: string, rows: Value[][]): Promise<void> {
  const tsv = rows.map((r) => r.map(tsvField).join('\t')).join('\n') + '\n';
  const [res] = await conn.query<ResultSetHeader>({
    sql: `LOAD DATA LOCAL INFILE 'openhall-bulk.tsv' INTO TABLE \`${table}\` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${cols})`,
    infileStreamFactory: () => Readable.from([Buffer.from(tsv, 'utf8')]),
  });
  if (res.affectedRows !== rows.length || res.warningStatus > 0) {
    throw new Error(`LOAD DATA into ${table}: ${res.affectedRows} of ${rows.length} rows loaded, ${res.warningStatus} warnings`);
  }
}

function mysqlSink(url: string, socketPath: string | undefined, connections: number, loadData: boolean): Sink {
  const u = new URL(url);
  const pool: Pool = createPool({
    ...(socketPath ? { socketPath } : { host: u.hostname, port: Number(u.port || 3306) }),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    connectionLimit: connections,
    charset: 'utf8mb4',
    ...(loadData ? { flags: ['+LOCAL_FILES'] } : {}),
  });
  return {
    // DATETIME(3) columns hold UTC (the ORM connects with timezone +00:00).
    date: (d) => d.toISOString().slice(0, 23).replace('T', ' '),
    async starts() {
      const [rows] = await pool.query(STARTS_SQL);
      return toStarts((rows as Record<string, unknown>[])[0]);
    },
    async write(batch, rowsPerStatement) {
      const conn: PoolConnection = await pool.getConnection();
      try {
        await conn.beginTransaction();
        for (const t of batch) {
          const cols = t.columns.map((c) => `\`${c}\``).join(', ');
          if (loadData) {
            await loadDataInfile(conn, t.table, cols, t.rows);
            continue;
          }
          const sql = `INSERT INTO \`${t.table}\` (${cols}) VALUES ?`;
          for (let i = 0; i < t.rows.length; i += rowsPerStatement) await conn.query(sql, [t.rows.slice(i, i + rowsPerStatement)]);
        }
        await conn.commit();
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
    },
    close: () => pool.end(),
  };
}

/** SQLite through the ORM's connection (one writer; the ORM stores datetimes as epoch milliseconds there). */
function sqliteSink(orm: Orm): Sink {
  const MAX_PARAMS = 30_000;
  return {
    date: (d) => d.getTime(),
    async starts() {
      const rows = await orm.em.fork().execute(STARTS_SQL);
      return toStarts(rows[0] as Record<string, unknown>);
    },
    async write(batch, rowsPerStatement) {
      await orm.em.fork().transactional(async (tx) => {
        for (const t of batch) {
          const per = Math.max(1, Math.min(rowsPerStatement, Math.floor(MAX_PARAMS / t.columns.length)));
          for (let i = 0; i < t.rows.length; i += per) {
            const chunk = t.rows.slice(i, i + per);
            const placeholders = `(${t.columns.map(() => '?').join(', ')})`;
            const sql = `insert into "${t.table}" (${t.columns.map((c) => `"${c}"`).join(', ')}) values ${chunk.map(() => placeholders).join(', ')}`;
            await tx.execute(sql, chunk.flat(), 'run');
          }
        }
      });
    },
    close: async () => undefined,
  };
}

// ---- main ----

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  if (config.env === 'production') throw new Error('the bulk loader writes synthetic subscribers; it refuses NODE_ENV=production');
  if (config.db.type === 'sqlite') {
    if (!args.allowSqlite) throw new Error('the bulk loader is for MySQL/MariaDB (set DATABASE_URL=mysql://…); pass --allow-sqlite to load a few accounts into SQLite');
    if (args.accounts > SQLITE_MAX_ACCOUNTS) throw new Error(`--allow-sqlite is for small loads: at most ${fmt(SQLITE_MAX_ACCOUNTS)} accounts`);
  }

  const orm = await initORM(config);
  let sink: Sink;
  try {
    if (args.migrate) {
      const applied = await migrateUp(orm);
      console.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema up to date');
    } else {
      const pending = await pendingMigrations(orm);
      if (pending.length) throw new Error(`the schema is not up to date (${pending.join(', ')} pending): run with --migrate`);
    }
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  let method = 'multi-row INSERT';
  if (config.db.type === 'mysql') {
    await orm.close(true);
    if (args.loadData) method = 'LOAD DATA LOCAL INFILE';
    sink = mysqlSink(config.db.url, config.db.socketPath, args.concurrency, args.loadData);
  } else sink = sqliteSink(orm);
  const concurrency = config.db.type === 'mysql' ? args.concurrency : 1;

  try {
    const content = loadDemoContent(config.configDir);
    const prices = buildPriceBook(content.feeSchedules);
    const next = await sink.starts();
    if (next.accountNo + args.accounts - 1 > LAST_ACCOUNT_NO) throw new Error('the bulk account number range 5000000001–5999999999 would overflow');
    const firstNo = next.accountNo;
    console.log(
      `loading ${fmt(args.accounts)} accounts × ${BILL_MONTHS} months into ${config.db.type} ` +
        `(account numbers ${firstNo}…${firstNo + args.accounts - 1}, ids from account ${next.account}, bill ${next.bill}; ` +
        `${fmt(args.batch)} accounts per transaction, ${method}${method.endsWith('INSERT') ? ` of ${fmt(args.rows)} rows` : ''}, ${concurrency} in flight)`,
    );

    const started = performance.now();
    let generated = 0;
    const done = { accounts: 0, bills: 0, lines: 0, subscriptions: 0 };
    const rowsDone = () => done.accounts + done.bills + done.lines + done.subscriptions;
    let lastReport = started;
    const report = (final = false) => {
      const elapsed = (performance.now() - started) / 1000;
      const rate = rowsDone() / elapsed;
      const pct = ((done.accounts / args.accounts) * 100).toFixed(1);
      const line = `${pct.padStart(5)}%  ${fmt(done.accounts)} accounts, ${fmt(done.bills)} bills, ${fmt(done.lines)} lines, ${fmt(done.subscriptions)} packages  ${fmt(rate)} rows/s  ${fmt(done.accounts / elapsed)} accounts/s  ${duration(elapsed)}`;
      if (final || performance.now() - lastReport > 2000) {
        console.log(line);
        lastReport = performance.now();
      }
    };

    // One failed batch stops the others from starting new ones (batches already committed stay).
    let failed = false;
    const worker = async () => {
      while (generated < args.accounts && !failed) {
        const count = Math.min(args.batch, args.accounts - generated);
        generated += count;
        const batch = generateBatch(count, next, { config, prices, now: args.now, date: sink.date });
        try {
          await sink.write(batch, args.rows);
        } catch (err) {
          failed = true;
          throw err;
        }
        done.accounts += batch[0].rows.length;
        done.bills += batch[1].rows.length;
        done.lines += batch[2].rows.length;
        done.subscriptions += batch[3].rows.length;
        report();
      }
    };
    const results = await Promise.allSettled(Array.from({ length: concurrency }, worker));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      report(true);
      throw failure.reason;
    }
    report(true);

    const seconds = (performance.now() - started) / 1000;
    const perAccount = seconds / done.accounts;
    console.log(
      `done: ${fmt(rowsDone())} rows in ${duration(seconds)} — ${fmt(rowsDone() / seconds)} rows/s, ${fmt(done.accounts / seconds)} accounts/s; ` +
        `at this rate 1,000,000 accounts take about ${duration(perAccount * 1_000_000)}`,
    );
  } finally {
    await sink.close();
    if (config.db.type === 'sqlite') await orm.close(true);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
