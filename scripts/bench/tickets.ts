/**
 * The ticket reads that grow with the backlog, as after an area outage and over a busy month: the
 * staff queue (`GET /api/v1/staff/tickets`, served from the stored deadlines and their index), the
 * supervisors' metrics (`GET /api/v1/staff/metrics`) and the public scorecard
 * (`GET /api/v1/performance`, recomputed once a minute: here every request is a new minute).
 *
 *   npx tsx scripts/bench/tickets.ts [--counts 1000,10000,100000] [--requests 200] [--metrics-requests 5] [--keep]
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/test npx tsx scripts/bench/tickets.ts
 *
 * Runs in this process on a fresh database (the test harness: temporary SQLite, or a new MySQL
 * database dropped afterwards, unless `--keep`: then it is left, and named, for a closer look). At each count there are that many open tickets, written in bulk
 * with varied clocks (types and commitments, areas, statuses, start times over the last 40 days,
 * one in 7 waiting for information, one in 11 with an ended pause, one in 13 with an approved
 * extension), their clocks stored by the clock job (the backfill path), and as many resolved and
 * confirmed this month (copies of one filed, claimed, resolved and confirmed through the API: the
 * metrics judge them, the queue does not list them). Prints the queue's latency
 * percentiles and CPU per request, then checks that every ticket's stored deadline is the one the
 * clock computes from its facts now, and that the queue's kept counts (its total) are a COUNT of
 * the tickets (the bench fails if one is not).
 */
import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../server/test/harness';
import { TicketClockJob } from '../../server/src/modules/tickets/ticket-clock.job';
import type { MetricsRow } from '@openhall/shared';
import { printTable, numberArg } from './lib';

const counts = process.argv.includes('--counts') ? process.argv[process.argv.indexOf('--counts') + 1].split(',').map(Number) : [1000, 10_000, 100_000];
const requests = numberArg('requests', 200);
const metricsRequests = numberArg('metrics-requests', 5);

const HOUR = 3_600_000;
const AREAS = ['shangcheng', 'gongshu', 'xihu', 'binjiang', 'yuhang', 'chunan'];
const OPEN = ['submitted', 'accepted', 'dispatched', 'en_route', 'on_site'];
/** Commitments as operator.json has them: fault 24 h / 12 h, installation 3 / 5 working days, complaint 3 working days. */
const KINDS = [
  { type: 'fault', severity: 'ordinary', code: 'fault_ordinary', amount: 24, unit: 'hours' },
  { type: 'fault', severity: 'major', code: 'fault_major', amount: 12, unit: 'hours' },
  { type: 'installation', severity: null, code: 'installation_city', amount: 3, unit: 'working_days' },
  { type: 'installation', severity: null, code: 'installation_rural', amount: 5, unit: 'working_days' },
  { type: 'complaint', severity: null, code: 'complaint_reply', amount: 3, unit: 'working_days' },
] as const;

/** Inserts rows in multi-row INSERTs of 400 (SQLite builds them as a compound SELECT of at most 500). */
async function bulkInsert(t: TestApp, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  const knex = t.orm.em.getKnex();
  for (let i = 0; i < rows.length; i += 400) await knex(table).insert(rows.slice(i, i + 400));
}

