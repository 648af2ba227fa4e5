import type http from 'node:http';
import { createTestApp, onMysql, type TestApp } from '../../../test/harness';
import { OutboxMessage } from '../../modules/outbox/outbox-message.entity';
import { TicketPause } from '../../modules/tickets/ticket-pause.entity';
import { Ticket } from '../../modules/tickets/ticket.entity';
import { HOUR, bj, createStaff, createSubscriber, fileTicket, type StaffFixture, type SubscriberFixture } from '../../modules/tickets/tickets.fixtures';
import type { WorkOrderTopicOptions } from './workorder.outbox';
import { workOrderRunner } from './workorder.test-support';
import { WorkOrderSandbox } from '../../sandboxes/workorder/workorder.sandbox';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');

let t: TestApp;
let sandbox: WorkOrderSandbox;
let sandboxServer: http.Server;
let sandboxUrl: string;
let agent: StaffFixture;
let u: SubscriberFixture;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
  sandbox = new WorkOrderSandbox({
    secret: t.config.workorder.secret,
    eventsUrl: () => `${t.baseUrl}/api/v1/integrations/work-orders/events`,
    now: () => t.clock.now(),
  });
  ({ server: sandboxServer, baseUrl: sandboxUrl } = await sandbox.listen(0));
  agent = await createStaff(t, 'wo_agent', 'agent', '王芳', 'KF1001');
  u = await createSubscriber(t);
});
afterAll(async () => {
  sandboxServer.closeAllConnections();
  await new Promise((r) => sandboxServer.close(r));
  await t.close();
});
beforeEach(() => {
  t.clock.set(BASE);
  sandbox.fail = false;
  sandbox.delayMs = 0;
});

function dispatcher(opts: Partial<WorkOrderTopicOptions> = {}) {
  return workOrderRunner(t, `${sandboxUrl}/orders`, { timeoutMs: 2_000, ...opts });
}

/** Files and claims a ticket: the claim queues it for the work-order system. */
async function acceptedTicket(): Promise<number> {
  const id = await fileTicket(t, u);
  await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
  return id;
}

const outboxRow = (id: number) => t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: `workorder:${id}` });
const subscriberTicket = async (id: number) => (await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200)).body.data;

test('a ticket’s whole life through the sandbox: sent once, followed to resolution, confirmed', async () => {
  const id = await acceptedTicket();
  expect((await outboxRow(id)).status).toBe('pending');
  await dispatcher().runOnce();
  const order = sandbox.orderOf(id)!;
  expect(order.payload).toMatchObject({ action: 'create', ticketId: id, type: 'fault', owner: { name: '王芳', jobNo: 'KF1001' }, messageId: `workorder:${id}` });
  expect((await outboxRow(id)).status).toBe('sent');

  const steps = [
    ['accepted', {}],
    ['dispatched', { technicianName: '李师傅', technicianJobNo: 'W1024' }],
    ['en_route', {}],
    ['on_site', {}],
    ['resolved', { note: '更换光猫后恢复上网' }],
  ] as const;
  for (const [status, extra] of steps) {
    t.clock.advance(HOUR);
    expect((await sandbox.moveOrder(order.orderNo, status, extra)).status).toBe(200);
  }
  const view = await subscriberTicket(id);
  expect(view).toMatchObject({
    status: 'resolved',
    workOrderNo: order.orderNo,
    technician: { name: '李师傅', jobNo: 'W1024' },
    clock: { onTime: true, risk: 'ok', remainingMs: 19 * HOUR },
  });
  expect(view.timeline.map((e: { kind: string }) => e.kind)).toEqual(['submitted', 'accepted', 'wo_accepted', 'wo_dispatched', 'wo_en_route', 'wo_on_site', 'wo_resolved']);
  expect(view.timeline[3]).toMatchObject({ actorKind: 'workorder', actorName: '李师傅', actorJobNo: 'W1024' });
  // The stored deadline is the one the resolution left: the queue and metrics read it.
  expect((await t.app.services.tickets.clocks.storedClockDrift(id - 1, 1)).drifted).toEqual([]);
  expect((await t.orm.em.fork().findOneOrFail(Ticket, id)).deadlineAt?.toISOString()).toBe(view.clock.deadline);

  await t.request.post(`/api/v1/tickets/${id}/confirm`).set(u.auth).expect(200);
  expect((await sandbox.moveOrder(order.orderNo, 'closed')).status).toBe(200);
  expect((await subscriberTicket(id)).status).toBe('closed');
  expect(sandbox.deliveries.get(`${id}:create`)).toBe(1);
});

