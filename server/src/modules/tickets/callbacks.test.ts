import { createTestApp, signInStaff, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { CallbackJob } from './callback.job';
import { TicketCallback } from './ticket-callback.entity';
import { Ticket } from './ticket.entity';
import { HOUR, bj, createStaff, createSubscriber, fileTicket, type StaffFixture, type SubscriberFixture } from './tickets.fixtures';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');

let t: TestApp;
let agent: StaffFixture;
let agent2: StaffFixture;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
  agent = await createStaff(t, 'cb_agent1', 'agent', '王芳', 'KF3001');
  agent2 = await createStaff(t, 'cb_agent2', 'agent', '李强', 'KF3002');
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

/** Files, claims and resolves a ticket; returns its id. */
async function resolvedTicket(u: SubscriberFixture, body: Record<string, unknown> = {}): Promise<number> {
  const id = await fileTicket(t, u, body);
  await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
  t.clock.advance(2 * HOUR);
  await t.request.post(`/api/v1/staff/tickets/${id}/resolve`).set(agent.auth).send({ message: '已更换光猫，恢复上网' }).expect(200);
  return id;
}

const rate = (u: SubscriberFixture, id: number, body: Record<string, unknown>) => t.request.post(`/api/v1/tickets/${id}/rating`).set(u.auth).send(body);
const queue = (query = '') => t.request.get(`/api/v1/staff/callbacks${query}`).set(agent.auth);
const record = (callbackId: number, body: Record<string, unknown>, who = agent) => t.request.post(`/api/v1/staff/callbacks/${callbackId}/outcome`).set(who.auth).send(body);
const taskOf = (ticketId: number) => t.orm.em.fork().findOne(TicketCallback, { ticketId });

describe('rating', () => {
  test('a rating of 2 stars or less becomes a callback task in the queue, with the rating; rating twice is refused', async () => {
    const u = await createSubscriber(t);
    const id = await resolvedTicket(u);
    const before = await t.request.get(`/api/v1/tickets/${id}/rating`).set(u.auth).expect(200);
    expect(before.body.data).toMatchObject({ canRate: true, rating: null, rateBy: new Date(BASE.getTime() + 74 * HOUR).toISOString() });

    const res = await rate(u, id, { stars: 2, reasons: ['too_slow', 'too_slow', 'poor_attitude'], comment: '等了很久' }).expect(201);
    expect(res.body.data).toMatchObject({ canRate: false, rating: { stars: 2, reasons: ['too_slow', 'poor_attitude'], comment: '等了很久' } });
    expect((await rate(u, id, { stars: 5 }).expect(409)).body.error.code).toBe('TICKET_ALREADY_RATED');

    const items = (await queue('?area=xihu&pageSize=100').expect(200)).body.data.items as Array<Record<string, unknown>>;
    const task = items.find((x) => x.ticketId === id);
    expect(task).toMatchObject({ reason: 'low_rating', status: 'open', attempts: 0, maxAttempts: 3, contactPhone: '13812345678', rating: { stars: 2 }, dueAt: new Date(BASE.getTime() + 26 * HOUR).toISOString() });
    expect(await t.orm.em.fork().count(AuditLog, { action: 'ticket.rate', entityId: String(id) })).toBe(1);
  });

  test('3 stars or more opens no task; rating before resolution, after 72 hours, or someone else’s ticket is refused', async () => {
    const u = await createSubscriber(t);
    const stranger = await createSubscriber(t);
    const open = await fileTicket(t, u);
    expect((await rate(u, open, { stars: 5 }).expect(409)).body.error.code).toBe('TICKET_INVALID_STATE');

    const good = await resolvedTicket(u);
    await rate(stranger, good, { stars: 1 }).expect(404);
    await rate(u, good, { stars: 6 }).expect(400);
    await rate(u, good, { stars: 4, reasons: ['fixed_quickly'] }).expect(201);
    expect(await taskOf(good)).toBeNull();

    const late = await resolvedTicket(u);
    t.clock.advance(72 * HOUR + 60_000);
    const res = await rate(u, late, { stars: 5 }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'TICKET_RATING_CLOSED' });
    expect((await t.request.get(`/api/v1/tickets/${late}/rating`).set(u.auth).expect(200)).body.data.canRate).toBe(false);
  });
});

