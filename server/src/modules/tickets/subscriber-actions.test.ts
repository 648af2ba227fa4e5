import { createTestApp, type TestApp } from '../../../test/harness';
import { bj, createStaff, createSubscriber, fileTicket, type StaffFixture, type SubscriberFixture } from './tickets.fixtures';

/**
 * The subscriber's actions at the edges of the ticket's life (tickets.test.ts covers the main
 * paths): what is refused once a ticket is finished, and that each finishing action happens once.
 */
const BASE = bj('2026-12-01T10:00');

let t: TestApp;
let agent: StaffFixture;
let u: SubscriberFixture;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
  agent = await createStaff(t, 'sa_agent', 'agent', '王芳', 'KF7001');
  u = await createSubscriber(t);
});
afterAll(() => t.close());

const act = (id: number, action: string, body: Record<string, unknown> = {}) => t.request.post(`/api/v1/tickets/${id}/${action}`).set(u.auth).send(body);
const resolved = async () => {
  const id = await fileTicket(t, u);
  await t.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
  await t.request.post(`/api/v1/staff/tickets/${id}/resolve`).set(agent.auth).send({ message: '已更换分线器' }).expect(200);
  return id;
};
const code = async (res: Promise<{ status: number; body: { error?: { code: string } } }>) => {
  const r = await res;
  return `${r.status} ${r.body.error?.code ?? ''}`.trim();
};

test('added information lands in the timeline as the subscriber’s; a cancelled or closed ticket takes none', async () => {
  const id = await fileTicket(t, u);
  const res = await act(id, 'information', { message: '楼道里的分线箱门是开着的' }).expect(200);
  expect(res.body.data.timeline.at(-1)).toMatchObject({ kind: 'info_added', actorKind: 'subscriber', message: '楼道里的分线箱门是开着的' });
  await act(id, 'cancel', { reason: '不需要了' }).expect(200);
  expect(await code(act(id, 'information', { message: '再补充一点' }))).toBe('409 TICKET_INVALID_STATE');

  const closed = await resolved();
  await act(closed, 'confirm').expect(200);
  expect(await code(act(closed, 'information', { message: '再补充一点' }))).toBe('409 TICKET_INVALID_STATE');
});

test('once resolved: no urging and no cancelling; confirm and reopen each happen once', async () => {
  const a = await resolved();
  expect(await code(act(a, 'urge'))).toBe('409 TICKET_INVALID_STATE');
  expect(await code(act(a, 'cancel', { reason: '不要了' }))).toBe('409 TICKET_INVALID_STATE');
  await act(a, 'confirm').expect(200);
  expect(await code(act(a, 'confirm'))).toBe('409 TICKET_INVALID_STATE');
  expect(await code(act(a, 'reopen', { reason: '又坏了' }))).toBe('409 TICKET_INVALID_STATE');

  const b = await resolved();
  const [r1, r2] = await Promise.all([act(b, 'reopen', { reason: '还是没信号' }), act(b, 'reopen', { reason: '还是没信号' })]);
  expect([r1.status, r2.status].sort()).toEqual([200, 409]);
  const view = await t.request.get(`/api/v1/tickets/${b}`).set(u.auth).expect(200);
  expect(view.body.data.timeline.filter((e: { kind: string }) => e.kind === 'reopened')).toHaveLength(1);
  expect(await code(act(b, 'confirm'))).toBe('409 TICKET_INVALID_STATE');
});
