import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestApp, type TestApp } from '../../../test/harness';
import { Bill } from '../billing/bill.entity';
import { Ticket } from './ticket.entity';
import { TicketClockJob, changedDateRange } from './ticket-clock.job';
import { QUEUE_KEY } from './ticket-clocks';
import { HOUR, bj, createStaff, createSubscriber, fileTicket, type StaffFixture, type SubscriberFixture } from './tickets.fixtures';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');

let t: TestApp;
let agent: StaffFixture;
let supervisor: StaffFixture;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
  agent = await createStaff(t, 'clk_agent', 'agent', '王芳', 'KF1001');
  supervisor = await createStaff(t, 'clk_super', 'supervisor', '陈静', 'KF2001');
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

const staffPost = (id: number, action: string, s: StaffFixture, body: Record<string, unknown> = {}) => t.request.post(`/api/v1/staff/tickets/${id}/${action}`).set(s.auth).send(body);

/** The clock stored on the row. */
async function stored(id: number): Promise<{ deadlineAt: string | null; queueKey: number | null }> {
  const row = await t.orm.em.fork().findOneOrFail(Ticket, id);
  return { deadlineAt: row.deadlineAt?.toISOString() ?? null, queueKey: row.queueKey === null ? null : Number(row.queueKey) };
}

/** The clock the subscriber's page computes now, and no ticket whose stored clock differs from it. */
async function expectStoredAsShown(u: SubscriberFixture, id: number): Promise<{ deadlineAt: string | null; queueKey: number | null }> {
  const clock = (await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200)).body.data.clock;
  const s = await stored(id);
  expect(s.deadlineAt).toBe(clock?.deadline ?? null);
  expect((await t.app.services.tickets.clocks.storedClockDrift(id - 1, 1)).drifted).toEqual([]);
  return s;
}

test('the stored deadline follows filing, pause and resumption, an approved extension, resolution, reopening and cancellation', async () => {
  // Filed 45 hours before BASE, so every step below falls within the staff sessions signed in at BASE.
  const E = BASE.getTime() - 45 * HOUR;
  t.clock.set(new Date(E));
  const u = await createSubscriber(t);
  const id = await fileTicket(t, u); // a 24-hour fault
  expect(await expectStoredAsShown(u, id)).toEqual({ deadlineAt: new Date(E + 24 * HOUR).toISOString(), queueKey: E + 24 * HOUR });
  await staffPost(id, 'claim', agent).expect(200);

  t.clock.set(new Date(E + 2 * HOUR));
  await staffPost(id, 'request-information', agent, { message: '请提供光猫背面的设备编号' }).expect(200);
  // Paused: no deadline; in the queue by the 22 hours it had left, after every running ticket.
  expect(await expectStoredAsShown(u, id)).toEqual({ deadlineAt: null, queueKey: QUEUE_KEY.PAUSED + 22 * HOUR });

  t.clock.set(new Date(E + 5 * HOUR));
  await t.request.post(`/api/v1/tickets/${id}/information`).set(u.auth).send({ message: '设备编号 ZX-88812' }).expect(200);
  expect((await expectStoredAsShown(u, id)).deadlineAt).toBe(new Date(E + 27 * HOUR).toISOString());

  const ext = await staffPost(id, 'extensions', agent, { amount: 24, unit: 'hours', reason: '需更换主干光缆' }).expect(201);
  expect((await stored(id)).deadlineAt).toBe(new Date(E + 27 * HOUR).toISOString()); // asked for: nothing moves
  await t.request.post(`/api/v1/staff/tickets/${id}/extensions/${ext.body.data.extensionRequests[0].id}/decision`).set(supervisor.auth).send({ approve: true }).expect(200);
  expect((await expectStoredAsShown(u, id)).deadlineAt).toBe(new Date(E + 51 * HOUR).toISOString());

  // Resolved, then reopened by the subscriber after the deadline had passed: late from then on.
  t.clock.set(new Date(E + 6 * HOUR));
  await staffPost(id, 'resolve', agent, { message: '已更换光猫' }).expect(200);
  await expectStoredAsShown(u, id);
  t.clock.set(new Date(E + 52 * HOUR));
  await t.request.post(`/api/v1/tickets/${id}/reopen`).set(u.auth).send({ reason: '还是不能上网' }).expect(200);
  await expectStoredAsShown(u, id);
  const breached = (await t.request.get('/api/v1/staff/tickets?risk=breached&pageSize=100').set(agent.auth).expect(200)).body.data.items;
  expect(breached.map((x: { id: number }) => x.id)).toContain(id);

  const withdrawn = await fileTicket(t, u);
  await t.request.post(`/api/v1/tickets/${withdrawn}/cancel`).set(u.auth).send({ reason: '已自行恢复' }).expect(200);
  expect(await stored(withdrawn)).toEqual({ deadlineAt: null, queueKey: QUEUE_KEY.NONE });
});

