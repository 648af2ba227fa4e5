/**
 * The billing-system inlet at bill-day scale: one signed NDJSON batch of `--records` bill records
 * (default 1,000,000, each with two lines) on `--accounts` accounts, streamed to a real server
 * (`server/src/main.ts` in its own process, an API-only instance) and applied; printed: records
 * per second from the first byte sent to the import's end, the upload and apply times, and the
 * server's resident memory (RSS, sampled every 200 ms from /proc) before, at its highest, and after.
 *
 *   npx tsx scripts/bench/import.ts                                            # embedded SQLite
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/oh_import npx tsx scripts/bench/import.ts --records 1000000
 *   npx tsx scripts/bench/import.ts --records 200000 --accounts 20000 --again  # and the same batch again (all unchanged)
 *   npx tsx scripts/bench/import.ts --records 50000 --cpu-prof /tmp/prof        # with a CPU profile of the server
 *
 * The ceiling, in the same run: the same bills and lines written by plain multi-row INSERTs in
 * chunks of the same size over one connection (what a loader that checks nothing would do), so
 * the ratio says what the inlet's checks, versions and results cost.
 *
 * The batch is generated twice, never held: once to sign it, once to send it. The accounts are
 * created by a first batch through the same inlet (its rate is printed too). By default each account
 * gets one bill, in account order, with sequential ids: a month's bill run as a billing system
 * exports it.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { freePort, numberArg, printTable, spawnTsx, stopChild, waitReady } from './lib';

const root = path.resolve(__dirname, '..', '..');
const SECRET = 'bench-billing-secret-0123456789';

const RECORDS = numberArg('records', 1_000_000);
/** A month's bill run: one bill per account, in account order (as billing systems export them), unless told otherwise. */
const ACCOUNTS = numberArg('accounts', RECORDS);
const AGAIN = process.argv.includes('--again');
const RUN = `${Date.now()}`.slice(-6);
const accountNo = (i: number) => `8${RUN.slice(-2)}${String(i).padStart(7, '0')}`;

/** Line `i` of the batch (0-based): a bill of account i % ACCOUNTS, with two lines; ids as a billing system numbers them, in sequence. */
function billLine(i: number): string {
  const water = 1000 + (i % 97) * 10;
  const sewage = 500 + (i % 13) * 10;
  return `${JSON.stringify({
    type: 'bill',
    id: `B${RUN}${String(i).padStart(9, '0')}`,
    version: 1,
    accountNo: accountNo(i % ACCOUNTS),
    period: '2026-11',
    dueDate: '2026-12-20',
    amountFen: water + sewage,
    lines: [
      { itemCode: 'water', name: '水费', quantity: 10, unit: '立方米', unitPriceFen: water / 10, amountFen: water },
      { itemCode: 'sewage', name: '污水处理费', quantity: 10, unit: '立方米', unitPriceFen: sewage / 10, amountFen: sewage },
    ],
  })}\n`;
}

function accountLine(i: number): string {
  return `${JSON.stringify({ type: 'account', id: accountNo(i), version: 1, holderName: '压测', holderPhone: '13900000000', address: '压测地址', area: 'xihu', serviceType: 'water', status: 'active' })}\n`;
}

/** The batch as a stream of 64 KB chunks, generated as it is read. */
function batch(count: number, line: (i: number) => string): Readable {
  let i = 0;
  return new Readable({
    read() {
      let chunk = '';
      while (i < count && chunk.length < 65_536) chunk += line(i++);
      this.push(chunk.length > 0 ? Buffer.from(chunk) : null);
    },
  });
}

async function signatureOf(batchId: string, timestamp: string, count: number, line: (i: number) => string): Promise<{ signature: string; bytes: number }> {
  const hmac = createHmac('sha256', SECRET).update(`${timestamp}.${batchId}.`);
  let bytes = 0;
  for await (const chunk of batch(count, line)) {
    hmac.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { signature: `sha256=${hmac.digest('hex')}`, bytes };
}

function rssKb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

interface Imported {
  seconds: number;
  uploadSeconds: number;
  view: { status: string; records: number; accepted: number; unchanged: number; rejected: number; bytes: number };
  rss: { before: number; peak: number; after: number };
}

async function send(base: string, pid: number | undefined, batchId: string, count: number, line: (i: number) => string): Promise<Imported> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const { signature, bytes } = await signatureOf(batchId, timestamp, count, line);
  const rss = { before: rssKb(pid), peak: 0, after: 0 };
  const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, rssKb(pid))), 200);
  const started = Date.now();
  const res = await fetch(`${base}/api/v1/integrations/billing/batches`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-ndjson', 'X-Billing-Batch-Id': batchId, 'X-Billing-Timestamp': timestamp, 'X-Billing-Signature': signature, 'Content-Length': String(bytes) },
    body: Readable.toWeb(batch(count, line)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const uploadSeconds = (Date.now() - started) / 1000;
  if (res.status !== 202) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
  const { data } = (await res.json()) as { data: { id: number } };
  let view: Imported['view'];
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const url = `/api/v1/integrations/billing/imports/${data.id}`;
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `sha256=${createHmac('sha256', SECRET).update(`${ts}.GET ${url}.`).digest('hex')}`;
    const r = await fetch(`${base}${url}`, { headers: { 'X-Billing-Timestamp': ts, 'X-Billing-Signature': sig } });
    view = ((await r.json()) as { data: Imported['view'] }).data;
    if (view.status === 'done' || view.status === 'failed') break;
  }
  clearInterval(sampler);
  rss.peak = Math.max(rss.peak, rssKb(pid));
  rss.after = rssKb(pid);
  return { seconds: (Date.now() - started) / 1000, uploadSeconds, view, rss };
}