test('the work-order system down for a while, then back: every ticket is delivered exactly once, across a restart', async () => {
  const ids = [await acceptedTicket(), await acceptedTicket(), await acceptedTicket(), await acceptedTicket()];
  const before = { ...sandbox.stats };
  sandbox.fail = true;

  const first = dispatcher();
  expect(await first.runOnce()).toEqual({ claimed: 4, sent: 0, failed: 4 });
  for (const id of ids) {
    const row = await outboxRow(id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, claimedBy: null, lastError: expect.stringContaining('HTTP 500') });
    expect(row.nextAttemptAt.getTime()).toBe(BASE.getTime() + first.retryDelayMs(1));
  }
  // Not due yet: backing off, nothing is sent.
  expect((await first.runOnce()).claimed).toBe(0);
  t.clock.advance(10_000);
  expect(await first.runOnce()).toEqual({ claimed: 4, sent: 0, failed: 4 });
  expect((await outboxRow(ids[0])).attempts).toBe(2);

  // A restart: a new instance, nothing in memory; the rows say what is left to do.
  sandbox.fail = false;
  t.clock.advance(60_000);
  const restarted = dispatcher();
  expect(await restarted.runOnce()).toEqual({ claimed: 4, sent: 4, failed: 0 });
  for (const id of ids) {
    expect(await outboxRow(id)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(sandbox.deliveries.get(`${id}:create`)).toBe(1);
  }
  expect(sandbox.stats.failedOnPurpose - before.failedOnPurpose).toBe(8);
  expect(sandbox.stats.accepted - before.accepted).toBe(4);
  expect(sandbox.stats.duplicates - before.duplicates).toBe(0);
  expect((await restarted.runOnce()).claimed).toBe(0);
});

test('a slow system: the timed-out delivery is retried with the same Idempotency-Key and taken once', async () => {
  const id = await acceptedTicket();
  const before = { ...sandbox.stats };
  sandbox.delayMs = 600;
  expect(await dispatcher({ timeoutMs: 150 }).runOnce()).toMatchObject({ sent: 0, failed: 1 });
  expect((await outboxRow(id)).lastError).toMatch(/abort|timeout/i);
  await new Promise((r) => setTimeout(r, 800)); // the sandbox finishes the slow request and takes the order
  sandbox.delayMs = 0;
  t.clock.advance(60_000);
  expect(await dispatcher().runOnce()).toMatchObject({ sent: 1 });
  expect(sandbox.deliveries.get(`${id}:create`)).toBe(1);
  expect(sandbox.stats.accepted - before.accepted).toBe(1);
  expect(sandbox.stats.duplicates - before.duplicates).toBe(1);
});

test(`two dispatchers at once never send a ticket twice (${onMysql ? 'FOR UPDATE SKIP LOCKED' : 'conditional UPDATE claims'})`, async () => {
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) ids.push(await acceptedTicket());
  const before = { ...sandbox.stats };
  const [a, b] = await Promise.all([dispatcher({ batchSize: 4 }).runOnce(), dispatcher({ batchSize: 4 }).runOnce()]);
  const [c, d] = await Promise.all([dispatcher({ batchSize: 4 }).runOnce(), dispatcher({ batchSize: 4 }).runOnce()]);
  expect(a.claimed + b.claimed + c.claimed + d.claimed).toBe(6);
  expect(sandbox.stats.requests - before.requests).toBe(6);
  expect(sandbox.stats.duplicates - before.duplicates).toBe(0);
  for (const id of ids) expect(sandbox.deliveries.get(`${id}:create`)).toBe(1);
});