describe('the callback job', () => {
  test('a repair not rated within 48 hours becomes one callback task due 72 hours after the repair, even when two instances run the job at once', async () => {
    const u = await createSubscriber(t, 'gongshu');
    const unrated = await resolvedTicket(u);
    const rated = await resolvedTicket(u);
    await rate(u, rated, { stars: 5 }).expect(201);
    const suggestion = await resolvedTicket(u, { type: 'suggestion' });

    const a = new CallbackJob(t.deps, t.app.services.callbacks);
    const b = new CallbackJob(t.deps, t.app.services.callbacks);
    const resolvedAt = (await t.orm.em.fork().findOneOrFail(Ticket, unrated)).resolvedAt!.getTime();
    t.clock.set(new Date(resolvedAt + 47 * HOUR));
    expect((await a.runOnce()).ran).toBe(true);
    expect(await taskOf(unrated)).toBeNull();

    t.clock.advance(2 * HOUR);
    const runs = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(runs.reduce((n, r) => n + r.opened, 0)).toBeGreaterThanOrEqual(1);
    expect(await t.orm.em.fork().count(TicketCallback, { ticketId: unrated })).toBe(1);
    // Due when the standard says the callback must have happened: 72 hours after the repair, not 24 hours after the task opened.
    expect((await taskOf(unrated))!.dueAt.getTime()).toBe(resolvedAt + 72 * HOUR);
    expect(await taskOf(rated)).toBeNull();
    // Suggestions are not among the tickets that must be called back.
    expect(await taskOf(suggestion)).toBeNull();
    // Run again later: nothing new.
    t.clock.advance(HOUR);
    expect(await a.runOnce()).toEqual({ ran: true, opened: 0 });
    expect(await t.orm.em.fork().count(TicketCallback, { ticketId: unrated })).toBe(1);
    expect((await taskOf(unrated))!.reason).toBe('not_rated');
    expect(await t.orm.em.fork().count(AuditLog, { action: 'callback.open', entityId: String(unrated) })).toBe(1);
  });

  test('while one instance holds the lease, another does not run', async () => {
    const held = new CallbackJob(t.deps, t.app.services.callbacks, 60_000);
    const other = new CallbackJob(t.deps, t.app.services.callbacks);
    const em = t.orm.em.fork();
    await em.getConnection().execute(`update job_lease set holder = ?, leased_until = ? where name = 'callbacks.unrated'`, [
      held.holder,
      t.config.db.type === 'sqlite' ? BASE.getTime() + 60_000 : new Date(BASE.getTime() + 60_000),
    ]);
    expect(await other.runOnce()).toEqual({ ran: false, opened: 0 });
    t.clock.advance(61_000);
    expect((await other.runOnce()).ran).toBe(true);
  });
});

