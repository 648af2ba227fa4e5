import { createTestApp, type TestApp } from '../../../test/harness';
import { signedHeaders } from '../../integrations/workorder/workorder.protocol';
import { Ticket } from './ticket.entity';
import { HOUR, bj, createStaff, createSubscriber, fileTicket, type StaffFixture } from './tickets.fixtures';

/** The staff queue's server-side orders (issue 24) and its "last change", the time of the last timeline entry. */
let t: TestApp;
let agent: StaffFixture;
const ids: number[] = [];

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: bj('2026-12-01T09:00') });
  agent = await createStaff(t, 'qo_agent', 'agent', '王芳', 'KF3001');
  // Three tickets an hour apart, in one area no other test uses here.
  for (let i = 0; i < 3; i++) {
    const u = await createSubscriber(t, 'fuyang');
    ids.push(await fileTicket(t, u));
    t.clock.advance(HOUR);
  }
}, 120_000);
afterAll(() => t.close());

const queue = async (qs: string) => (await t.request.get(`/api/v1/staff/tickets?area=fuyang&${qs}`).set(agent.auth).expect(200)).body.data;
const order = async (qs: string) => (await queue(qs)).items.map((x: { id: number }) => x.id);

test('last change is the time of the ticket’s last timeline entry, kept on the ticket as entries are added', async () => {
  const first = (await queue('sort=id')).items[0];
  expect(first).toMatchObject({ id: ids[0], lastChangeAt: bj('2026-12-01T09:00').toISOString() });
  t.clock.set(bj('2026-12-01T15:00'));
  await t.request.post(`/api/v1/staff/tickets/${ids[0]}/claim`).set(agent.auth).expect(200);
  const stored = await t.orm.em.fork().findOneOrFail(Ticket, ids[0]);
  expect(stored.lastEventAt).toEqual(bj('2026-12-01T15:00'));
  // Work-order updates move it to when they happened in the field; one that arrives late, having
  // happened before the newest, does not move it back.
  t.clock.set(bj('2026-12-01T16:00'));
  const report = async (eventId: string, status: string, at: string) => {
    const body = JSON.stringify({ eventId, ticketId: ids[0], orderNo: `WO${ids[0]}`, status, occurredAt: bj(at).toISOString(), technicianName: '李师傅', technicianJobNo: 'W1' });
    await t.request.post('/api/v1/integrations/work-orders/events').set(signedHeaders(t.config.workorder.secret, body, t.clock.now(), eventId)).send(body).expect(200);
  };
  await report(`qo-${ids[0]}-2`, 'en_route', '2026-12-01T15:40');
  expect((await t.orm.em.fork().findOneOrFail(Ticket, ids[0])).lastEventAt).toEqual(bj('2026-12-01T15:40'));
  await report(`qo-${ids[0]}-1`, 'dispatched', '2026-12-01T15:20');
  expect((await t.orm.em.fork().findOneOrFail(Ticket, ids[0])).lastEventAt).toEqual(bj('2026-12-01T15:40'));
  expect((await queue('sort=id')).items[0].lastChangeAt).toBe(bj('2026-12-01T15:40').toISOString());
});

test('the queue sorts by last change and by ticket number over every status, both ways, page by page', async () => {
  // ids[0] is now accepted/dispatched (changed last), the other two still submitted.
  expect(await order('sort=last_change&dir=desc')).toEqual([ids[0], ids[2], ids[1]]);
  expect(await order('sort=last_change')).toEqual([ids[1], ids[2], ids[0]]);
  expect(await order('sort=id&dir=desc')).toEqual([ids[2], ids[1], ids[0]]);
  expect(await order('sort=id&dir=asc')).toEqual([ids[0], ids[1], ids[2]]);
  // Page 2 of 1 continues the order across statuses (the merge of each status's index walk).
  const p2 = await queue('sort=last_change&dir=desc&pageSize=1&page=2');
  expect(p2).toMatchObject({ total: 3, items: [expect.objectContaining({ id: ids[2] })] });
  // The default order is still the deadline's.
  expect(await order('')).toEqual(await order('sort=deadline&dir=asc'));
});

test('an unknown order is refused with a message naming the field', async () => {
  const res = await t.request.get('/api/v1/staff/tickets?sort=owner').set(agent.auth).expect(400);
  expect(res.body.error.code).toBe('VALIDATION_FAILED');
  expect(JSON.stringify(res.body.error.details)).toContain('sort');
});
