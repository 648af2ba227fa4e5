import { createTestApp, type TestApp } from '../../../test/harness';
import { signedHeaders } from '../../integrations/workorder/workorder.protocol';
import { HOUR, bj, createStaff, createSubscriber, fileTicket, type StaffFixture } from './tickets.fixtures';
import { QUEUE_COUNT_CAP } from './ticket-queue';

/**
 * The staff queue's total from the kept counts (issue 18: change rows appended by triggers on
 * `ticket`, folded into `ticket_queue_count` by a job): equal to a COUNT of the tickets after every
 * kind of change, folded or not, and what the queue answers.
 */
let t: TestApp;
let agent: StaffFixture;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: bj('2026-12-01T09:00') });
  agent = await createStaff(t, 'qc_agent', 'agent', '赵敏', 'KF3101');
}, 120_000);
afterAll(() => t.close());

const total = async (qs = '') => (await t.request.get(`/api/v1/staff/tickets?pageSize=1&${qs}`).set(agent.auth).expect(200)).body.data.total as number;

test('the kept counts follow filing, claiming, work-order updates, resolving, reopening and cancelling, and answer the queue’s totals', async () => {
  const drift = () => t.app.services.tickets.queue.queueCountDrift();
  expect(await drift()).toEqual([]);
  const u = await createSubscriber(t, 'fuyang');
  const v = await createSubscriber(t, 'tonglu');
  const a = await fileTicket(t, u);
  const b = await fileTicket(t, u, { type: 'complaint', description: '营业厅工作人员态度不好，要求答复' });
  const c = await fileTicket(t, v);
  expect(await drift()).toEqual([]);
  expect(await total('area=fuyang')).toBe(2);
  expect(await total('area=fuyang&assigned=unclaimed')).toBe(2);
  expect(await total('area=fuyang&type=complaint')).toBe(1);

  await t.request.post(`/api/v1/staff/tickets/${a}/claim`).set(agent.auth).expect(200);
  expect(await drift()).toEqual([]);
  expect(await total('area=fuyang&assigned=unclaimed')).toBe(1);
  expect(await total('area=fuyang&status=accepted')).toBe(1);

  t.clock.advance(HOUR);
  const body = JSON.stringify({ eventId: `qc-${a}`, ticketId: a, orderNo: `WO${a}`, status: 'dispatched', occurredAt: t.clock.now().toISOString(), technicianName: '李师傅', technicianJobNo: 'W1' });
  await t.request.post('/api/v1/integrations/work-orders/events').set(signedHeaders(t.config.workorder.secret, body, t.clock.now(), `qc-${a}`)).send(body).expect(200);
  expect(await total('area=fuyang&status=dispatched')).toBe(1);
  await t.request.post(`/api/v1/staff/tickets/${a}/resolve`).set(agent.auth).send({ message: '已更换光猫，网络恢复' }).expect(200);
  // Resolved tickets stay in the default queue (until the subscriber confirms).
  expect(await total('area=fuyang')).toBe(2);
  await t.request.post(`/api/v1/tickets/${a}/reopen`).set(u.auth).send({ reason: '还是上不了网' }).expect(200);
  expect(await total('area=fuyang&status=accepted')).toBe(1);
  await t.request.post(`/api/v1/tickets/${c}/cancel`).set(v.auth).send({ reason: '已自行解决' }).expect(200);
  expect(await total('area=tonglu')).toBe(0);
  expect(await drift()).toEqual([]);
  // Folded (the job), the totals and the counts are the same, and nothing is left to fold.
  const before = await total('area=fuyang');
  expect(await t.app.services.tickets.queue.foldQueueCounts()).toBeGreaterThan(0);
  expect(await t.app.services.tickets.queue.foldQueueCounts()).toBe(0);
  expect(await total('area=fuyang')).toBe(before);
  expect(await drift()).toEqual([]);
  const d = await fileTicket(t, v);
  expect(await total('area=tonglu')).toBe(1);
  expect(await drift()).toEqual([]);
  expect(d).toBeGreaterThan(c);

  // Every total from the kept counts is the COUNT the clock filters still make.
  for (const qs of ['', 'area=fuyang', 'type=complaint', 'assigned=unclaimed', 'status=submitted', 'area=fuyang&type=fault&assigned=unclaimed']) {
    const counted = await t.deps.readDb.rows<{ n: number | string }>(
      'select count(*) as `n` from `ticket` where `status` in (?, ?, ?, ?, ?, ?)',
      ['submitted', 'accepted', 'dispatched', 'en_route', 'on_site', 'resolved'],
    );
    if (qs === '') expect(await total(qs)).toBe(Number(counted[0].n));
    expect(await total(qs)).toBe((await t.request.get(`/api/v1/staff/tickets?pageSize=100&${qs}`).set(agent.auth).expect(200)).body.data.items.length);
  }
  expect(b).toBeGreaterThan(0);
});

test('folding while tickets are filed and claimed loses and doubles nothing', async () => {
  const queue = t.app.services.tickets.queue;
  const us = await Promise.all([0, 1, 2, 3].map(() => createSubscriber(t, 'fuyang')));
  const filed = await Promise.all([queue.foldQueueCounts(), ...us.map((u) => fileTicket(t, u)), queue.foldQueueCounts()]);
  await Promise.all([queue.foldQueueCounts(), ...filed.slice(1, 3).map((id) => t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200)), queue.foldQueueCounts()]);
  expect(await queue.queueCountDrift()).toEqual([]);
  while ((await queue.foldQueueCounts()) > 0);
  expect(await queue.queueCountDrift()).toEqual([]);
});

test('a filter on the clock counts its tickets up to the cap, and past it says "at least"', async () => {
  const u = await createSubscriber(t, 'jiande');
  const first = await fileTicket(t, u);
  t.clock.advance(30 * 24 * HOUR); // a month on: every ticket filed so far is overdue
  const late = await createStaff(t, 'qc_agent_late', 'agent', '钱七', 'KF3102'); // the first agent's session has ended
  const overdue = async () => (await t.request.get('/api/v1/staff/tickets?pageSize=20&risk=breached&area=jiande').set(late.auth).expect(200)).body.data;
  expect(await overdue()).toMatchObject({ total: 1 });
  expect((await overdue()).totalCapped).toBeUndefined();
  // Copies of the overdue ticket (its stored clock included) until there are as many as the cap, then one more.
  const knex = t.orm.em.getKnex();
  const [row] = await knex('ticket').where('id', first);
  const { id: _id, ...rest } = row as Record<string, unknown>;
  const add = async (n: number) => {
    for (let i = 0; i < n; i += 500) await knex('ticket').insert(Array.from({ length: Math.min(500, n - i) }, () => ({ ...rest })));
  };
  await add(QUEUE_COUNT_CAP - 1);
  expect(await overdue()).toMatchObject({ total: QUEUE_COUNT_CAP });
  expect((await overdue()).totalCapped).toBeUndefined();
  await add(1);
  const capped = await overdue();
  expect(capped).toMatchObject({ total: QUEUE_COUNT_CAP, totalCapped: true });
  expect(capped.items).toHaveLength(20);
  // The kept counts (no clock filter) still give the exact number.
  expect((await t.request.get('/api/v1/staff/tickets?pageSize=1&area=jiande').set(late.auth).expect(200)).body.data).toMatchObject({ total: QUEUE_COUNT_CAP + 1 });
}, 120_000);
