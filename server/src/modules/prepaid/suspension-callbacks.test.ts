import type { BillingRecord, MetricsView, SuspensionCallbackView } from '@openhall/shared';
import { createTestApp, onMysql, signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { Account } from '../accounts/account.entity';
import { AuditLog } from '../audit/audit-log.entity';
import { RecordApplier } from '../billing-records/record-applier';
import { DEMO_FIXTURES } from '../../seeders/demo-fixtures';
import { SuspensionCallbackJob } from './suspension-callback.job';
import { SuspensionCallback } from './suspension-callback.entity';

/**
 * The callbacks of accounts suspended for arrears (停机用户回访): the job's sweep (one task per
 * suspension, however many runs and instances), the queue, outcomes and retries, restoration
 * closing a task, who may see it, and the coverage in the staff metrics.
 */

const HOUR = 3_600_000;
/** Thursday 10 December 2026, 10:00 business time: the seed's suspension (five days earlier) is in December. */
const NOW = new Date('2026-12-10T10:00:00+08:00');

let t: TestApp;
let agent: Record<string, string>;
let supervisor: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  agent = { Authorization: `Bearer ${await signInStaff(t, 'agent1')}` };
  supervisor = { Authorization: `Bearer ${await signInStaff(t, 'supervisor1')}` };
}, 60_000);
afterAll(() => t.close());
beforeEach(() => t.clock.set(NOW));

const job = (app = t) => new SuspensionCallbackJob(app.deps, app.app.services.suspensionCallbacks);
const tasksOf = (accountId: number) => t.orm.em.fork().find(SuspensionCallback, { accountId }, { orderBy: { id: 'asc' } });
const queue = async (query = '', who = agent) => (await t.request.get(`/api/v1/staff/suspension-callbacks${query}`).set(who).expect(200)).body.data as { items: SuspensionCallbackView[]; total: number };
const record = (id: number, body: Record<string, unknown>, who = agent) => t.request.post(`/api/v1/staff/suspension-callbacks/${id}/outcome`).set(who).send(body);
const listed = async (accountId: number, query = '?pageSize=100') => (await queue(query)).items.find((x) => x.accountId === accountId);

let seq = 0;
/** A prepaid account suspended for arrears at `suspendedAt` (null: the billing system did not say when), owing `balanceFen`. */
async function suspendedAccount(opts: { area?: string; suspendedAt?: Date | null; balanceFen?: number } = {}): Promise<Account> {
  seq += 1;
  const em = t.orm.em.fork();
  const account = Object.assign(new Account(), {
    accountNo: String(3_200_000_000 + seq),
    serviceType: 'broadband',
    holderName: '欧阳修',
    holderPhone: `1390000${String(seq).padStart(4, '0')}`,
    address: '拱墅区和睦路 1 号',
    area: opts.area ?? 'yuhang',
    prepaid: true,
    balanceFen: opts.balanceFen ?? -1500,
    status: 'suspended',
    suspendedFor: 'arrears',
    suspendedAt: opts.suspendedAt === undefined ? new Date(NOW.getTime() - HOUR) : opts.suspendedAt,
    createdAt: NOW,
  });
  await em.persistAndFlush(account);
  return account;
}

const setAccount = (id: number, changes: Partial<Account>) => t.orm.em.fork().nativeUpdate(Account, { id }, changes);

/** Records applied as the billing system's inlet applies a chunk of a batch. */
const applyRecords = (records: BillingRecord[]) =>
  t.orm.em.fork().transactional((tx) =>
    new RecordApplier(new Set(t.config.operator.areas.map((a) => a.code)), () => t.clock.now(), t.app.services.balances).applyChunk(
      tx,
      records.map((record, i) => ({ line: i + 1, record })),
    ),
  );