describe('status updates from the work-order system', () => {
  async function deliveredOrder(): Promise<{ id: number; orderNo: string }> {
    const id = await acceptedTicket();
    await dispatcher().runOnce();
    return { id, orderNo: sandbox.orderOf(id)!.orderNo };
  }
  const event = (id: number, orderNo: string, status: string, extra: Record<string, unknown> = {}) => ({
    eventId: `ev-${id}-${status}-${Math.random().toString(36).slice(2, 8)}`,
    ticketId: id,
    orderNo,
    status,
    occurredAt: t.clock.now().toISOString(),
    ...extra,
  });

  test('a forged signature, a tampered body, missing headers and a stale replay are refused; a redelivery changes nothing', async () => {
    const { id, orderNo } = await deliveredOrder();
    const forged = await sandbox.sendEvent(event(id, orderNo, 'resolved'), { secret: 'someone-elses-secret-123' });
    expect(forged.status).toBe(401);
    expect((forged.body as { error: { code: string } }).error.code).toBe('WORKORDER_SIGNATURE_INVALID');

    const genuine = await sandbox.sendEvent(event(id, orderNo, 'dispatched', { technicianName: '李师傅', technicianJobNo: 'W1024' }));
    expect(genuine.status).toBe(200);
    const again = await sandbox.post(genuine.raw, genuine.headers);
    expect(again.status).toBe(200);
    expect((again.body as { data: unknown }).data).toEqual({ duplicate: true, status: 'dispatched' });

    const tampered = genuine.raw.replace('"dispatched"', '"resolved"');
    expect((await sandbox.post(tampered, genuine.headers)).status).toBe(401);
    expect((await sandbox.post(genuine.raw, { 'Content-Type': 'application/json' })).status).toBe(401);
    t.clock.advance(6 * 60_000);
    expect((await sandbox.post(genuine.raw, genuine.headers)).status).toBe(401);
    t.clock.set(BASE);

    expect((await sandbox.sendEvent(event(id, orderNo, 'resolved'))).status).toBe(200);
    // A message signed more than 5 minutes ago (a captured request replayed later) is refused,
    // even with an event id never seen before: only the timestamp stops it.
    const staleCapture = await sandbox.sendEvent(event(id, orderNo, 'closed'), { at: new Date(t.clock.now().getTime() - 6 * 60_000) });
    expect(staleCapture.status).toBe(401);

    const view = await subscriberTicket(id);
    expect(view.status).toBe('resolved');
    expect(view.timeline.filter((e: { kind: string }) => e.kind === 'wo_dispatched')).toHaveLength(1);
    expect(view.timeline.some((e: { kind: string }) => e.kind === 'wo_closed')).toBe(false);
  });

  test('out of order: a late "dispatched" lands in the timeline in its place and does not move the status back', async () => {
    const { id, orderNo } = await deliveredOrder();
    const at = (h: number) => new Date(BASE.getTime() + h * HOUR).toISOString();
    t.clock.set(new Date(BASE.getTime() + 3 * HOUR));
    expect((await sandbox.sendEvent(event(id, orderNo, 'on_site', { occurredAt: at(2), technicianName: '周师傅', technicianJobNo: 'W2048' }))).status).toBe(200);
    expect((await sandbox.sendEvent(event(id, orderNo, 'dispatched', { occurredAt: at(1), technicianName: '周师傅', technicianJobNo: 'W2048' }))).status).toBe(200);
    const view = await subscriberTicket(id);
    expect(view).toMatchObject({ status: 'on_site', technician: { name: '周师傅', jobNo: 'W2048' } });
    expect(view.timeline.map((e: { kind: string }) => e.kind).slice(-2)).toEqual(['wo_dispatched', 'wo_on_site']);
  });

  test('resolved on site while an agent pauses the ticket: the backdated resolution ends the pause at its start, and every list still answers', async () => {
    const { id, orderNo } = await deliveredOrder();
    t.clock.set(new Date(BASE.getTime() + 2 * HOUR));
    await t.request.post(`/api/v1/staff/tickets/${id}/request-information`).set(agent.auth).send({ message: '请提供光猫背面的照片' }).expect(200);
    t.clock.set(new Date(BASE.getTime() + 3 * HOUR));
    const resolvedAt = new Date(BASE.getTime() + HOUR).toISOString();
    expect((await sandbox.sendEvent(event(id, orderNo, 'resolved', { occurredAt: resolvedAt }))).status).toBe(200);

    const pauses = await t.orm.em.fork().find(TicketPause, { ticketId: id });
    expect(pauses).toHaveLength(1);
    expect(pauses[0].to!.getTime()).toBeGreaterThanOrEqual(pauses[0].from.getTime());
    const view = await subscriberTicket(id);
    expect(view).toMatchObject({ status: 'resolved', resolvedAt, clock: { onTime: true, risk: 'ok', remainingMs: 23 * HOUR } });
    await t.request.get('/api/v1/tickets').set(u.auth).expect(200);
    const queue = await t.request.get('/api/v1/staff/tickets?pageSize=100').set(agent.auth).expect(200);
    expect(queue.body.data.items.find((x: { id: number }) => x.id === id).clock).toMatchObject({ onTime: true });
    await t.request.get('/api/v1/performance').expect(200);
    // Resolving again changes nothing and breaks nothing.
    expect((await sandbox.sendEvent(event(id, orderNo, 'resolved'))).status).toBe(200);
    expect((await subscriberTicket(id)).resolvedAt).toBe(resolvedAt);
  });

  test('event times outside the ticket’s life are refused with a reason the sender can log; near misses from clock skew are clamped', async () => {
    const { id, orderNo } = await deliveredOrder(); // claimed at BASE
    const at = (ms: number) => new Date(BASE.getTime() + ms).toISOString();
    t.clock.set(new Date(BASE.getTime() + 2 * HOUR));

    const elevenMonthsBefore = await sandbox.sendEvent(event(id, orderNo, 'resolved', { occurredAt: at(-330 * 24 * HOUR) }));
    expect(elevenMonthsBefore.status).toBe(422);
    expect((elevenMonthsBefore.body as { error: { code: string; details: unknown } }).error).toMatchObject({
      code: 'WORKORDER_EVENT_TIME_INVALID',
      details: { reason: 'before_order', earliest: BASE.toISOString() },
    });
    const future = await sandbox.sendEvent(event(id, orderNo, 'resolved', { occurredAt: at(3 * HOUR) }));
    expect(future.status).toBe(422);
    expect((future.body as { error: { details: unknown } }).error.details).toMatchObject({ reason: 'in_future', latest: at(2 * HOUR) });
    expect((await subscriberTicket(id)).status).toBe('accepted');

    // A minute either side of the window is the sender's clock, not a lie: taken at the window's edge.
    expect((await sandbox.sendEvent(event(id, orderNo, 'dispatched', { occurredAt: at(-60_000), technicianName: '李师傅', technicianJobNo: 'W1024' }))).status).toBe(200);
    expect((await sandbox.sendEvent(event(id, orderNo, 'resolved', { occurredAt: at(2 * HOUR + 60_000) }))).status).toBe(200);
    const view = await subscriberTicket(id);
    expect(view.resolvedAt).toBe(at(2 * HOUR));
    const times = Object.fromEntries(view.timeline.map((e: { kind: string; occurredAt: string }) => [e.kind, e.occurredAt]));
    expect(times).toMatchObject({ wo_dispatched: BASE.toISOString(), wo_resolved: at(2 * HOUR) });
  });

  test('dispatch and arrival must name the visiting staff member and their job number', async () => {
    const { id, orderNo } = await deliveredOrder();
    for (const status of ['dispatched', 'on_site'] as const) {
      const refused = await sandbox.sendEvent(event(id, orderNo, status, { technicianName: '李师傅' }));
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('technicianJobNo');
    }
    expect((await subscriberTicket(id)).status).toBe('accepted');
    expect((await sandbox.sendEvent(event(id, orderNo, 'on_site', { technicianName: '赵师傅', technicianJobNo: 'W4096' }))).status).toBe(200);
    expect(await subscriberTicket(id)).toMatchObject({ status: 'on_site', technician: { name: '赵师傅', jobNo: 'W4096' } });
  });

  test('the work-order system is told the deadline with the order, and again when a pause or an extension moves it', async () => {
    const supervisor = await createStaff(t, `wo_super${Date.now() % 100000}`, 'supervisor', '陈静', 'KF2009');
    const { id } = await deliveredOrder(); // claimed at BASE: a 24 h fault, due BASE + 24 h
    const order = () => sandbox.orderOf(id)!;
    expect(order().payload).toMatchObject({ deadline: new Date(BASE.getTime() + 24 * HOUR).toISOString(), paused: false, commitment: { targetAmount: 24, targetUnit: 'hours' } });

    t.clock.set(new Date(BASE.getTime() + 2 * HOUR));
    await t.request.post(`/api/v1/staff/tickets/${id}/request-information`).set(agent.auth).send({ message: '请提供光猫照片' }).expect(200);
    await dispatcher().runOnce();
    expect(order()).toMatchObject({ deadline: null, deadlineAsOf: new Date(BASE.getTime() + 2 * HOUR).toISOString() });

    t.clock.set(new Date(BASE.getTime() + 5 * HOUR));
    await t.request.post(`/api/v1/tickets/${id}/information`).set(u.auth).send({ message: '照片已上传' }).expect(200);
    await dispatcher().runOnce();
    expect(order().deadline).toBe(new Date(BASE.getTime() + 27 * HOUR).toISOString()); // the 3 hours waited are given back

    const ext = await t.request.post(`/api/v1/staff/tickets/${id}/extensions`).set(agent.auth).send({ amount: 24, unit: 'hours', reason: '需更换主干光缆' }).expect(201);
    await t.request.post(`/api/v1/staff/tickets/${id}/extensions/${ext.body.data.extensionRequests[0].id}/decision`).set(supervisor.auth).send({ approve: true }).expect(200);
    await dispatcher().runOnce();
    expect(order().deadline).toBe(new Date(BASE.getTime() + 51 * HOUR).toISOString());
  });

  test('an update for a cancelled ticket is recorded but does not revive it; an unknown ticket is 404', async () => {
    const { id, orderNo } = await deliveredOrder();
    await t.request.post(`/api/v1/tickets/${id}/cancel`).set(u.auth).send({ reason: '已自行恢复' }).expect(200);
    const who = { technicianName: '李师傅', technicianJobNo: 'W1024' };
    expect((await sandbox.sendEvent(event(id, orderNo, 'dispatched', who))).status).toBe(200);
    expect((await t.orm.em.fork().findOneOrFail(Ticket, id)).status).toBe('cancelled');
    expect((await sandbox.sendEvent(event(999_999, orderNo, 'dispatched', who))).status).toBe(404);
  });
});

