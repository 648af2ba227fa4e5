/**
 * Notify handling throughput: signed WeChat Pay notifications against a running OpenHall.
 *
 *   npx tsx scripts/bench/notify.ts [--orders 2000] [--concurrency 32]
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/oh_bench npx tsx scripts/bench/notify.ts   (an empty database)
 *
 * Starts the server in-process on a free port (embedded SQLite in a temporary DATA_DIR unless
 * DATABASE_URL says otherwise, sandboxes on), creates N open bill orders, then POSTs to
 * /api/v1/payments/notify/wechat over keep-alive HTTP with bounded concurrency:
 *   valid      one genuine notification per order (verify, decrypt, check, settle: bills paid,
 *              write-off queued, audit) — N requests;
 *   duplicate  the same N notifications again (same notify id; freshly signed, as WeChat's retries are);
 *   burst      one order's notification 20× at once, over and over (the concurrent-duplicate path).
 * Notifications are signed and encrypted beforehand with the sandbox's platform key and APIv3 key,
 * so the timings are the server's. Prints requests/s and latency percentiles per phase, the
 * process's CPU time per notification (process.cpuUsage around the phase: the server's, plus the
 * small cost of this process's own HTTP client) and its peak RSS during the phase.
 * `--cpu-prof FILE` writes a V8 CPU profile of the `valid` phase alone to FILE (open it in Chrome DevTools).
 */
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/src/config';
import { initORM, migrateUp } from '../../server/src/db';
import { createDeps } from '../../server/src/deps';
import { createApp } from '../../server/src/app';
import { createLogger } from '../../server/src/http/logger';
import { seedDemo } from '../../server/src/seeders/demo.seeder';
import { wechatNotifyFor } from '../../server/src/modules/payments/payments.test-support';
import { createOpenOrders, numberArg, paidBillsOf, printTable, stringArg } from './lib';

interface Sample {
  ms: number;
  status: number;
}

async function fire(agent: http.Agent, base: string, items: Array<{ headers: Record<string, string>; body: string }>, concurrency: number) {
  const url = new URL('/api/v1/payments/notify/wechat', base);
  const samples: Sample[] = [];
  let next = 0;
  const one = (n: { headers: Record<string, string>; body: string }) =>
    new Promise<Sample>((resolve) => {
      const start = process.hrtime.bigint();
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { ...n.headers, 'Content-Length': Buffer.byteLength(n.body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, status: res.statusCode ?? 0 }));
        },
      );
      req.on('error', () => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, status: 0 }));
      req.end(n.body);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) samples.push(await one(items[next++]));
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { samples, seconds };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const orders = numberArg('orders', 2000);
  const concurrency = numberArg('concurrency', 32);
  const profileTo = stringArg('cpu-prof');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openhall-bench-'));
  const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'error', H5_DIR: '', SANDBOX: 'true', SANDBOX_NOTIFY_SCALE: '0.001' });
  const logger = createLogger(config.logLevel);
  const orm = await initORM(config, logger);
  await migrateUp(orm);
  await seedDemo(orm, config, { now: new Date() });
  const deps = createDeps(config, orm, logger);
  const app = createApp(deps);
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  deps.self.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const created = await createOpenOrders(orm, orders, config.operator.areas[0].code);

  const ctx = { config, deps };
  const ids = created.map((_, i) => `BENCH-${process.pid}-${i}`);
  const valid = created.map((o, i) => wechatNotifyFor(ctx, o, { transaction_id: `42000000${String(i).padStart(20, '0')}` }, { id: ids[i] }));
  const duplicate = created.map((o, i) => wechatNotifyFor(ctx, o, { transaction_id: `42000000${String(i).padStart(20, '0')}` }, { id: ids[i] }));
  const burst: typeof valid = [];
  for (let k = 0; burst.length < orders; k++) {
    const o = created[k % created.length];
    const n = wechatNotifyFor(ctx, o, { transaction_id: `42000000${String(k % created.length).padStart(20, '0')}` }, { id: `BURST-${k}` });
    for (let c = 0; c < 20 && burst.length < orders; c++) burst.push(n);
  }

  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const rows: string[][] = [];
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  for (const [phase, items] of [
    ['valid', valid],
    ['duplicate', duplicate],
    ['burst 20×', burst],
  ] as const) {
    peakRss = process.memoryUsage().rss;
    const profile = phase === 'valid' && profileTo ? new Session() : null;
    if (profile) {
      profile.connect();
      await profile.post('Profiler.enable');
      await profile.post('Profiler.start');
    }
    const cpu0 = process.cpuUsage();
    const { samples, seconds } = await fire(agent, deps.self.baseUrl, items, concurrency);
    const cpu = process.cpuUsage(cpu0);
    if (profile && profileTo) {
      const { profile: taken } = await profile.post('Profiler.stop');
      writeFileSync(profileTo, JSON.stringify(taken));
      profile.disconnect();
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const lat = samples.map((s) => s.ms).sort((a, b) => a - b);
    const statuses = [...new Set(samples.map((s) => s.status))].join('/');
    rows.push([
      phase,
      String(samples.length),
      String(concurrency),
      (samples.length / seconds).toFixed(0),
      pct(lat, 50).toFixed(1),
      pct(lat, 99).toFixed(1),
      pct(lat, 100).toFixed(1),
      ((cpu.user + cpu.system) / 1000 / samples.length).toFixed(2),
      (peakRss / 1048576).toFixed(0),
      statuses,
    ]);
  }
  clearInterval(rssTimer);
  const settled = await paidBillsOf(orm, created.map((o) => o.outTradeNo));

  printTable(
    `OpenHall notify benchmark — ${config.db.type}, ${orders} orders, node ${process.version}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ['phase', 'requests', 'conc.', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'CPU ms/req', 'peak RSS MB', 'statuses'],
    rows,
  );
  console.log(`bills settled: ${settled}/${orders} (each exactly once)\n`);

  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await deps.sandboxes.close();
  await deps.rateLimiter.close();
  await deps.sessionRevocations.close();
  await deps.readDb.close();
  await orm.close(true);
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
