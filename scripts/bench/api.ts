/**
 * OpenHall's API beside a bare Koa ceiling, on the same machine, in one run (issue 6).
 *
 *   npx tsx scripts/bench/api.ts [--duration 10] [--rounds 3] [--connections 50] [--notifies 2000]
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/oh_bulk npx tsx scripts/bench/api.ts
 *       (a database loaded with scripts/bulk-load.ts; the demo data is added if it is missing)
 *
 * Each server runs in its own process, started the way it runs in production (`server/src/main.ts`,
 * as an API-only instance, RUN_JOBS=false, unless `--with-jobs`: on a bulk-loaded database the
 * jobs have months of renewal reminders to send, which is not what the API rows measure; the embedded database in a temporary DATA_DIR unless DATABASE_URL is set; sandboxes
 * on; logs at error level), and autocannon loads it over keep-alive HTTP from this process:
 *   bare koa            a Koa app answering a fixed JSON body: the ceiling
 *   bills floor         (MySQL only) a bare Koa app with mysql2 running the bills list's statement behind
 *                       the same kind of session cache (bare-koa-bills.ts): the floor of a signed-in read,
 *                       which the signed-in bills row is compared with instead of bare Koa;
 *                       and the same floor building OpenHall's answer byte for byte (FLOOR_SAME_ANSWER,
 *                       checked before it is timed): the floor of the answer rather than of the statement
 *   halls ?lat&lng      GET /api/v1/halls sorted by distance
 *   … vs same-answer koa  the public rows again, against bare Koa sending OpenHall's very answer
 *                       (its bytes as compressed, its headers; bare-koa.ts with BARE_KOA_ANSWERS)
 *   fee-schedules       GET /api/v1/fee-schedules
 *   accounts            GET /api/v1/accounts, signed in (SMS sandbox), one bound account
 *   bills unpaid        GET /api/v1/bills?accountId&status=unpaid, signed in
 *   ticket              GET /api/v1/tickets/:id, signed in, a ticket filed for the run
 *   notify valid        signed, encrypted WeChat Pay notifications, one per open order (each settles)
 *   notify duplicate    the same notifications again (each answered without settling twice)
 * `--only halls,bills` runs the ceiling and the rows whose names contain one of the words;
 * `--instances 2` starts that many OpenHall servers on the one database and shares the connections
 * (and the notifications) out between them, as a reverse proxy in front of them would;
 * `--cpu-prof DIR` writes V8 CPU profiles of the OpenHall servers and the bills floors into DIR/openhall,
 *   DIR/floor and DIR/same-answer-floor (open them in Chrome DevTools);
 * `--node-flags "…"` passes V8/Node flags to the OpenHall servers (e.g. `--max-semi-space-size=32`).
 * Bare Koa runs first, and in slices alternating with each timed row, which is compared with those (`--rounds`). Because autocannon
 * shares the machine's cores, requests/s can be bound by the client; `server µs/req` (the server
 * process's CPU time per request, from /proc) and `db µs/req` (MariaDB's, when it runs here) show
 * what each request costs on the server side whoever the bottleneck is, and `machine busy` how much
 * of all the cores was in use during the row (near 100 %, the machine itself is the limit).
 * Prints requests/s, p50/p99 latency (over all of a row's answered requests; a paired row's worst slice's p99 beside), the ratio to bare Koa (or to the bills floor), the server's
 * peak RSS over the row, and non-2xx answers (which would make a row meaningless). Timed runs are preceded by a 2 s warm-up (--warmup 0 to skip).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { loadConfig } from '../../server/src/config';
import { initORM } from '../../server/src/db';
import { createDeps } from '../../server/src/deps';
import { createLogger } from '../../server/src/http/logger';
import { Account } from '../../server/src/modules/accounts/account.entity';
import { Bill } from '../../server/src/modules/billing/bill.entity';
import { wechatNotifyFor } from '../../server/src/modules/payments/payments.test-support';
import { cpuUs, createOpenOrders, dbPid, freePort, numberArg, paidBillsOf, printTable, spawnTsx, stopChild, waitReady } from './lib';

const root = path.resolve(__dirname, '..', '..');
const duration = numberArg('duration', 10);
const connections = numberArg('connections', 50);
const notifies = numberArg('notifies', 2000);
const instances = numberArg('instances', 1);
const warmup = process.argv.includes('--warmup') ? Number(process.argv[process.argv.indexOf('--warmup') + 1]) : 2;

interface Item {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

interface Row {
  name: string;
  /** What the ratio is to: bare Koa unless said. */
  versus?: string;
  /** The server processes' largest resident set seen during the row, in MB. */
  rssMb?: number | null;
  /** Bare Koa's requests/s measured alongside this row (timed rows), the ratio's denominator. */
  ceiling?: number;
  /** The p99 of the ceiling's answers in those same slices, in ms. */
  ceilingP99?: number;
  /** CPU time per request of the server process (and of MariaDB, when it runs here), in µs. */
  serverUs: number | null;
  dbUs: number | null;
  /** The whole machine's CPU time, busy and in all, over the row (jiffies of /proc/stat): everything shares these cores. */
  machine: { busy: number; total: number } | null;
  requests: number;
  rps: number;
  /** Over every answered request of the row (its slices together), in ms. */
  p50: number;
  p99: number;
  /** A paired row's worst slice's p99, in ms: what the row's p99 was reported as before 2026-12-06. */
  p99Slice?: number;
  /** Each 2xx answer's time, in ms (as autocannon records them), for percentiles over several slices. */
  latencies: number[];
  bad: number;
}

