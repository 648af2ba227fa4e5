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

interface SlotsView {
  area: string;
  commitment: { title: string; deadline: string };
  slots: { date: string; half: string; label: string; weekday: string; startsAt: string; capacity: number; booked: number; available: number; afterDeadline: boolean }[];
}
const slotsOf = async (u: SubscriberFixture, type = 'fault') =>
  (await t.request.get(`/api/v1/appointment-slots?accountId=${u.accountId}&type=${type}`).set(u.auth).expect(200)).body.data as SlotsView;
const file = (u: SubscriberFixture, body: Record<string, unknown>) =>
  t.request
    .post('/api/v1/tickets')
    .set(u.auth)
    .send({ type: 'fault', accountId: u.accountId, description: '电视没有信号，需要上门检查', contactPhone: '13812345678', ...body });
const halves = (v: SlotsView) => v.slots.map((s) => `${s.date} ${s.weekday} ${s.half}${s.afterDeadline ? ' late' : ''}`);

test('a fault’s visits are offered every day from today, because its 24 hours run every day', async () => {
  t.deps.config.operator.appointments.areaCapacity.gongshu = { am: 5, pm: 2 };
  const u = await createSubscriber(t, 'gongshu');
  const view = await slotsOf(u);
  expect(view.area).toBe('gongshu');
  // Tue 10:00: this morning has begun, this afternoon is offered; the holiday and the weekend are too
  expect(view.commitment.deadline).toBe(bj('2026-12-30T10:00').toISOString());
  expect(halves(view)).toEqual([
    '2026-12-29 周二 pm',
    '2026-12-30 周三 am',
    '2026-12-30 周三 pm late',
    ...['2026-12-31 周四', '2027-01-01 周五', '2027-01-02 周六', '2027-01-03 周日', '2027-01-04 周一'].flatMap((d) => [`${d} am late`, `${d} pm late`]),
  ]);
  expect(view.slots[1]).toEqual({
    date: '2026-12-30',
    half: 'am',
    label: '上午 09:00-12:00',
    weekday: '周三',
    startsAt: bj('2026-12-30T09:00').toISOString(),
    endsAt: bj('2026-12-30T12:00').toISOString(),
    capacity: 5,
    booked: 0,
    available: 5,
    afterDeadline: false,
  });
  expect(view.slots[0].capacity).toBe(2);
  const elsewhere = await createSubscriber(t, 'xihu');
  expect((await slotsOf(elsewhere)).slots[0].capacity).toBe(t.config.operator.appointments.capacityPerHalfDay);
  // someone else's account answers 404
  await t.request.get(`/api/v1/appointment-slots?accountId=${u.accountId}`).set(elsewhere.auth).expect(404);
});

test('a fault filed on Friday evening can be visited on Saturday, within its 24 hours', async () => {
  t.clock.set(bj('2027-01-08T19:00')); // a Friday
  const u = await createSubscriber(t, 'xihu');
  const view = await slotsOf(u);
  expect(halves(view).slice(0, 3)).toEqual(['2027-01-09 周六 am', '2027-01-09 周六 pm', '2027-01-10 周日 am late']);
  // 08:30 on a working day: this morning begins in 30 minutes, under the hour's notice a technician needs
  t.clock.set(bj('2027-01-11T08:30'));
  expect(halves(await slotsOf(u))[0]).toBe('2027-01-11 周一 pm');
  t.clock.set(bj('2027-01-11T07:59'));
  expect(halves(await slotsOf(u))[0]).toBe('2027-01-11 周一 am');
});