describe('the sweep', () => {
  test('the seed’s account suspended for arrears gets one task, due 72 hours after the suspension, however often and from however many instances the job runs', async () => {
    const fx = DEMO_FIXTURES.prepaidSuspended;
    const account = await t.orm.em.fork().findOneOrFail(Account, { accountNo: fx.accountNo });
    expect(await tasksOf(account.id)).toEqual([]);

    const other = await createTestApp({ sameDatabaseAs: t, now: NOW });
    try {
      // Both instances sweeping, even without the lease: the unique keys let one task in. At once on
      // MySQL; on SQLite one after the other (two instances in one process cannot both be writing
      // there: better-sqlite3 waits for the file's lock synchronously, holding up the other).
      const sweepWithoutLease = (app: TestApp) => app.app.services.suspensionCallbacks.sweep(app.orm.em.fork(), NOW);
      const sweeps = onMysql ? await Promise.all([sweepWithoutLease(t), sweepWithoutLease(other)]) : [await sweepWithoutLease(t), await sweepWithoutLease(other)];
      expect(sweeps.reduce((n, r) => n + r.opened, 0)).toBe(1);
      // The job on both at once, then again one after the other: nothing more.
      const runs = await Promise.all([job().runOnce(), job(other).runOnce()]);
      expect(runs.reduce((n, r) => n + r.opened, 0)).toBe(0);
      expect(runs.some((r) => r.ran)).toBe(true);
      expect(await job(other).runOnce()).toEqual({ ran: true, opened: 0, restored: 0 });
      expect((await job().runOnce()).opened).toBe(0);
    } finally {
      await other.close();
    }
    const tasks = await tasksOf(account.id);
    expect(tasks).toHaveLength(1);
    const suspendedAt = account.suspendedAt!.getTime();
    expect(suspendedAt).toBe(NOW.getTime() - fx.suspendedDaysAgo * 24 * HOUR + 2 * HOUR);
    expect(await t.orm.em.fork().count(AuditLog, { action: 'suspension_callback.open', entityId: String(account.id) })).toBe(1);

    // In the queue: the account, the holder masked, the phone to call, balance and arrears; due long ago.
    expect(await listed(account.id, '?area=gongshu&overdue=true')).toEqual({
      id: tasks[0].id,
      accountId: account.id,
      accountNo: fx.accountNo,
      holderName: '孙*',
      phone: fx.phone,
      area: 'gongshu',
      areaName: expect.any(String),
      balanceFen: fx.balanceFen,
      arrearsFen: -fx.balanceFen,
      suspendedAt: new Date(suspendedAt).toISOString(),
      status: 'open',
      attempts: 0,
      maxAttempts: 3,
      dueAt: new Date(suspendedAt + 72 * HOUR).toISOString(),
      overdue: true,
      callBy: new Date(suspendedAt + 72 * HOUR).toISOString(),
      late: true,
      outcome: null,
      note: null,
      lastAttemptAt: null,
      createdAt: NOW.toISOString(),
      completedAt: null,
    });
    // The active prepaid account of the seed has none.
    const active = await t.orm.em.fork().findOneOrFail(Account, { accountNo: DEMO_FIXTURES.prepaidActive.accountNo });
    expect(await tasksOf(active.id)).toEqual([]);
  });

  test('an account suspended without a stated time gets one task all the same, counted from when the job found it', async () => {
    const account = await suspendedAccount({ suspendedAt: null });
    await job().runOnce();
    t.clock.advance(10 * 60_000);
    await job().runOnce();
    const tasks = await tasksOf(account.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ suspendedAt: NOW, dueAt: new Date(NOW.getTime() + 72 * HOUR), currentAccountId: account.id });
  });

  test('the queue filters by status, area and overdue, soonest due first, and takes empty filters as none', async () => {
    const later = await suspendedAccount({ area: 'shangcheng', suspendedAt: new Date(NOW.getTime() - 2 * HOUR) });
    const sooner = await suspendedAccount({ area: 'shangcheng', suspendedAt: new Date(NOW.getTime() - 80 * HOUR) });
    await job().runOnce();
    const inArea = (await queue('?area=shangcheng')).items.map((x) => x.accountId);
    expect(inArea).toEqual([sooner.id, later.id]);
    expect((await queue('?area=shangcheng&overdue=true')).items.map((x) => x.accountId)).toEqual([sooner.id]);
    expect((await queue('?status=done&area=shangcheng')).items).toEqual([]);
    expect((await queue('?area=binjiang')).items.map((x) => x.accountId)).not.toContain(later.id);
    expect((await queue('?status=open&area=&overdue=&pageSize=100')).items.map((x) => x.accountId)).toEqual(expect.arrayContaining([sooner.id, later.id]));
    const paged = await queue('?area=shangcheng&pageSize=1&page=2');
    expect(paged).toMatchObject({ total: 2, items: [expect.objectContaining({ accountId: later.id })] });
    await t.request.get('/api/v1/staff/suspension-callbacks?status=closed').set(agent).expect(400);
  });
});