describe('callbacks within 72 hours of the repair', () => {
  /** A repair resolved now; its resolution time. */
  async function repaired(u: SubscriberFixture): Promise<{ id: number; resolvedAt: number }> {
    const id = await resolvedTicket(u);
    return { id, resolvedAt: (await t.orm.em.fork().findOneOrFail(Ticket, id)).resolvedAt!.getTime() };
  }
  const job = () => new CallbackJob(t.deps, t.app.services.callbacks).runOnce();
  /** The agent signed in again at the test clock's time (staff sessions last 12 hours; these tests span days). */
  const now = async (): Promise<StaffFixture> => ({ ...agent, auth: { Authorization: `Bearer ${await signInStaff(t, 'cb_agent1', 'cb_agent1-Pw#2026')}` } });
  const listed = async (ticketId: number, status = 'open') =>
    ((await t.request.get(`/api/v1/staff/callbacks?status=${status}&area=shangcheng&pageSize=100`).set((await now()).auth).expect(200)).body.data.items as Array<Record<string, unknown>>).find(
      (x) => x.ticketId === ticketId,
    );

  test('even when the job runs late, the task of an unrated repair is due no later than 72 hours after it, and shows as late once past', async () => {
    const u = await createSubscriber(t, 'shangcheng');
    const r = await repaired(u);
    // The job did not run for a day: the task opens at 70 hours, still due at 72.
    t.clock.set(new Date(r.resolvedAt + 70 * HOUR));
    await job();
    expect(await listed(r.id)).toMatchObject({ reason: 'not_rated', dueAt: new Date(r.resolvedAt + 72 * HOUR).toISOString(), overdue: false, late: false });
    // Not reached at 70 hours: the next attempt is due at 72 hours, not 4 hours on.
    const task = (await taskOf(r.id))!;
    expect((await record(task.id, { outcome: 'unreachable' }, await now()).expect(200)).body.data).toMatchObject({ dueAt: new Date(r.resolvedAt + 72 * HOUR).toISOString(), late: false });
    t.clock.set(new Date(r.resolvedAt + 73 * HOUR));
    expect(await listed(r.id)).toMatchObject({ overdue: true, late: true, callBy: new Date(r.resolvedAt + 72 * HOUR).toISOString() });
    // Reached at 75 hours: done, and still shown as late.
    t.clock.set(new Date(r.resolvedAt + 75 * HOUR));
    expect((await record(task.id, { outcome: 'satisfied', stars: 4 }, await now()).expect(200)).body.data).toMatchObject({ status: 'done', late: true });
  });

  test('a rating of 3 stars or more while the task is open closes it as covered by the rating; a low one keeps it open', async () => {
    const u = await createSubscriber(t, 'shangcheng');
    const good = await repaired(u);
    const low = await repaired(u);
    t.clock.set(new Date(low.resolvedAt + 50 * HOUR));
    await job();
    expect(await listed(good.id)).toBeDefined();
    expect(await listed(low.id)).toBeDefined();

    t.clock.advance(10 * HOUR); // 60 hours: the rating window is still open
    await rate(u, good.id, { stars: 4 }).expect(201);
    await rate(u, low.id, { stars: 1, reasons: ['not_fixed'] }).expect(201);
    expect(await listed(good.id)).toBeUndefined();
    expect(await listed(good.id, 'rated')).toMatchObject({ status: 'rated', late: false, rating: { stars: 4 } });
    const goodTask = (await taskOf(good.id))!;
    expect((await record(goodTask.id, { outcome: 'satisfied' }, await now()).expect(409)).body.error.code).toBe('CALLBACK_CLOSED');
    // The low rating is now the reason to call; still due at 72 hours.
    expect(await listed(low.id)).toMatchObject({ reason: 'low_rating', status: 'open', dueAt: new Date(low.resolvedAt + 72 * HOUR).toISOString(), rating: { stars: 1 } });
  });

  test('a low rating at 60 hours, before the job opened a task: due at 72 hours, not 24 hours on', async () => {
    const u = await createSubscriber(t, 'shangcheng');
    const r = await repaired(u);
    t.clock.set(new Date(r.resolvedAt + 60 * HOUR));
    await rate(u, r.id, { stars: 2 }).expect(201);
    expect(await listed(r.id)).toMatchObject({ reason: 'low_rating', dueAt: new Date(r.resolvedAt + 72 * HOUR).toISOString() });
  });
});