/** `n` open tickets (ids from `first`), their pauses and extensions, clocks not stored yet. */
async function insertOpenTickets(t: TestApp, from: number, n: number, account: { id: number; userId: number }, staffId: number): Promise<void> {
  const dt = (d: Date) => t.deps.readDb.datetime(d);
  const now = t.clock.now().getTime();
  const tickets: Array<Record<string, unknown>> = [];
  const pauses: Array<Record<string, unknown>> = [];
  const extensions: Array<Record<string, unknown>> = [];
  const knex = t.orm.em.getKnex();
  const [{ maxId }] = await knex('ticket').max({ maxId: 'id' });
  let id = Number(maxId ?? 0);
  for (let i = from; i < from + n; i++) {
    const k = KINDS[i % KINDS.length];
    // Pseudo-random but repeatable spread of start times over the last 40 days.
    const started = new Date(now - ((i * 7919) % (40 * 24 * 60)) * 60_000);
    const status = OPEN[i % OPEN.length];
    tickets.push({
      id: ++id,
      type: k.type,
      account_id: account.id,
      user_id: account.userId,
      area: AREAS[i % AREAS.length],
      description: '压测工单：宽带无法上网',
      contact_phone: '13900001111',
      severity: k.severity,
      status,
      commitment_code: k.code,
      target_amount: k.amount,
      target_unit: k.unit,
      clock_started_at: dt(started),
      owner_staff_id: status === 'submitted' ? null : staffId,
      accepted_at: status === 'submitted' ? null : dt(started),
      urge_count: 0,
      reopen_count: 0,
      created_at: dt(started),
      updated_at: dt(started),
    });
    const pausedAt = new Date(Math.min(now, started.getTime() + 2 * HOUR));
    if (i % 7 === 0) pauses.push({ ticket_id: id, kind: 'information', paused_from: dt(pausedAt), paused_to: null, reason: '请补充资料', created_at: dt(pausedAt) });
    else if (i % 11 === 0) {
      const to = new Date(Math.min(now, pausedAt.getTime() + 5 * HOUR));
      pauses.push({ ticket_id: id, kind: 'information', paused_from: dt(pausedAt), paused_to: dt(to), reason: '请补充资料', created_at: dt(pausedAt) });
    }
    if (i % 13 === 0) {
      const decided = new Date(Math.min(now, started.getTime() + HOUR));
      extensions.push({
        ticket_id: id,
        amount: k.unit === 'hours' ? 24 : 2,
        unit: k.unit === 'hours' ? 'hours' : 'working_days',
        reason: '需更换主干光缆',
        status: 'approved',
        requested_by_staff_id: staffId,
        approved_by: '陈静（工号 KF2001）',
        decided_by_staff_id: staffId,
        decided_at: dt(decided),
        created_at: dt(decided),
      });
    }
  }
  await bulkInsert(t, 'ticket', tickets);
  await bulkInsert(t, 'ticket_pause', pauses);
  await bulkInsert(t, 'ticket_extension', extensions);
}

/** Copies of a ticket row (its stored clock included) until there are `n` more. */
async function copyTicket(t: TestApp, id: number, n: number): Promise<void> {
  const knex = t.orm.em.getKnex();
  const [row] = await knex('ticket').where('id', id);
  const { id: _id, ...rest } = row as Record<string, unknown>;
  await bulkInsert(t, 'ticket', Array.from({ length: n }, () => ({ ...rest })));
}

/**
 * This month's staff metrics summed over the areas, against the same figures counted plainly (one
 * COUNT each, no grouping by month or area, no parts): what differs, as "figure: metrics ≠ count".
 */