test.each([1, 2, 3, 5, 8, 12, 30])('retry delay after %i failures doubles from 5 s, capped at 15 min, with jitter in [½, 1]', (attempts) => {
  const exp = Math.min(15 * 60_000, 5_000 * 2 ** (attempts - 1));
  expect(dispatcher({ random: () => 0 }).retryDelayMs(attempts)).toBe(exp / 2);
  expect(dispatcher({ random: () => 1 }).retryDelayMs(attempts)).toBe(exp);
});

test('in sandbox mode without WORKORDER_URL the app serves the sandbox itself, which accepts orders on its own', async () => {
  const inApp = t.deps.sandboxes.workorder!;
  expect(t.deps.workorderUrl()).toBe(`${t.baseUrl}/sandbox/workorder/orders`);
  const id = await acceptedTicket();
  await dispatcher({ url: t.deps.workorderUrl()! }).runOnce();
  expect(inApp.orderOf(id)).toBeDefined();
  expect((await t.request.get('/sandbox/workorder/control').expect(200)).body.data.orders).toBeGreaterThanOrEqual(1);
  let kinds: string[] = [];
  for (let i = 0; i < 40 && !kinds.includes('wo_accepted'); i++) {
    await new Promise((r) => setTimeout(r, 50));
    kinds = (await subscriberTicket(id)).timeline.map((e: { kind: string }) => e.kind);
  }
  expect(kinds).toContain('wo_accepted');
});