/** The ceiling: the same rows (the same accounts, in the same order) by plain multi-row INSERTs of 1,000 bills and their lines over one connection. */
async function plainInserts(): Promise<number> {
  const { loadConfig } = await import('../../server/src/config');
  const { initORM } = await import('../../server/src/db');
  const { createLogger } = await import('../../server/src/http/logger');
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'error', DATA_DIR: process.env.BENCH_DATA_DIR! });
  const orm = await initORM(config, createLogger('error'));
  const knex = orm.em.getKnex();
  // The same accounts as the inlet's bills, in the same order.
  const accountIds = ((await knex('account').where('account_no', 'like', `8${RUN.slice(-2)}%`).orderBy('account_no').select('id')) as Array<{ id: number }>).map((a) => a.id);
  const started = Date.now();
  const now = new Date();
  for (let from = 0; from < RECORDS; from += 1_000) {
    await knex.transaction(async (trx) => {
      const bills = [];
      for (let i = from; i < Math.min(RECORDS, from + 1_000); i++) {
        bills.push({ account_id: accountIds[i % accountIds.length], external_id: `P${RUN}${String(i).padStart(9, '0')}`, source_version: 1, kind: 'regular', period: '2026-11', amount_fen: 2000, late_fee_fen: 0, due_date: '2026-12-20', status: 'unpaid', created_at: now });
      }
      for (let j = 0; j < bills.length; j += 500) await trx('bill').insert(bills.slice(j, j + 500));
      const ids = (await trx('bill').whereIn('external_id', bills.map((b) => b.external_id)).select('id')) as Array<{ id: number }>;
      const lines = ids.flatMap(({ id }) => [
        { bill_id: id, item_code: 'water', name: '水费', quantity: 10, unit: '立方米', unit_price_fen: 100, amount_fen: 1000 },
        { bill_id: id, item_code: 'sewage', name: '污水处理费', quantity: 10, unit: '立方米', unit_price_fen: 100, amount_fen: 1000 },
      ]);
      for (let j = 0; j < lines.length; j += 500) await trx('bill_line').insert(lines.slice(j, j + 500));
    });
  }
  const seconds = (Date.now() - started) / 1000;
  await orm.close();
  return RECORDS / seconds;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openhall-bench-import-'));
  process.env.BENCH_DATA_DIR = dataDir;
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    SANDBOX: 'true',
    SEED_DEMO: 'false',
    H5_DIR: '',
    RUN_JOBS: 'false',
    BILLING_MODE: 'embedded',
    BILLING_SECRET: SECRET,
  };
  const profDir = process.argv.includes('--cpu-prof') ? process.argv[process.argv.indexOf('--cpu-prof') + 1] : null;
  // `--node-flags "--max-old-space-size=256"`: V8 flags for the server (how its heap is sized decides its RSS).
  const nodeFlags = (process.argv.includes('--node-flags') ? process.argv[process.argv.indexOf('--node-flags') + 1] : '').split(' ').filter(Boolean);
  const server = spawnTsx(path.join(root, 'server', 'src', 'main.ts'), env, [...nodeFlags, ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [])]);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${base}/readyz`, server, 600_000);
    const accounts = await send(base, server.child.pid, `bench-accounts-${RUN}`, ACCOUNTS, accountLine);
    if (accounts.view.accepted !== ACCOUNTS) throw new Error(`accounts: ${JSON.stringify(accounts.view)}`);
    const rows: string[][] = [];
    const row = (name: string, r: Imported) => {
      rows.push([
        name,
        r.view.records.toLocaleString('en'),
        `${r.view.accepted.toLocaleString('en')} / ${r.view.unchanged.toLocaleString('en')} / ${r.view.rejected}`,
        (r.view.bytes / 1024 / 1024).toFixed(0),
        r.uploadSeconds.toFixed(1),
        r.seconds.toFixed(1),
        Math.round(r.view.records / r.seconds).toLocaleString('en'),
        `${Math.round(r.rss.before / 1024)} / ${Math.round(r.rss.peak / 1024)} / ${Math.round(r.rss.after / 1024)}`,
      ]);
    };
    row('new accounts', accounts);
    const first = await send(base, server.child.pid, `bench-bills-${RUN}`, RECORDS, billLine);
    row('new bills', first);
    if (AGAIN) row('the same bills again (a resent batch)', await send(base, server.child.pid, `bench-bills-${RUN}-again`, RECORDS, billLine));
    await stopChild(server.child);
    const ceiling = await plainInserts();
    printTable(
      `Billing inlet, ${RECORDS.toLocaleString('en')} bill records (2 lines each) on ${ACCOUNTS.toLocaleString('en')} accounts, ${process.env.DATABASE_URL ? 'MySQL/MariaDB' : 'embedded SQLite'}`,
      ['batch', 'records', 'accepted / unchanged / rejected', 'MB', 'upload s', 'total s', 'records/s', 'server RSS MB before / peak / after'],
      rows,
    );
    console.log(`\nceiling: the same bills and lines by plain multi-row INSERTs (no checks): ${Math.round(ceiling).toLocaleString('en')} records/s; the inlet ran at ${((first.view.records / first.seconds / ceiling) * 100).toFixed(0)} % of it`);
  } finally {
    await stopChild(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