async function metricsAgainstCounts(t: TestApp, supervisor: Record<string, string>): Promise<string[]> {
  const rows = (await t.request.get('/api/v1/staff/metrics').set(supervisor).expect(200)).body.data.rows as MetricsRow[];
  const now = t.clock.now();
  const month = new Date(now.getTime() + 8 * HOUR).toISOString().slice(0, 7);
  const start = t.deps.readDb.datetime(new Date(`${month}-01T00:00:00+08:00`));
  const dt = (d: Date) => t.deps.readDb.datetime(d);
  const knex = t.orm.em.getKnex();
  const count = async (q: ReturnType<typeof knex>) => Number(((await q.count({ n: '*' })) as Array<{ n: number | string }>)[0].n);
  const sum = (f: (r: MetricsRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const resolved = () => knex('ticket').where('resolved_at', '>=', start).where('resolved_at', '<=', dt(now)).whereIn('status', ['resolved', 'closed']);
  const filed = () => knex('ticket').where('created_at', '>=', start).where('created_at', '<=', dt(now));
  const expected: Array<[string, number, number]> = [
    ['callback coverage, eligible', sum((r) => r.callbackCoverage.eligible), await count(resolved().whereIn('type', ['fault', 'complaint', 'installation']))],
    ['complaints', sum((r) => r.complaints.complaints), await count(filed().where('type', 'complaint'))],
    [
      'first response, counted',
      sum((r) => r.firstResponse.total),
      (await count(filed())) - (await count(filed().whereNull('accepted_at').where((q) => q.where('status', 'cancelled').orWhere('created_at', '>', dt(new Date(now.getTime() - 24 * HOUR)))))),
    ],
    [
      'on time, judged',
      sum((r) => r.onTime.reduce((n, c) => n + c.judged, 0)),
      (await count(resolved())) + (await count(knex('ticket').whereIn('status', OPEN).where('deadline_at', '<', dt(now)))),
    ],
    ['on time, on time', sum((r) => r.onTime.reduce((n, c) => n + c.onTime, 0)), await count(resolved().whereRaw('`resolved_at` <= `deadline_at`'))],
  ];
  return expected.filter(([, got, want]) => got !== want).map(([name, got, want]) => `${name}: ${got} ≠ ${want}`);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
  const t = await createTestApp();
  try {
    const staffToken = await signInStaff(t, 'agent1');
    const staff = { Authorization: `Bearer ${staffToken}` };
    const supervisor = { Authorization: `Bearer ${await signInStaff(t, 'supervisor1')}` };
    const phone = '13900001111';
    const auth = { Authorization: `Bearer ${await signInBySms(t, phone)}` };
    const account = await t.request.post('/api/v1/accounts/bind').set(auth).send({ accountNo: '1000000001', holderName: '张三' }).expect(201);
    const me = (await t.request.get('/api/v1/me').set(auth).expect(200)).body.data.id as number;
    const staffId = (await t.request.get('/api/v1/staff/me').set(staff).expect(200)).body.data.id as number;
    const resolved = (
      await t.request
        .post('/api/v1/tickets')
        .set(auth)
        .send({ type: 'fault', accountId: account.body.data.id, description: '电视没有信号，机顶盒指示灯不亮', contactPhone: phone })
        .expect(201)
    ).body.data.id as number;
    await t.request.post(`/api/v1/staff/tickets/${resolved}/claim`).set(staff).expect(200);
    await t.request.post(`/api/v1/staff/tickets/${resolved}/resolve`).set(staff).send({ message: '已更换机顶盒，信号恢复' }).expect(200);
    await t.request.post(`/api/v1/tickets/${resolved}/confirm`).set(auth).expect(200);
    const job = new TicketClockJob(t.deps, t.app.services.tickets.clocks);
    await job.runOnce(); // stores the calendar: from here on it computes only rows not yet computed

    const queues: Array<{ name: string; qs: string }> = [
      { name: 'queue, first page', qs: 'pageSize=20' },
      { name: 'queue, one area', qs: 'pageSize=20&area=xihu' },
      { name: 'queue, overdue', qs: 'pageSize=20&risk=breached' },
      { name: 'queue, page 50', qs: 'pageSize=20&page=50' },
    ];
    const others: Array<{ name: string; get: () => Promise<unknown> }> = [
      { name: 'staff metrics, this month', get: () => t.request.get('/api/v1/staff/metrics').set(supervisor).expect(200) },
      {
        name: 'public scorecard',
        get: () => {
          t.clock.advance(61_000); // a new minute: recomputed, not answered from the minute's copy
          return t.request.get('/api/v1/performance').expect(200);
        },
      },
    ];
    const rows: string[][] = [];
    const setup: string[][] = [];
    let open = 0;
    for (const count of counts) {
      const add = count - open;
      let t0 = Date.now();
      await insertOpenTickets(t, open, add, { id: account.body.data.id, userId: me }, staffId);
      await copyTicket(t, resolved, add);
      const inserted = Date.now() - t0;
      t0 = Date.now();
      const cpu0 = process.cpuUsage();
      const backfill = await job.runOnce();
      const cpu = process.cpuUsage(cpu0);
      if (backfill.recomputed !== add) throw new Error(`backfill computed ${backfill.recomputed}, expected ${add}`);
      // The queue counts' fold job, as it runs every few seconds: the bulk insert's changes folded.
      while ((await t.app.services.tickets.queue.foldQueueCounts()) > 0);
      setup.push([String(count), String(add), `${(inserted / 1000).toFixed(1)} s`, `${((Date.now() - t0) / 1000).toFixed(1)} s`, `${((cpu.user + cpu.system) / add).toFixed(0)} µs`]);
      open = count;
      const total = (await t.request.get('/api/v1/staff/tickets?pageSize=1').set(staff).expect(200)).body.data.total;
      if (total !== open) throw new Error(`queue total ${total}, expected ${open} (the open tickets)`);

      for (const q of queues) {
        for (let i = 0; i < 5; i++) await t.request.get(`/api/v1/staff/tickets?${q.qs}`).set(staff).expect(200);
        const times: number[] = [];
        const c0 = process.cpuUsage();
        for (let i = 0; i < requests; i++) {
          const s = process.hrtime.bigint();
          await t.request.get(`/api/v1/staff/tickets?${q.qs}`).set(staff).expect(200);
          times.push(Number(process.hrtime.bigint() - s) / 1e6);
        }
        const c = process.cpuUsage(c0);
        times.sort((a, b) => a - b);
        rows.push([q.name, String(open), pct(times, 50).toFixed(1), pct(times, 99).toFixed(1), ((c.user + c.system) / 1e3 / requests).toFixed(2)]);
      }
      for (const read of others) {
        await read.get();
        const times: number[] = [];
        const c0 = process.cpuUsage();
        for (let i = 0; i < metricsRequests; i++) {
          const s = process.hrtime.bigint();
          await read.get();
          times.push(Number(process.hrtime.bigint() - s) / 1e6);
        }
        const c = process.cpuUsage(c0);
        times.sort((a, b) => a - b);
        rows.push([read.name, `${open} + ${open}`, pct(times, 50).toFixed(1), pct(times, 99).toFixed(1), ((c.user + c.system) / 1e3 / metricsRequests).toFixed(2)]);
      }

      // Every ticket's stored clock against the clock computed from its facts now.
      let afterId = 0;
      let checked = 0;
      const drifted: number[] = [];
      for (;;) {
        const r = await t.app.services.tickets.clocks.storedClockDrift(afterId, 5000);
        if (r.checked === 0) break;
        checked += r.checked;
        drifted.push(...r.drifted);
        afterId = r.lastId;
      }
      console.log(`${open} open: stored deadline equals the computed one for ${checked - drifted.length} of ${checked} tickets`);
      if (drifted.length > 0) throw new Error(`stored clock differs from the computed one for ${drifted.length} tickets, e.g. ${drifted.slice(0, 10).join(', ')}`);
      // This month's staff metrics, summed over the areas, against plain COUNTs of the tickets (every clock is stored here).
      const metricsDrift = await metricsAgainstCounts(t, supervisor);
      console.log(`${open} open: staff metrics equal the counted figures${metricsDrift.length ? ` except ${metricsDrift.join('; ')}` : ''}`);
      if (metricsDrift.length > 0) throw new Error(`staff metrics differ from the counts: ${metricsDrift.join('; ')}`);
      // The queue's kept counts (its total) against a COUNT of the tickets.
      const countDrift = await t.app.services.tickets.queue.queueCountDrift();
      console.log(`${open} open: kept queue counts equal the counted ones${countDrift.length ? ` except ${countDrift.length}` : ''}`);
      if (countDrift.length > 0) throw new Error(`kept queue counts differ: ${JSON.stringify(countDrift.slice(0, 5))}`);
    }
    printTable(`Building the backlog — ${t.config.db.type}`, ['open tickets', 'added', 'bulk insert', 'clock backfill', 'CPU per ticket'], setup);
    printTable(`Ticket reads at scale — ${t.config.db.type}, ${requests} queue requests per row (${metricsRequests} for metrics)`, ['read', 'open tickets', 'p50 ms', 'p99 ms', 'CPU ms per request'], rows);
  } finally {
    if (process.argv.includes('--keep')) console.log(`kept: ${t.config.db.type === 'mysql' ? t.config.db.url : t.config.db.path}`);
    else await t.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