test('installations and restorations run on working days, so their visits are working days from tomorrow', async () => {
  const u = await createSubscriber(t, 'xihu');
  for (const type of ['installation', 'restoration']) {
    const view = await slotsOf(u, type);
    expect([...new Set(view.slots.map((s) => s.date))]).toEqual(['2026-12-30', '2026-12-31', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08']);
    // 5 working days from Tue 10:00, New Year's Day and the weekend not counted: due at the end of Wed 6 January
    expect(view.commitment.deadline).toBe(bj('2027-01-07T00:00').toISOString());
    expect(halves(view).filter((h) => h.endsWith('late'))).toEqual(['2027-01-07 周四 am late', '2027-01-07 周四 pm late', '2027-01-08 周五 am late', '2027-01-08 周五 pm late']);
  }
  await t.request.get(`/api/v1/appointment-slots?accountId=${u.accountId}&type=complaint`).set(u.auth).expect(400);
});

test('a visit chosen after the deadline pauses the clock until it begins, and says so; one within it does not', async () => {
  const u = await createSubscriber(t, 'xihu');
  const late = await fileTicket(t, u, { appointment: { date: '2027-01-02', half: 'am' } });
  const view = (await t.request.get(`/api/v1/tickets/${late}`).set(u.auth).expect(200)).body.data;
  // until the visit the clock waits, and the deadline is already known: 24 h from the visit
  expect(view.clock).toMatchObject({ paused: true, pausedFor: 'appointment', pausedUntil: bj('2027-01-02T09:00').toISOString(), deadline: bj('2027-01-03T09:00').toISOString() });
  expect(view.timeline.map((e: { kind: string }) => e.kind)).toEqual(['submitted', 'appointment_booked', 'clock_paused']);
  expect(view.timeline[2].message).toContain('01月02日 09:00');
  expect((await t.orm.em.fork().findOneOrFail(Ticket, late)).deadlineAt?.toISOString()).toBe(bj('2027-01-03T09:00').toISOString());
  // once the visit has begun the clock runs: 24 h less the 3 spent
  t.clock.set(bj('2027-01-02T12:00'));
  const visiting = (await t.request.get(`/api/v1/tickets/${late}`).set(u.auth).expect(200)).body.data;
  expect(visiting.clock).toMatchObject({ paused: false, pausedFor: null, pausedUntil: null, deadline: bj('2027-01-03T09:00').toISOString(), remainingMs: 21 * 3_600_000 });
  t.clock.set(BASE);

  const onTime = await fileTicket(t, u, { appointment: { date: '2026-12-29', half: 'pm' } });
  const kept = (await t.request.get(`/api/v1/tickets/${onTime}`).set(u.auth).expect(200)).body.data;
  expect(kept.clock).toMatchObject({ paused: false, pausedFor: null, deadline: bj('2026-12-30T10:00').toISOString() });
  expect(kept.timeline.map((e: { kind: string }) => e.kind)).toEqual(['submitted', 'appointment_booked']);
});

test('a slot must be one on offer, and only home visits book one', async () => {
  const u = await createSubscriber(t, 'xihu');
  for (const [type, appointment] of [
    ['fault', { date: '2026-12-29', half: 'am' }], // this morning, already begun
    ['fault', { date: '2026-12-28', half: 'pm' }], // yesterday
    ['installation', { date: '2027-01-01', half: 'am' }], // a holiday, on a working-day clock
    ['installation', { date: '2026-12-29', half: 'pm' }], // today, on a working-day clock
    ['fault', { date: '2027-03-01', half: 'am' }], // too far ahead
  ] as const) {
    expect((await file(u, { type, appointment }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
  }
  await file(u, { type: 'complaint', appointment: { date: '2026-12-30', half: 'am' } }).expect(400);
  await file(u, { type: 'fault', appointment: { date: '2027-01-01', half: 'am' } }).expect(201);
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
  expect(booked.body.data.timeline.map((e: { kind: string }) => e.kind)).toEqual(['submitted', 'appointment_booked', 'clock_paused']);
  expect(booked.body.data.timeline[1].message).toContain('2027-01-04 下午 13:30-17:30');
  await file(b, { appointment }).expect(409);

  await t.request.post(`/api/v1/tickets/${id}/cancel`).set(a.auth).send({ reason: '已自行修好' }).expect(200);
  await t.request.post(`/api/v1/tickets/${id}/cancel`).set(a.auth).send({ reason: '再次撤销' }).expect(409);
  const freed = (await slotsOf(a)).slots.find((s) => s.date === '2027-01-04' && s.half === 'pm');
  expect(freed).toMatchObject({ booked: 0, available: 1 });
  await file(b, { appointment }).expect(201);
  expect((await slotsOf(a)).slots.find((s) => s.date === '2027-01-04' && s.half === 'pm')).toMatchObject({ booked: 1, available: 0 });
});
