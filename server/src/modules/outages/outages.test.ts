import { createTestApp, type TestApp } from '../../../test/harness';
import { Account } from '../accounts/account.entity';
import { AuditLog } from '../audit/audit-log.entity';
import { Ticket } from '../tickets/ticket.entity';
import { TicketEvent } from '../tickets/ticket-event.entity';
import { HOUR, bj, createStaff, createSubscriber, fileTicket, type StaffFixture, type SubscriberFixture } from '../tickets/tickets.fixtures';
import { OutageTicket } from './outage.entity';
import { outageCovers } from './outages.service';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');

let t: TestApp;
let agent: StaffFixture;
let supervisor: StaffFixture;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
  agent = await createStaff(t, 'og_agent', 'agent', '王芳', 'KF3001');
  supervisor = await createStaff(t, 'og_super', 'supervisor', '陈静', 'KF3002');
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

const declare = (body: Record<string, unknown>, s: StaffFixture = supervisor) =>
  t.request
    .post('/api/v1/staff/outages')
    .set(s.auth)
    .send({ cause: '光缆被施工挖断，正在抢修', estimatedRestorationAt: new Date(BASE.getTime() + 6 * HOUR).toISOString(), ...body });
const close = (id: number, s: StaffFixture = supervisor) => t.request.post(`/api/v1/staff/outages/${id}/close`).set(s.auth).send({ message: '光缆已熔接，网络恢复正常' });
const outagesFor = (u: SubscriberFixture) => t.request.get(`/api/v1/outages?accountId=${u.accountId}`).set(u.auth);
const timelineKinds = async (u: SubscriberFixture, id: number) =>
  ((await t.request.get(`/api/v1/tickets/${id}`).set(u.auth).expect(200)).body.data.timeline as { kind: string }[]).map((e) => e.kind);

test.each([
  [null, 'water', true],
  ['broadband', 'broadband', true],
  ['broadband', 'tv_broadband', true],
  ['tv_broadband', 'tv', true],
  ['tv', 'broadband', false],
  ['broadband', 'water', false],
] as const)('an outage of %s covers a %s account: %s', (outage, account, covers) => {
  expect(outageCovers(outage, account)).toBe(covers);
});