describe('recording callbacks', () => {
  test('unreachable schedules a retry 4 hours later, and the third unreachable gives the task up', async () => {
    const u = await createSubscriber(t);
    const id = await resolvedTicket(u);
    await rate(u, id, { stars: 1 }).expect(201);
    const task = (await taskOf(id))!;

    t.clock.advance(HOUR);
    const first = await record(task.id, { outcome: 'unreachable', note: '无人接听' }).expect(200);
    expect(first.body.data).toMatchObject({ status: 'open', attempts: 1, outcome: null, dueAt: new Date(t.clock.now().getTime() + 4 * HOUR).toISOString() });
    await record(task.id, { outcome: 'unreachable', stars: 3 }).expect(400);

    t.clock.advance(4 * HOUR); // due again now (staff sessions last 12 hours: the test stays within them)
    expect((await record(task.id, { outcome: 'unreachable' }, agent2).expect(200)).body.data).toMatchObject({ status: 'open', attempts: 2 });
    t.clock.advance(4 * HOUR);
    expect((await record(task.id, { outcome: 'unreachable' }).expect(200)).body.data).toMatchObject({ status: 'unreachable', attempts: 3, outcome: 'unreachable' });
    expect((await record(task.id, { outcome: 'satisfied' }).expect(409)).body.error.code).toBe('CALLBACK_CLOSED');
    expect((await queue('?status=unreachable&pageSize=100').expect(200)).body.data.items.map((x: { id: number }) => x.id)).toContain(task.id);
    expect(await t.orm.em.fork().count(AuditLog, { action: 'callback.record', entityId: String(task.id) })).toBe(3);
  });

  test('"not fixed" reopens the ticket to its owner and sends it to the work-order system again', async () => {
    const u = await createSubscriber(t);
    const id = await resolvedTicket(u);
    await rate(u, id, { stars: 2, reasons: ['not_fixed'] }).expect(201);
    const task = (await taskOf(id))!;
    await record(task.id, { outcome: 'not_fixed' }).expect(400); // what is still wrong must be noted

    const res = await record(task.id, { outcome: 'not_fixed', note: '光猫仍然红灯' }).expect(200);
    expect(res.body.data).toMatchObject({ status: 'done', outcome: 'not_fixed' });
    const ticket = await t.orm.em.fork().findOneOrFail(Ticket, id);
    expect(ticket).toMatchObject({ status: 'accepted', resolvedAt: null, reopenCount: 1, ownerStaffId: agent.id });
    expect(await t.orm.em.fork().count(OutboxMessage, { dedupeKey: `workorder:${id}:reopen:1` })).toBe(1);
    const view = await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200);
    expect(view.body.data.timeline.at(-1)).toMatchObject({ kind: 'reopened', actorName: '王芳', actorJobNo: 'KF3001' });
    expect(view.body.data.timeline.at(-1).message).toContain('光猫仍然红灯');

    // Resolved again: a new round, which can be rated again.
    await t.request.post(`/api/v1/staff/tickets/${id}/resolve`).set(agent.auth).send({ message: '更换分光器后恢复' }).expect(200);
    await rate(u, id, { stars: 5 }).expect(201);
  });

  test('a satisfied callback completes the task; the queue is staff only and sorted by due time', async () => {
    const u = await createSubscriber(t, 'binjiang');
    const first = await resolvedTicket(u);
    await rate(u, first, { stars: 1 }).expect(201);
    const second = await resolvedTicket(u);
    await rate(u, second, { stars: 2 }).expect(201);
    const listed = (await queue('?area=binjiang').expect(200)).body.data;
    expect(listed.items.map((x: { ticketId: number }) => x.ticketId)).toEqual([first, second]);

    await t.request.get('/api/v1/staff/callbacks').set(u.auth).expect(401);
    const task = (await taskOf(first))!;
    await t.request.post(`/api/v1/staff/callbacks/${task.id}/outcome`).set(u.auth).send({ outcome: 'satisfied' }).expect(401);
    await record(999_999, { outcome: 'satisfied' }).expect(404);

    expect((await record(task.id, { outcome: 'satisfied', stars: 4, note: '用户表示已恢复' }).expect(200)).body.data).toMatchObject({ status: 'done', outcome: 'satisfied', stars: 4, attempts: 1 });
    expect((await queue('?area=binjiang').expect(200)).body.data.items.map((x: { ticketId: number }) => x.ticketId)).toEqual([second]);
    expect((await t.orm.em.fork().findOneOrFail(Ticket, first)).status).toBe('resolved');
  });
});
