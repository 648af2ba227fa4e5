import { createTestApp, signInStaff, type TestApp } from '../../../test/harness';
import { StaffSubmit } from './staff-submit.entity';
import { bj, createStaff, createSubscriber, fileTicket, type StaffFixture } from './tickets.fixtures';

/** Tuesday 1 December 2026, 10:00 business time. */
const BASE = bj('2026-12-01T10:00');
const DAY = 86_400_000;

let t: TestApp;
let agent: StaffFixture;
let auth: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
  agent = await createStaff(t, 'ss_agent1', 'agent', '王芳', 'KF6001');
  auth = agent.auth;
});
/** Moves the clock and signs the agent in again (a session does not last a week). */
async function at(when: Date): Promise<void> {
  t.clock.set(when);
  auth = { Authorization: `Bearer ${await signInStaff(t, 'ss_agent1', 'ss_agent1-Pw#2026')}` };
}
afterAll(() => t.close());

const replies = async (ticketId: number) =>
  ((await t.request.get(`/api/v1/staff/tickets/${ticketId}`).set(auth).expect(200)).body.data.timeline as Array<{ kind: string }>).filter((e) => e.kind === 'reply').length;
const reply = (ticketId: number, message: string, idempotencyKey: string) =>
  t.request.post(`/api/v1/staff/tickets/${ticketId}/reply`).set(auth).send({ message, idempotencyKey }).expect(200);

test('the hourly cleanup forgets submit keys older than 7 days and keeps newer ones: a repeat within the week is still one reply', async () => {
  await at(BASE);
  const u = await createSubscriber(t);
  const ticketId = await fileTicket(t, u, { type: 'complaint', description: '营业厅窗口排队一个多小时' });
  await t.request.post(`/api/v1/staff/tickets/${ticketId}/claim`).set(auth).expect(200);
  const weekOld = 'a'.repeat(32);
  const recent = 'b'.repeat(32);
  await reply(ticketId, '已反馈营业厅增开窗口。', weekOld);
  await at(new Date(BASE.getTime() + 6 * DAY));
  await reply(ticketId, '营业厅已增开两个窗口。', recent);
  expect(await replies(ticketId)).toBe(2);

  await at(new Date(BASE.getTime() + 7 * DAY + 60_000));
  expect(await t.app.services.tickets.staff.purgeOldSubmits()).toBe(1);
  const left = await t.orm.em.fork().find(StaffSubmit, {});
  expect(left.map((r) => r.idempotencyKey)).toEqual([recent]);
  // Within its week the key still makes a repeat one reply; the forgotten one would act again.
  await reply(ticketId, '营业厅已增开两个窗口。', recent);
  expect(await replies(ticketId)).toBe(2);
  expect(await t.app.services.tickets.staff.purgeOldSubmits()).toBe(0);
});

test('a backlog goes in batches, all of it in one run', async () => {
  const em = t.orm.em.fork();
  const old = new Date(t.clock.now().getTime() - 8 * DAY);
  for (let i = 0; i < 7; i++) {
    em.persist(Object.assign(new StaffSubmit(), { staffId: agent.id, idempotencyKey: `backlog-key-${String(i).padStart(8, '0')}`, action: 'ticket.reply', entityId: 1, fingerprint: 'f'.repeat(64), createdAt: old }));
  }
  await em.flush();
  expect(await t.app.services.tickets.staff.purgeOldSubmits(undefined, 3)).toBe(7);
  expect(await t.orm.em.fork().count(StaffSubmit, { idempotencyKey: { $like: 'backlog-key-%' } })).toBe(0);
});