test('only a supervisor declares, in a known area, with a restoration time still ahead', async () => {
  expect((await declare({ area: 'gongshu' }, agent).expect(403)).body.error.code).toBe('FORBIDDEN');
  expect((await declare({ area: 'atlantis' }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
  await declare({ area: 'gongshu', estimatedRestorationAt: new Date(BASE.getTime() - HOUR).toISOString() }).expect(400);
  const u = await createSubscriber(t, 'gongshu');
  await t.request.post('/api/v1/staff/outages').set(u.auth).send({ area: 'gongshu' }).expect(401);
});

test('a subscriber sees the outages covering their account before filing, and only their own account’s', async () => {
  const inArea = await createSubscriber(t, 'shangcheng');
  const water = await createSubscriber(t, 'shangcheng');
  await t.orm.em.fork().nativeUpdate(Account, { id: water.accountId }, { serviceType: 'water' });
  const elsewhere = await createSubscriber(t, 'yuhang');
  const res = await declare({ area: 'shangcheng', serviceType: 'broadband', scope: '解放路以南' }).expect(201);
  expect(res.body.data).toMatchObject({ area: 'shangcheng', areaName: '上城区', status: 'active', linkedTickets: 0 });

  const seen = (await outagesFor(inArea).expect(200)).body.data;
  expect(seen).toEqual([expect.objectContaining({ id: res.body.data.id, cause: '光缆被施工挖断，正在抢修', scope: '解放路以南' })]);
  expect((await outagesFor(water).expect(200)).body.data).toEqual([]);
  expect((await outagesFor(elsewhere).expect(200)).body.data).toEqual([]);
  // someone else's account: 404, as if it did not exist
  expect((await t.request.get(`/api/v1/outages?accountId=${inArea.accountId}`).set(elsewhere.auth).expect(404)).body.error.code).toBe('NOT_FOUND');
});

test('faults filed in the outage link to it; closing resolves them through the resolve path and tells their subscribers', async () => {
  const a = await createSubscriber(t, 'binjiang');
  const b = await createSubscriber(t, 'binjiang');
  const outside = await createSubscriber(t, 'xihu');
  const outage = (await declare({ area: 'binjiang' }).expect(201)).body.data;

  const unclaimed = await fileTicket(t, a);
  const claimed = await fileTicket(t, b);
  await t.request.post(`/api/v1/staff/tickets/${claimed}/claim`).set(agent.auth).expect(200);
  const cancelled = await fileTicket(t, b);
  await t.request.post(`/api/v1/tickets/${cancelled}/cancel`).set(b.auth).send({ reason: '已自行恢复' }).expect(200);
  const complaint = await fileTicket(t, a, { type: 'complaint' });
  const notInArea = await fileTicket(t, outside);

  expect(await timelineKinds(a, unclaimed)).toEqual(['submitted', 'outage_linked']);
  const linkedMsg = (await t.request.get(`/api/v1/tickets/${unclaimed}`).set(a.auth)).body.data.timeline[1].message as string;
  expect(linkedMsg).toContain('光缆被施工挖断');
  expect(linkedMsg).toContain('12月01日 16:00');
  expect(await timelineKinds(a, complaint)).toEqual(['submitted']);
  expect(await timelineKinds(outside, notInArea)).toEqual(['submitted']);
  expect((await t.request.get('/api/v1/staff/outages?status=active').set(agent.auth).expect(200)).body.data.find((o: { id: number }) => o.id === outage.id).linkedTickets).toBe(3);

  t.clock.advance(5 * HOUR);
  await close(outage.id, agent).expect(403);
  const closed = await close(outage.id).expect(200);
  expect(closed.body.data).toMatchObject({ status: 'closed', closedAt: new Date(BASE.getTime() + 5 * HOUR).toISOString() });
  expect(closed.body.data.resolvedTickets.sort()).toEqual([unclaimed, claimed].sort());

  const em = t.orm.em.fork();
  for (const id of [unclaimed, claimed]) {
    const ticket = await em.findOneOrFail(Ticket, id);
    expect(ticket).toMatchObject({ status: 'resolved', resolvedAt: new Date(BASE.getTime() + 5 * HOUR) });
    // the `resolved` event is what the subscriber is notified from: visible, by the supervisor
    const resolvedEvent = await em.findOneOrFail(TicketEvent, { ticketId: id, kind: 'resolved' });
    expect(resolvedEvent).toMatchObject({ visibleToSubscriber: true, actorId: supervisor.id, actorJobNo: 'KF3002' });
    expect(resolvedEvent.message).toContain('光缆已熔接');
    expect(await em.count(AuditLog, { action: 'ticket.resolve', entityId: String(id), actorId: supervisor.id })).toBe(1);
  }
  const view = (await t.request.get(`/api/v1/tickets/${unclaimed}`).set(a.auth).expect(200)).body.data;
  expect(view).toMatchObject({ status: 'resolved', clock: { onTime: true } });
  expect((await em.findOneOrFail(Ticket, cancelled)).status).toBe('cancelled');
  // The resolutions moved the stored deadlines with them (resolved on time: kept as the clock has them).
  for (const id of [unclaimed, claimed, cancelled]) expect((await t.app.services.tickets.clocks.storedClockDrift(id - 1, 1)).drifted).toEqual([]);
  expect((await em.findOneOrFail(Ticket, complaint)).status).toBe('submitted');
  expect((await em.findOneOrFail(Ticket, notInArea)).status).toBe('submitted');

  // closing twice changes nothing; the outage is no longer shown, and new faults do not link
  expect((await close(outage.id).expect(409)).body.error.code).toBe('CONFLICT');
  expect(await em.count(TicketEvent, { ticketId: unclaimed, kind: 'resolved' })).toBe(1);
  expect((await outagesFor(a).expect(200)).body.data).toEqual([]);
  const after = await fileTicket(t, a);
  expect(await timelineKinds(a, after)).toEqual(['submitted']);
  await close(999_999).expect(404);
});

test('a resolved outage ticket can still be reopened by its subscriber ("not fixed")', async () => {
  const u = await createSubscriber(t, 'chunan');
  const outage = (await declare({ area: 'chunan' }).expect(201)).body.data;
  const id = await fileTicket(t, u);
  await close(outage.id).expect(200);
  const reopened = await t.request.post(`/api/v1/tickets/${id}/reopen`).set(u.auth).send({ reason: '我家还是没有网络' }).expect(200);
  expect(reopened.body.data.status).toBe('submitted');
});

test('tickets filed while the outage is being closed are either linked and resolved, or not linked at all', async () => {
  const subscribers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => createSubscriber(t, 'yuhang')));
  const outage = (await declare({ area: 'yuhang' }).expect(201)).body.data;
  const early = await fileTicket(t, subscribers[0]);
  const [closing, ...filed] = await Promise.all([close(outage.id), ...subscribers.slice(1).map((u) => fileTicket(t, u))]);
  expect(closing.status).toBe(200);
  const em = t.orm.em.fork();
  const links = new Set((await em.find(OutageTicket, { outageId: outage.id })).map((l) => l.ticketId));
  expect(links.has(early)).toBe(true);
  for (const id of [early, ...filed]) {
    const ticket = await em.findOneOrFail(Ticket, id);
    expect(ticket.status).toBe(links.has(id) ? 'resolved' : 'submitted');
  }
  expect(closing.body.data.resolvedTickets.sort()).toEqual([...links].sort());
});