test('a restoration waiting for arrears is stored paused, and gets its deadline when the job starts its clock at the payment', async () => {
  const u = await createSubscriber(t, 'shangcheng');
  const em = t.orm.em.fork();
  const bill = Object.assign(new Bill(), { accountId: u.accountId, period: '2026-10', amountFen: 12_000, lateFeeFen: 0, dueDate: '2026-11-20', status: 'unpaid' as const, createdAt: BASE });
  await em.persistAndFlush(bill);
  const id = await fileTicket(t, u, { type: 'restoration', description: '欠费停机，申请复通有线电视' });
  expect((await expectStoredAsShown(u, id)).deadlineAt).toBeNull();
  await em.nativeUpdate(Bill, { id: bill.id }, { status: 'paid', paidAt: bj('2026-12-03T16:00'), paidChannel: 'counter' });
  t.clock.set(bj('2026-12-03T17:00'));
  expect(await t.app.services.tickets.arrears.resumeAfterArrears()).toBe(1);
  expect((await expectStoredAsShown(u, id)).deadlineAt).toBe(new Date('2026-12-11T00:00:00+08:00').toISOString());
});

test('the dates a calendar change touches', () => {
  const y = (holidays: string[], workdays: string[] = []) => ({ '2026': { holidays, workdays } });
  expect(changedDateRange(y(['2026-10-01']), y(['2026-10-01']))).toBeNull();
  expect(changedDateRange(y(['2026-10-01']), y(['2026-10-01', '2026-12-03']))).toEqual({ from: '2026-12-03', to: '2026-12-03' });
  expect(changedDateRange(y(['2026-10-01'], ['2026-10-10']), y(['2026-10-02'], []))).toEqual({ from: '2026-10-01', to: '2026-10-10' });
});

test('a holiday-calendar change recomputes the open working-day clocks it moves, once across instances; the first run backfills every ticket', async () => {
  const u = await createSubscriber(t, 'yuhang');
  const complaint = await fileTicket(t, u, { type: 'complaint', description: '营业厅排队时间太长，服务态度差' }); // 3 working days: Fri 4 Dec 24:00
  const fault = await fileTicket(t, u);
  expect((await stored(complaint)).deadlineAt).toBe(new Date('2026-12-05T00:00:00+08:00').toISOString());
  // A row written before the columns existed: not computed until the job runs.
  await t.orm.em.fork().nativeUpdate(Ticket, { id: fault }, { deadlineAt: null, queueKey: null });

  const first = await new TicketClockJob(t.deps, t.app.services.tickets.clocks).runOnce();
  expect(first.ran).toBe(true);
  expect(first.recomputed).toBeGreaterThanOrEqual(2); // no calendar stored yet: every ticket
  expect((await stored(fault)).deadlineAt).toBe(new Date(BASE.getTime() + 24 * HOUR).toISOString());
  expect(await new TicketClockJob(t.deps, t.app.services.tickets.clocks).runOnce()).toEqual({ ran: true, recomputed: 0, changed: 0 });

  // The operator declares Thursday 3 December a holiday; instances start on the new calendar.
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'openhall-config-'));
  try {
    cpSync(path.join(__dirname, '../../../../config'), configDir, { recursive: true });
    const holidays = JSON.parse(readFileSync(path.join(configDir, 'holidays.json'), 'utf8'));
    holidays.years['2026'].holidays.push('2026-12-03');
    writeFileSync(path.join(configDir, 'holidays.json'), JSON.stringify(holidays));
    const next = await createTestApp({ sameDatabaseAs: t, env: { CONFIG_DIR: configDir } });
    try {
      next.clock.set(BASE);
      const runs = await Promise.all([0, 1].map(() => new TicketClockJob(next.deps, next.app.services.tickets.clocks).runOnce()));
      expect(runs.filter((r) => r.ran)).toHaveLength(1);
      // Only working-day clocks are recomputed (here every one spans 3 December), hour clocks are not.
      const [{ n: workingDayClocks }] = await t.orm.em.getKnex()('ticket').where('target_unit', 'working_days').count({ n: '*' });
      expect(runs.find((r) => r.ran)).toMatchObject({ recomputed: Number(workingDayClocks) });
      expect(Number(workingDayClocks)).toBeLessThan(await t.orm.em.fork().count(Ticket, {}));
      // The complaint: Wed 2, Fri 4, Mon 7 → Mon 7 December 24:00.
      expect((await stored(complaint)).deadlineAt).toBe(new Date('2026-12-08T00:00:00+08:00').toISOString());
      expect((await stored(fault)).deadlineAt).toBe(new Date(BASE.getTime() + 24 * HOUR).toISOString());
      expect((await next.app.services.tickets.clocks.storedClockDrift(0, 10_000)).drifted).toEqual([]);
      expect(await new TicketClockJob(next.deps, next.app.services.tickets.clocks).isCurrent()).toBe(true);
      expect(await new TicketClockJob(t.deps, t.app.services.tickets.clocks).isCurrent()).toBe(false);
    } finally {
      await next.close();
    }
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
});