describe('outcomes', () => {
  test('an answered call completes the task once: a second outcome is refused with 409, and each is audit-logged', async () => {
    const account = await suspendedAccount();
    await job().runOnce();
    const [task] = await tasksOf(account.id);
    await record(task.id, { outcome: 'not_paying' }).expect(400);
    await record(999_999, { outcome: 'will_pay' }).expect(404);

    const done = await record(task.id, { outcome: 'will_pay', note: '用户表示明天到营业厅缴费' }).expect(200);
    expect(done.body.data).toMatchObject({ status: 'done', outcome: 'will_pay', note: '用户表示明天到营业厅缴费', attempts: 1, late: false, completedAt: NOW.toISOString() });
    const again = await record(task.id, { outcome: 'price' }).expect(409);
    expect(again.body.error.code).toBe('CALLBACK_CLOSED');
    expect(await listed(account.id)).toBeUndefined();
    expect(await listed(account.id, '?status=done&pageSize=100')).toMatchObject({ outcome: 'will_pay' });
    const audit = await t.orm.em.fork().find(AuditLog, { action: 'suspension_callback.record', entityId: String(task.id) });
    expect(audit).toHaveLength(1);
    expect(audit[0].detail).toMatchObject({ accountId: account.id, outcome: 'will_pay', status: 'done' });
  });

  test('two agents recording at once: one wins, the other is told it is taken', async () => {
    const account = await suspendedAccount();
    await job().runOnce();
    const [task] = await tasksOf(account.id);
    const agent2 = { Authorization: `Bearer ${await signInStaff(t, 'agent2')}` };
    const answers = await Promise.all([record(task.id, { outcome: 'moved_away' }), record(task.id, { outcome: 'switched_provider' }, agent2)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect((await tasksOf(account.id))[0].attempts).toBe(1);
  });

  test('unreachable is retried 4 hours later, no later than the 72-hour mark, and the third gives the task up', async () => {
    const account = await suspendedAccount({ suspendedAt: new Date(NOW.getTime() - 70 * HOUR) });
    await job().runOnce();
    const [task] = await tasksOf(account.id);
    const callBy = NOW.getTime() + 2 * HOUR;
    // At 70 hours: the next attempt is due at the 72-hour mark, not 4 hours on.
    expect((await record(task.id, { outcome: 'unreachable', note: '无人接听' }).expect(200)).body.data).toMatchObject({ status: 'open', attempts: 1, outcome: null, dueAt: new Date(callBy).toISOString() });
    t.clock.set(new Date(callBy + HOUR)); // past the mark: 4 hours on, and late
    const second = (await record(task.id, { outcome: 'unreachable' }).expect(200)).body.data;
    expect(second).toMatchObject({ status: 'open', attempts: 2, dueAt: new Date(callBy + 5 * HOUR).toISOString(), late: true });
    t.clock.set(new Date(callBy + 5 * HOUR));
    expect((await record(task.id, { outcome: 'unreachable' }).expect(200)).body.data).toMatchObject({ status: 'unreachable', outcome: 'unreachable', attempts: 3 });
    expect((await record(task.id, { outcome: 'will_pay' }).expect(409)).body.error.code).toBe('CALLBACK_CLOSED');
    expect(await listed(account.id, '?status=unreachable&pageSize=100')).toMatchObject({ attempts: 3, maxAttempts: 3 });
    expect(await t.orm.em.fork().count(AuditLog, { action: 'suspension_callback.record', entityId: String(task.id) })).toBe(3);
  });
});

describe('restoration', () => {
  test('restored before anyone reached the subscriber: the open task closes as restored at the next sweep; a done one stays done', async () => {
    const open = await suspendedAccount();
    const called = await suspendedAccount();
    await job().runOnce();
    const [calledTask] = await tasksOf(called.id);
    await record(calledTask.id, { outcome: 'unreachable' }).expect(200);
    const [openTask] = await tasksOf(open.id);
    await record(openTask.id, { outcome: 'unreachable' }).expect(200); // tried, not reached: still open
    await record(calledTask.id, { outcome: 'service_quality', note: '网速慢' }).expect(200);

    for (const a of [open, called]) await setAccount(a.id, { status: 'active', suspendedFor: null, suspendedAt: null, balanceFen: 500 });
    t.clock.advance(5 * 60_000);
    expect(await job().runOnce()).toMatchObject({ ran: true, restored: 1, opened: 0 });
    expect(await tasksOf(open.id)).toEqual([expect.objectContaining({ status: 'restored', currentAccountId: null, completedAt: t.clock.now() })]);
    expect(await tasksOf(called.id)).toEqual([expect.objectContaining({ status: 'done', outcome: 'service_quality', currentAccountId: null })]);
    expect(await listed(open.id, '?status=restored&pageSize=100')).toMatchObject({ status: 'restored', late: false });
    await record(openTask.id, { outcome: 'will_pay' }).expect(409);
    expect(await t.orm.em.fork().count(AuditLog, { action: 'suspension_callback.restored', entityId: String(openTask.id) })).toBe(1);

    // Suspended for arrears again later: a new suspension, a new task.
    await setAccount(open.id, { status: 'suspended', suspendedFor: 'arrears', suspendedAt: t.clock.now(), balanceFen: -300 });
    await job().runOnce();
    expect((await tasksOf(open.id)).map((x) => x.status)).toEqual(['restored', 'open']);
  });

  test('the billing system reporting the restoration closes the task at once, in the import', async () => {
    const accountNo = '3300000001';
    const base = {
      type: 'account' as const,
      id: accountNo,
      holderName: '钱多多',
      holderPhone: '13900001111',
      address: '余杭区文一西路 9 号',
      area: 'yuhang',
      serviceType: 'broadband' as const,
      concession: null,
      prepaid: true,
    };
    const suspendedAt = new Date(NOW.getTime() - 3 * HOUR);
    await applyRecords([{ ...base, version: 1, status: 'suspended', suspendedFor: 'arrears', suspendedAt: suspendedAt.toISOString() }]);
    const account = await t.orm.em.fork().findOneOrFail(Account, { accountNo });
    await job().runOnce();
    expect(await tasksOf(account.id)).toEqual([expect.objectContaining({ status: 'open', suspendedAt })]);

    // Suspended anew within one batch (restored and stopped again): the old task closes, the next sweep opens one for the new suspension.
    const again = new Date(NOW.getTime() - HOUR);
    await applyRecords([{ ...base, version: 2, status: 'suspended', suspendedFor: 'arrears', suspendedAt: again.toISOString() }]);
    expect(await job().runOnce()).toMatchObject({ restored: 1, opened: 1 });
    expect((await tasksOf(account.id)).map((x) => [x.status, x.suspendedAt.getTime()])).toEqual([
      ['restored', suspendedAt.getTime()],
      ['open', again.getTime()],
    ]);

    // Restored through the inlet: closed in the same transaction, before any sweep.
    await applyRecords([{ ...base, version: 3, status: 'active' }]);
    expect((await tasksOf(account.id)).map((x) => x.status)).toEqual(['restored', 'restored']);
    expect(await job().runOnce()).toMatchObject({ restored: 0, opened: 0 });
  });
});

describe('who may use it', () => {
  test('subscribers and strangers get 401; agents work the queue but do not see the metrics (403)', async () => {
    const account = await suspendedAccount();
    await job().runOnce();
    const [task] = await tasksOf(account.id);
    const subscriber = { Authorization: `Bearer ${await signInBySms(t, '13700000451', '10.45.0.1')}` };
    await t.request.get('/api/v1/staff/suspension-callbacks').set(subscriber).expect(401);
    await t.request.post(`/api/v1/staff/suspension-callbacks/${task.id}/outcome`).set(subscriber).send({ outcome: 'will_pay' }).expect(401);
    await t.request.get('/api/v1/staff/suspension-callbacks').expect(401);
    await t.request.get('/api/v1/staff/metrics').set(agent).expect(403);
    await t.request.get(`/api/v1/staff/accounts/${account.id}/ledger`).set(agent).expect(200);
    expect((await tasksOf(account.id))[0].status).toBe('open');
  });
});

describe('coverage in the staff metrics', () => {
  test('per area and month: suspensions for arrears, reached by phone, restored (no call needed), unreachable, pending', async () => {
    const area = 'chunan';
    const dec = (h: number) => new Date(NOW.getTime() - h * HOUR);
    const [willPay, unreachable, restored] = [await suspendedAccount({ area, suspendedAt: dec(5) }), await suspendedAccount({ area, suspendedAt: dec(6) }), await suspendedAccount({ area, suspendedAt: dec(7) })];
    await suspendedAccount({ area, suspendedAt: dec(8) }); // pending
    const november = await suspendedAccount({ area, suspendedAt: new Date('2026-11-20T09:00:00+08:00') });
    await job().runOnce();
    const task = async (a: Account) => (await tasksOf(a.id))[0].id;
    await record(await task(willPay), { outcome: 'will_pay' }).expect(200);
    for (let i = 0; i < 3; i++) await record(await task(unreachable), { outcome: 'unreachable' }).expect(200);
    await record(await task(november), { outcome: 'switched_provider' }).expect(200);
    await setAccount(restored.id, { status: 'active', suspendedFor: null, suspendedAt: null });
    await job().runOnce();

    const metrics = (await t.request.get(`/api/v1/staff/metrics?from=2026-11&to=2026-12&area=${area}`).set(supervisor).expect(200)).body.data as MetricsView;
    const row = (month: string) => metrics.rows.find((r) => r.month === month && r.area === area)!;
    expect(row('2026-12').suspensionCallbackCoverage).toEqual({ suspensions: 4, restored: 1, calledBack: 1, unreachable: 1, pending: 1, rate: 0.3333 });
    expect(row('2026-11').suspensionCallbackCoverage).toEqual({ suspensions: 1, restored: 0, calledBack: 1, unreachable: 0, pending: 0, rate: 1 });
    // Beside the ticket callbacks' coverage, which has nothing to count here.
    expect(row('2026-12').callbackCoverage).toMatchObject({ eligible: 0, rate: null });
  });
});
