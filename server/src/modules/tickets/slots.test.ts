import { createTestApp, type TestApp } from '../../../test/harness';
import { AppointmentSlot, TicketAppointment } from './appointment.entity';
import { Ticket } from './ticket.entity';
import { bj, createSubscriber, fileTicket, type SubscriberFixture } from './tickets.fixtures';

/** Tuesday 29 December 2026: New Year's Day 2027 (Fri) and the weekend after it are off. */
const BASE = bj('2026-12-29T10:00');

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

const slotsOf = async (u: SubscriberFixture) =>
  (await t.request.get(`/api/v1/appointment-slots?accountId=${u.accountId}`).set(u.auth).expect(200)).body.data as {
    area: string;
    slots: { date: string; half: string; label: string; capacity: number; booked: number; available: number }[];
  };
const file = (u: SubscriberFixture, body: Record<string, unknown>) =>
  t.request
    .post('/api/v1/tickets')
    .set(u.auth)
    .send({ type: 'fault', accountId: u.accountId, description: '电视没有信号，需要上门检查', contactPhone: '13812345678', ...body });

test('half-day slots from tomorrow on the operator’s working days, with each area’s capacity', async () => {
  t.deps.config.operator.appointments.areaCapacity.gongshu = { am: 5, pm: 2 };
  const u = await createSubscriber(t, 'gongshu');
  const view = await slotsOf(u);
  expect(view.area).toBe('gongshu');
  const dates = [...new Set(view.slots.map((s) => s.date))];
  // today is not offered; 2027-01-01..03 (holiday + weekend) are skipped
  expect(dates).toEqual(['2026-12-30', '2026-12-31', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08']);
  expect(view.slots.slice(0, 2)).toEqual([
    { date: '2026-12-30', half: 'am', label: '上午 09:00-12:00', capacity: 5, booked: 0, available: 5 },
    { date: '2026-12-30', half: 'pm', label: '下午 13:30-17:30', capacity: 2, booked: 0, available: 2 },
  ]);
  const elsewhere = await createSubscriber(t, 'xihu');
  expect((await slotsOf(elsewhere)).slots[0].capacity).toBe(t.config.operator.appointments.capacityPerHalfDay);
  // someone else's account answers 404
  await t.request.get(`/api/v1/appointment-slots?accountId=${u.accountId}`).set(elsewhere.auth).expect(404);
});

test('a slot must be one on offer, and only home visits book one', async () => {
  const u = await createSubscriber(t, 'xihu');
  for (const appointment of [
    { date: '2026-12-29', half: 'am' }, // today
    { date: '2027-01-01', half: 'am' }, // a holiday
    { date: '2027-01-02', half: 'pm' }, // a weekend
    { date: '2027-03-01', half: 'am' }, // too far ahead
  ]) {
    expect((await file(u, { appointment }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
  }
  await file(u, { type: 'complaint', appointment: { date: '2026-12-30', half: 'am' } }).expect(400);
  await file(u, { type: 'installation', appointment: { date: '2026-12-30', half: 'am' } }).expect(201);
  await file(u, { type: 'restoration', appointment: { date: '2026-12-30', half: 'pm' } }).expect(201);
});

test('concurrent bookings never oversell a half-day; the refused filings leave no ticket behind', async () => {
  t.deps.config.operator.appointments.areaCapacity.binjiang = { am: 3, pm: 1 };
  const subscribers = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => createSubscriber(t, 'binjiang')));
  const appointment = { date: '2026-12-31', half: 'am' };
  const results = await Promise.all(subscribers.map((u) => file(u, { appointment })));
  expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
  for (const r of results.filter((x) => x.status === 409)) {
    expect(r.body.error).toMatchObject({ code: 'APPOINTMENT_SLOT_FULL', details: appointment, message: expect.stringContaining('已满') });
  }
  const em = t.orm.em.fork();
  expect(await em.count(Ticket, { userId: { $in: subscribers.map((s) => s.userId) } })).toBe(3);
  expect(await em.count(TicketAppointment, { area: 'binjiang', date: '2026-12-31', half: 'am', status: 'booked' })).toBe(3);
  expect((await em.findOneOrFail(AppointmentSlot, { area: 'binjiang', date: '2026-12-31', half: 'am' })).booked).toBe(3);
  const slot = (await slotsOf(subscribers[0])).slots.find((s) => s.date === '2026-12-31' && s.half === 'am');
  expect(slot).toMatchObject({ capacity: 3, booked: 3, available: 0 });
  // the afternoon is its own half-day
  await file(subscribers[7], { appointment: { date: '2026-12-31', half: 'pm' } }).expect(201);
  await file(subscribers[6], { appointment: { date: '2026-12-31', half: 'pm' } }).expect(409);
});

test('cancelling the ticket frees its place once; the booking shows in the timeline', async () => {
  t.deps.config.operator.appointments.areaCapacity.chunan = { am: 1, pm: 1 };
  const [a, b] = await Promise.all([createSubscriber(t, 'chunan'), createSubscriber(t, 'chunan')]);
  const appointment = { date: '2027-01-04', half: 'pm' };
  const id = await fileTicket(t, a, { appointment });
  const booked = await t.request.get(`/api/v1/tickets/${id}`).set(a.auth).expect(200);
  expect(booked.body.data.timeline.map((e: { kind: string }) => e.kind)).toEqual(['submitted', 'appointment_booked']);
  expect(booked.body.data.timeline[1].message).toContain('2027-01-04 下午 13:30-17:30');
  await file(b, { appointment }).expect(409);

  await t.request.post(`/api/v1/tickets/${id}/cancel`).set(a.auth).send({ reason: '已自行修好' }).expect(200);
  await t.request.post(`/api/v1/tickets/${id}/cancel`).set(a.auth).send({ reason: '再次撤销' }).expect(409);
  const freed = (await slotsOf(a)).slots.find((s) => s.date === '2027-01-04' && s.half === 'pm');
  expect(freed).toMatchObject({ booked: 0, available: 1 });
  await file(b, { appointment }).expect(201);
  expect((await slotsOf(a)).slots.find((s) => s.date === '2027-01-04' && s.half === 'pm')).toMatchObject({ booked: 1, available: 0 });
});