/** The `q` quantile of some sorted times (nearest rank), or 0 for none. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** p50 and p99 over all of some loads' answered requests (each one's answer times). */
function percentiles(loads: ReadonlyArray<readonly number[]>): { latencies: number[]; p50: number; p99: number } {
  const latencies = loads.flat().sort((a, b) => a - b);
  return { latencies, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

/** The machine's CPU time so far, busy and in all, in jiffies (Linux /proc/stat), or null where unreadable. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const n = fields.map(Number);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - n[3] - n[4], total }; // idle and iowait are not busy
  } catch {
    return null;
  }
}

/** Where a row's load goes: one server, or several instances of it, each with its process id. */
interface Target {
  bases: string[];
  pids: Array<number | undefined>;
}

/** Resident set size of a process now, in MB (Linux /proc), or null where unreadable. */
function rssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples the largest RSS of some processes every 100 ms until stopped. */
function watchRss(pids: Array<number | undefined>): () => number | null {
  let peak: number | null = null;
  const sample = () => {
    for (const pid of pids) {
      const mb = rssMb(pid);
      if (mb !== null) peak = Math.max(peak ?? 0, mb);
    }
  };
  sample();
  const timer = setInterval(sample, 100);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

/** The CPU time of all of a target's processes so far, in µs, or null where one is unreadable. */
function targetCpuUs(pids: Array<number | undefined>): number | null {
  const each = pids.map(cpuUs);
  return each.includes(null) || each.length === 0 ? null : each.reduce((a, b) => a! + b!, 0);
}

/**
 * Timed (`items` cycled for `seconds`) or counted (each item once) load on a target. Over several
 * instances the connections are shared out evenly, as a reverse proxy would, and so are counted
 * items (item i goes to instance i mod n); p50 and p99 are over every answered request, whichever
 * instance answered it.
 */
async function load(name: string, target: Target, items: Item[], opts: { seconds?: number; once?: boolean; measure?: boolean }): Promise<Row> {
  const n = target.bases.length;
  const cpu0 = [opts.measure ? targetCpuUs(target.pids) : null, cpuUs(dbPid)];
  const machine0 = machineCpu();
  const stopRss = watchRss(target.pids);
  const latencies: number[] = [];
  const results = await Promise.all(
    target.bases.map((base, b) => {
      const mine = opts.once ? items.filter((_, i) => i % n === b) : items;
      let next = 0;
      return autocannon({
        url: base,
        connections: Math.max(1, Math.round(connections / n)),
        ...(opts.once ? { amount: mine.length } : { duration: opts.seconds }),
        requests: [
          {
            setupRequest: (req) => {
              const it = mine[next++ % mine.length];
              // As browsers and wx.request send it.
              return { ...req, method: it.method, path: it.path, headers: { 'accept-encoding': 'gzip, deflate, br', ...(it.headers ?? {}) }, body: it.body };
            },
          },
        ],
        // Each answer's time, counted as autocannon's own percentiles count them: 2xx answers only.
        setupClient: (client) => {
          client.on('response', (status, _bytes, ms) => {
            if (status >= 200 && status < 300) latencies.push(ms);
          });
        },
      });
    }),
  );
  const requests = results.reduce((a, r) => a + r.requests.total, 0);
  const peakRss = stopRss();
  const cpu1 = [opts.measure ? targetCpuUs(target.pids) : null, cpuUs(dbPid)];
  const machine1 = machineCpu();
  const per = (i: number) => (cpu0[i] !== null && cpu1[i] !== null && requests > 0 ? (cpu1[i]! - cpu0[i]!) / requests : null);
  return {
    name,
    rssMb: peakRss,
    serverUs: per(0),
    dbUs: per(1),
    machine: machine0 && machine1 ? { busy: machine1.busy - machine0.busy, total: machine1.total - machine0.total } : null,
    requests,
    rps: requests / Math.max(...results.map((r) => r.duration)),
    ...percentiles([latencies]),
    bad: results.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0),
  };
}

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : null;
const wanted = (name: string) => name === 'bare koa' || !only || only.some((w) => name.includes(w));

/** A row on its own (the first ceiling). */
async function timed(name: string, target: Target, items: Item[]): Promise<Row | null> {
  if (!wanted(name)) return null;
  if (warmup > 0) await load(name, target, items, { seconds: warmup });
  return load(name, target, items, { seconds: duration, measure: true });
}

/**
 * A timed row compared with bare Koa measured in the same moments: this machine's speed drifts by
 * up to 2× over a run (seen: bare Koa at 15,300 req/s, then 31,000 three minutes later), so the
 * row's time is cut into `--rounds` slices (3 unless told), each run right after a slice of bare
 * Koa of the same length (and, after the first, a second of unmeasured load on the server), and
 * each side's requests are summed over its slices. p50 and p99 are over all of the row's answered
 * requests, as one long run would give them; the worst slice's p99 is printed beside them (one slice
 * of a few seconds can hold a collection or the machine's own hiccup that the row as a whole does not).
 */
let bareKoa: Target = { bases: [], pids: [] };
const rounds = numberArg('rounds', 3);
/** What a paired row is measured against: bare Koa unless said (the signed-in bills row: the bills floor). */
interface Ceiling {
  name: string;
  target: Target;
  items: Item[];
}
async function paired(name: string, target: Target, items: Item[], ceiling: Ceiling = { name: 'bare koa', target: bareKoa, items: [{ method: 'GET', path: '/' }] }): Promise<Row | null> {
  if (!wanted(name)) return null;
  if (warmup > 0 && ceiling.name !== 'bare koa') await load(ceiling.name, ceiling.target, ceiling.items, { seconds: warmup });
  if (warmup > 0) await load(name, target, items, { seconds: warmup });
  const seconds = duration / rounds;
  const bare: Row[] = [];
  const row: Row[] = [];
  for (let i = 0; i < rounds; i++) {
    bare.push(await load(ceiling.name, ceiling.target, ceiling.items, { seconds, measure: true }));
    // The server sat idle through bare Koa's slice and autocannon opens new connections: a second
    // of load first, so each slice measures the steady state as one long run would.
    if (warmup > 0 && i > 0) await load(name, target, items, { seconds: 1 });
    row.push(await load(name, target, items, { seconds, measure: true }));
  }
  const sum = (rs: Row[], f: (r: Row) => number) => rs.reduce((a, r) => a + f(r), 0);
  const perRequest = (f: (r: Row) => number | null) =>
    row.some((r) => f(r) === null) ? null : sum(row, (r) => f(r)! * r.requests) / sum(row, (r) => r.requests);
  return {
    name,
    versus: ceiling.name,
    rssMb: Math.max(...row.map((r) => r.rssMb ?? 0)) || null,
    ceiling: sum(bare, (r) => r.requests) / sum(bare, (r) => r.requests / r.rps),
    ceilingP99: percentiles(bare.map((r) => r.latencies)).p99,
    serverUs: perRequest((r) => r.serverUs),
    machine: row.every((r) => r.machine) ? { busy: sum(row, (r) => r.machine!.busy), total: sum(row, (r) => r.machine!.total) } : null,
    dbUs: perRequest((r) => r.dbUs),
    requests: sum(row, (r) => r.requests),
    rps: sum(row, (r) => r.requests) / sum(row, (r) => r.requests / r.rps),
    ...percentiles(row.map((r) => r.latencies)),
    p99Slice: Math.max(...row.map((r) => r.p99)),
    bad: sum(row, (r) => r.bad),
  };
}

async function api<T>(base: string, method: string, p: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(new URL(p, base), {
    method,
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '10.9.9.9', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { data?: T; error?: { code: string; message: string } };
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${json.error?.code ?? ''} ${json.error?.message ?? ''}`);
  return json.data as T;
}

/** A subscriber signed in through the SMS sandbox, with demo account 1000000001 bound and a ticket filed. */
async function subscriber(base: string): Promise<{ token: string; accountId: number; ticketId: number }> {
  const phone = `139${String(Date.now()).slice(-8)}`;
  await api(base, 'POST', '/api/v1/auth/sms/send', { phone });
  const sms = await api<Array<{ text: string }>>(base, 'GET', `/sandbox/sms?phone=${phone}`);
  const code = /(\d{6})/.exec(sms[0]?.text ?? '')?.[1];
  if (!code) throw new Error('no SMS code in the sandbox');
  const { token } = await api<{ token: string }>(base, 'POST', '/api/v1/auth/sms/login', { phone, code });
  const account = await api<{ id: number }>(base, 'POST', '/api/v1/accounts/bind', { accountNo: '1000000001', holderName: '张三' }, token);
  const ticket = await api<{ id: number }>(
    base,
    'POST',
    '/api/v1/tickets',
    { type: 'suggestion', accountId: account.id, description: '压测：营业厅能否延长周末营业时间', contactPhone: phone },
    token,
  );
  return { token, accountId: account.id, ticketId: ticket.id };
}

/**
 * Refuses to compare with a floor whose answer differs from OpenHall's: the same body, byte for
 * byte, and the same headers besides the request id, date and connection's.
 */
async function sameAnswers(base: string, floorBase: string, item: Item): Promise<void> {
  const [ours, floors] = await Promise.all([base, floorBase].map((b) => fetch(new URL(item.path, b), { headers: item.headers })));
  const headersOf = (r: Response) => [...r.headers].filter(([k]) => !['x-request-id', 'date', 'connection', 'keep-alive'].includes(k)).sort();
  const [a, b] = [await ours.text(), await floors.text()];
  if (a !== b) throw new Error(`the same-answer floor answers differently:\n  OpenHall: ${a}\n  floor:    ${b}`);
  const [ha, hb] = [JSON.stringify(headersOf(ours)), JSON.stringify(headersOf(floors))];
  if (ha !== hb) throw new Error(`the same-answer floor's headers differ:\n  OpenHall: ${ha}\n  floor:    ${hb}`);
  if (!ours.headers.get('x-request-id') || !floors.headers.get('x-request-id')) throw new Error('a request id is missing');
}

/** An answer as bare-koa.ts replays it: status, headers, and the body's bytes in base64. */
interface CapturedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * OpenHall's answers to some GETs as sent (status, headers but the request id, date and connection's,
 * and the body's bytes as they went, compressed as the bench's clients ask), by URL, for a bare Koa
 * that answers the same (bare-koa.ts, BARE_KOA_ANSWERS).
 */
async function capturedAnswers(base: string, items: Item[]): Promise<Record<string, CapturedAnswer>> {
  const out: Record<string, CapturedAnswer> = {};
  for (const item of items) {
    out[item.path] = await new Promise((resolve, reject) => {
      http
        .get(new URL(item.path, base), { headers: { 'accept-encoding': 'gzip, deflate, br', ...(item.headers ?? {}) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (!['x-request-id', 'date', 'connection', 'keep-alive', 'content-length'].includes(k) && typeof v === 'string') headers[k] = v;
            }
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('base64') });
          });
        })
        .on('error', reject);
    });
  }
  return out;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const add = (row: Row | null) => row && rows.push(row);

  // ---- the ceiling: measured first, and again before each OpenHall row (see `paired`) ----
  const barePort = await freePort();
  const bare = spawnTsx(path.join(root, 'scripts', 'bench', 'bare-koa.ts'), { ...process.env, PORT: String(barePort) });
  bareKoa = { bases: [`http://127.0.0.1:${barePort}`], pids: [bare.child.pid] };
  try {
    await waitReady(bareKoa.bases[0], bare);
    add(await timed('bare koa', bareKoa, [{ method: 'GET', path: '/' }]));
  } catch (err) {
    await stopChild(bare.child);
    throw err;
  }

  // ---- OpenHall ----
  const embedded = !process.env.DATABASE_URL;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openhall-bench-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    SANDBOX: 'true',
    SEED_DEMO: 'true',
    H5_DIR: '',
    TRUST_PROXY: 'true',
    RUN_JOBS: process.argv.includes('--with-jobs') ? 'true' : 'false',
  };
  const profDir = process.argv.includes('--cpu-prof') ? process.argv[process.argv.indexOf('--cpu-prof') + 1] : null;
  /** Node's flags for a V8 CPU profile of one kind of server, in its own folder of `--cpu-prof DIR`. */
  const profiled = (name: string): string[] => (profDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profDir, name)] : []);
  // `--node-flags "--heap-growing-percent=100"`: V8 flags for the OpenHall servers only (the ceilings run as they are).
  const nodeFlags = (process.argv.includes('--node-flags') ? process.argv[process.argv.indexOf('--node-flags') + 1] : '').split(' ').filter(Boolean);
  // The first instance migrates and seeds; the others start on the database it left.
  const servers: Array<{ child: ChildProcess; log: string[] }> = [];
  const target: Target = { bases: [], pids: [] };
  const start = async (seed: boolean) => {
    const port = await freePort();
    const server = spawnTsx(path.join(root, 'server', 'src', 'main.ts'), { ...env, PORT: String(port), SEED_DEMO: String(seed) }, [
      ...nodeFlags,
      ...profiled('openhall'),
    ]);
    servers.push(server);
    target.bases.push(`http://127.0.0.1:${port}`);
    target.pids.push(server.child.pid);
    await waitReady(`${target.bases.at(-1)}/readyz`, server, 600_000);
  };
  const config = loadConfig(env);
  const logger = createLogger('error');
  let orm: Awaited<ReturnType<typeof initORM>> | undefined;
  let floor: ReturnType<typeof spawnTsx> | undefined;
  let sameFloor: ReturnType<typeof spawnTsx> | undefined;
  let sameKoa: ReturnType<typeof spawnTsx> | undefined;
  let deps: ReturnType<typeof createDeps> | undefined;
  try {
    await start(true);
    for (let i = 1; i < instances; i++) await start(false);
    orm = await initORM(config, logger);
    const em = orm.em.fork();
    const [accounts, bills] = await Promise.all([em.count(Account), em.count(Bill)]);
    // Signed in through the first instance's SMS sandbox; sessions live in the database, so the token works on every instance.
    const who = await subscriber(target.bases[0]);
    const auth = { Authorization: `Bearer ${who.token}` };

    const hallsItems: Item[] = [{ method: 'GET', path: '/api/v1/halls?lat=30.2591&lng=120.1479' }];
    const feeItems: Item[] = [{ method: 'GET', path: '/api/v1/fee-schedules' }];
    add(await paired('halls ?lat&lng', target, hallsItems));
    add(await paired('fee-schedules', target, feeItems));
    if (wanted('halls ?lat&lng vs same-answer koa') || wanted('fee-schedules vs same-answer koa')) {
      // Bare Koa sending OpenHall's very answers (bytes, compression and headers): the ceiling of these
      // answers rather than of a 60-byte one; both sides then write and autocannon reads the same bytes.
      const answersFile = path.join(dataDir, 'bare-koa-answers.json');
      writeFileSync(answersFile, JSON.stringify(await capturedAnswers(target.bases[0], [...hallsItems, ...feeItems])));
      const samePort = await freePort();
      sameKoa = spawnTsx(path.join(root, 'scripts', 'bench', 'bare-koa.ts'), { ...process.env, PORT: String(samePort), BARE_KOA_ANSWERS: answersFile });
      const sameTarget: Target = { bases: [`http://127.0.0.1:${samePort}`], pids: [sameKoa.child.pid] };
      await waitReady(sameTarget.bases[0], sameKoa);
      for (const items of [hallsItems, feeItems]) {
        await sameAnswers(target.bases[0], sameTarget.bases[0], { ...items[0], headers: { 'accept-encoding': 'gzip, deflate, br' } });
      }
      add(await paired('halls ?lat&lng vs same-answer koa', target, hallsItems, { name: 'same-answer koa', target: sameTarget, items: hallsItems }));
      add(await paired('fee-schedules vs same-answer koa', target, feeItems, { name: 'same-answer koa', target: sameTarget, items: feeItems }));
    }
    add(await paired('accounts (signed in)', target, [{ method: 'GET', path: '/api/v1/accounts', headers: auth }]));
    const billsItems: Item[] = [{ method: 'GET', path: `/api/v1/bills?accountId=${who.accountId}&status=unpaid`, headers: auth }];
    add(await paired('bills unpaid (signed in)', target, billsItems));
    if (!embedded && wanted('bills')) {
      // The floor of a signed-in read: the same statement and session cache, nothing else.
      const floorPort = await freePort();
      floor = spawnTsx(path.join(root, 'scripts', 'bench', 'bare-koa-bills.ts'), { ...env, PORT: String(floorPort) }, profiled('floor'));
      const floorTarget: Target = { bases: [`http://127.0.0.1:${floorPort}`], pids: [floor.child.pid] };
      await waitReady(`${floorTarget.bases[0]}/readyz`, floor, 60_000);
      add(await timed('bills floor: koa + mysql2', floorTarget, billsItems));
      add(await paired('bills unpaid vs floor', target, billsItems, { name: 'bills floor', target: floorTarget, items: billsItems }));
      // The floor of the same answer: the plain floor building OpenHall's very bytes and headers.
      const samePort = await freePort();
      sameFloor = spawnTsx(path.join(root, 'scripts', 'bench', 'bare-koa-bills.ts'), { ...env, PORT: String(samePort), FLOOR_SAME_ANSWER: '1' }, profiled('same-answer-floor'));
      const sameTarget: Target = { bases: [`http://127.0.0.1:${samePort}`], pids: [sameFloor.child.pid] };
      await waitReady(`${sameTarget.bases[0]}/readyz`, sameFloor, 60_000);
      await sameAnswers(target.bases[0], sameTarget.bases[0], billsItems[0]);
      add(await paired('bills unpaid vs same-answer floor', target, billsItems, { name: 'same-answer floor', target: sameTarget, items: billsItems }));
    }
    add(await paired('ticket :id (signed in)', target, [{ method: 'GET', path: `/api/v1/tickets/${who.ticketId}`, headers: auth }]));

    // Signed notifications: signed beforehand with the WeChat Pay sandbox's platform key (the server
    // generated it in DATA_DIR), so the time measured is the server's.
    let notifyLine = '';
    if (wanted('notify valid')) {
      const orders = await createOpenOrders(orm, notifies, config.operator.areas[0]?.code ?? 'bench');
      deps = createDeps(config, orm, logger);
      const ctx = { config, deps };
      const signed = () =>
        orders.map((o, i): Item => {
          const n = wechatNotifyFor(ctx, o, { transaction_id: `4200${String(i).padStart(24, '0')}` }, { id: `BENCH-${process.pid}-${i}` });
          return { method: 'POST', path: '/api/v1/payments/notify/wechat', headers: n.headers, body: n.body };
        });
      rows.push(await load('notify valid', target, signed(), { once: true, measure: true }));
      rows.push(await load('notify duplicate', target, signed(), { once: true, measure: true }));
      const settled = await paidBillsOf(orm, orders.map((o) => o.outTradeNo));
      notifyLine = `notify: ${settled}/${orders.length} bills settled, each once\n`;
    }

    // Notifications are counted runs, not timed: they are compared with the first ceiling.
    const firstCeiling = rows[0].rps;
    printTable(
      `OpenHall API benchmark — ${config.db.type}${embedded ? ' (embedded)' : ''}, ${accounts.toLocaleString('en')} accounts, ${bills.toLocaleString('en')} bills; ` +
        `${instances > 1 ? `${instances} server instances, ` : ''}${connections} connections, ${duration} s per timed row; node ${process.version}, ${os.cpus().length} cores`,
      ['endpoint', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'worst slice p99', 'ceiling alongside', 'ratio', 'server µs/req', 'db µs/req', 'machine busy', 'server RSS MB', 'non-2xx/err'],
      rows.map((r) => [
        r.name,
        String(r.requests),
        r.rps.toFixed(0),
        r.p50.toFixed(1),
        r.p99.toFixed(1),
        r.p99Slice === undefined ? '' : r.p99Slice.toFixed(1),
        r.ceiling === undefined ? '' : `${r.ceiling.toFixed(0)} (${r.versus ?? 'bare koa'}, p99 ${r.ceilingP99?.toFixed(1)})`,
        `${((100 * r.rps) / (r.ceiling ?? firstCeiling)).toFixed(1)}%`,
        r.serverUs === null ? '—' : r.serverUs.toFixed(0),
        r.dbUs === null ? '—' : r.dbUs.toFixed(0),
        r.machine && r.machine.total > 0 ? `${((100 * r.machine.busy) / r.machine.total).toFixed(0)}%` : '—',
        r.rssMb ? r.rssMb.toFixed(0) : '—',
        String(r.bad),
      ]),
    );
    if (notifyLine) console.log(notifyLine);
    if (rows.some((r) => r.bad > 0)) process.exitCode = 1;
  } finally {
    await deps?.sandboxes.close();
    await deps?.rateLimiter.close();
    await deps?.sessionRevocations.close();
    await orm?.close(true);
    for (const server of servers) await stopChild(server.child);
    if (floor) await stopChild(floor.child);
    if (sameFloor) await stopChild(sameFloor.child);
    if (sameKoa) await stopChild(sameKoa.child);
    await stopChild(bare.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
