import { createTestApp, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { Ticket } from '../tickets/ticket.entity';
import { bj, createStaff, createSubscriber, type SubscriberFixture } from '../tickets/tickets.fixtures';
import { BillDispute } from '../billing/bill-dispute.entity';
import { BillLine } from '../billing/bill-line.entity';
import { Bill } from '../billing/bill.entity';

/**
 * Tuesday 1 December 2026, 10:00. The November bill (¥100) was due 2026-11-20: 11 days overdue, so
 * under config/operator.json (万分之五 a day, no grace) its late fee is 55 fen today.
 */
const BASE = bj('2026-12-01T10:00');
const DAY = 86_400_000;
const fee = (days: number) => Math.floor((10_000 * 5 * days) / 10_000);

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: BASE });
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

/** A subscriber owing one overdue bill of two lines: water ¥60 and sewage ¥40. */
async function owing(): Promise<SubscriberFixture & { billId: number; water: number; sewage: number }> {
  const u = await createSubscriber(t);
  const em = t.orm.em.fork();
  const bill = Object.assign(new Bill(), { accountId: u.accountId, period: '2026-11', amountFen: 10_000, dueDate: '2026-11-20', status: 'unpaid', createdAt: BASE });
  await em.persistAndFlush(bill);
  const line = (itemCode: string, name: string, amountFen: number) =>
    Object.assign(new BillLine(), { billId: bill.id, itemCode, name, quantity: 1, unit: '月', unitPriceFen: amountFen, amountFen });
  const water = line('water', '水费', 6000);
  const sewage = line('sewage', '污水处理费', 4000);
  await em.persistAndFlush([water, sewage]);
  return { ...u, billId: bill.id, water: water.id, sewage: sewage.id };
}

const dispute = (u: SubscriberFixture, billId: number, lineId: number, reason = '本月并未用水，污水处理费计收有误') =>
  t.request.post(`/api/v1/bills/${billId}/dispute`).set(u.auth).send({ lineId, reason });
const lateFeeOf = async (u: SubscriberFixture, billId: number) => (await t.request.get(`/api/v1/bills/${billId}`).set(u.auth).expect(200)).body.data.lateFeeFen as number;

test('disputing a line opens a complaint tied to the bill; the late fee stops until the complaint is answered, then runs again', async () => {
  const u = await owing();
  expect(await lateFeeOf(u, u.billId)).toBe(fee(11));
  const detail = await t.request.get(`/api/v1/bills/${u.billId}`).set(u.auth).expect(200);
  expect(detail.body.data.lines.map((l: { id: number }) => l.id)).toEqual([u.water, u.sewage]);

  const res = await dispute(u, u.billId, u.sewage).expect(201);
  expect(res.body.data.dispute).toMatchObject({ billId: u.billId, lineId: u.sewage, lateFeeSuspended: true });
  const ticketId = res.body.data.ticket.id as number;
  expect(res.body.data.ticket).toMatchObject({ type: 'complaint', status: 'submitted', clock: { commitmentCode: 'complaint_reply' } });
  expect(res.body.data.ticket.description).toContain('2026-11 账单「污水处理费」¥40.00');
  expect((await t.orm.em.fork().findOneOrFail(Ticket, ticketId)).accountId).toBe(u.accountId);
  expect(await t.orm.em.fork().count(AuditLog, { action: 'bill.dispute', entityId: String(u.billId) })).toBe(1);

  // The day of the dispute and every day it stays open carry no fee: 10 days (11-21..11-30), however long it waits.
  expect(await lateFeeOf(u, u.billId)).toBe(fee(10));
  t.clock.set(new Date(BASE.getTime() + 5 * DAY));
  expect(await lateFeeOf(u, u.billId)).toBe(fee(10));
  const arrears = await t.request.get(`/api/v1/accounts/${u.accountId}/arrears`).set(u.auth).expect(200);
  expect(arrears.body.data).toMatchObject({ principalFen: 10_000, lateFeeFen: fee(10), totalDueFen: 10_000 + fee(10) });
  const accounts = await t.request.get('/api/v1/accounts').set(u.auth).expect(200);
  expect(accounts.body.data.find((a: { id: number }) => a.id === u.accountId).amountDueFen).toBe(10_000 + fee(10));
  // what paying costs is what the bill shows
  const order = await t.request.post('/api/v1/payments').set(u.auth).send({ billIds: [u.billId], channel: 'alipay_wap' }).expect(201);
  expect(order.body.data.order.amountFen).toBe(10_000 + fee(10));

  // answered on 12-07 (that day still free): from 12-08 the fee runs again
  t.clock.set(bj('2026-12-07T15:00'));
  const onDuty = await createStaff(t, 'bd_agent2', 'agent', '李强', 'KF5002'); // signed in today (staff sessions last 12 h)
  await t.request.post(`/api/v1/staff/tickets/${ticketId}/claim`).set(onDuty.auth).expect(200);
  await t.request.post(`/api/v1/staff/tickets/${ticketId}/resolve`).set(onDuty.auth).send({ message: '经核实抄表无误，污水处理费按用水量计收' }).expect(200);
  expect(await lateFeeOf(u, u.billId)).toBe(fee(10));
  t.clock.set(bj('2026-12-10T10:00'));
  expect(await lateFeeOf(u, u.billId)).toBe(fee(13));
  const disputes = await t.request.get(`/api/v1/bills/${u.billId}/disputes`).set(u.auth).expect(200);
  expect(disputes.body.data).toEqual([expect.objectContaining({ ticketId, lateFeeSuspended: false })]);

  // "not answered": reopening makes the complaint unanswered again, and the fee stops again
  await t.request.post(`/api/v1/tickets/${ticketId}/reopen`).set(u.auth).send({ reason: '答复没有解释为何无用水仍计费' }).expect(200);
  expect(await lateFeeOf(u, u.billId)).toBe(fee(10));
});

test('the account list and the bills tab read disputes only for a disputed bill, and show its suspended fee', async () => {
  const u = await owing();
  const statements: string[] = [];
  const stop = t.deps.readDb.onQuery((q) => statements.push(q.sql));
  const disputeReads = () => statements.filter((sql) => /^select `bill_dispute`/.test(sql)).length;
  const pages = async () => {
    const accounts = await t.request.get('/api/v1/accounts').set(u.auth).expect(200);
    const bills = await t.request.get('/api/v1/bills').set(u.auth).expect(200);
    return {
      due: accounts.body.data.find((a: { id: number }) => a.id === u.accountId).amountDueFen as number,
      lateFee: bills.body.data.items.find((b: { id: number }) => b.id === u.billId).lateFeeFen as number,
    };
  };
  try {
    expect(await pages()).toEqual({ due: 10_000 + fee(11), lateFee: fee(11) });
    expect(disputeReads()).toBe(0);
    await dispute(u, u.billId, u.water).expect(201);
    expect(await pages()).toEqual({ due: 10_000 + fee(10), lateFee: fee(10) });
    expect(disputeReads()).toBe(2);
  } finally {
    stop();
  }
});

test('a withdrawn dispute (complaint cancelled) lets the fee run again from the next day', async () => {
  const u = await owing();
  const ticketId = (await dispute(u, u.billId, u.water).expect(201)).body.data.ticket.id as number;
  t.clock.set(bj('2026-12-03T09:00'));
  await t.request.post(`/api/v1/tickets/${ticketId}/cancel`).set(u.auth).send({ reason: '已核对，账单无误' }).expect(200);
  t.clock.set(bj('2026-12-05T09:00'));
  // 11-21..11-30 and 12-04..12-05
  expect(await lateFeeOf(u, u.billId)).toBe(fee(12));
});

test('one dispute per line, even when sent twice at once; someone else’s bill or a line of another bill is 404', async () => {
  const u = await owing();
  const other = await owing();
  const [a, b] = await Promise.all([dispute(u, u.billId, u.water), dispute(u, u.billId, u.water)]);
  expect([a.status, b.status].sort()).toEqual([201, 409]);
  const loser = a.status === 409 ? a : b;
  expect(loser.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('已提出过异议') });
  const em = t.orm.em.fork();
  expect(await em.count(BillDispute, { billLineId: u.water })).toBe(1);
  expect(await em.count(Ticket, { userId: u.userId, type: 'complaint' })).toBe(1);
  await dispute(u, u.billId, u.water).expect(409);

  expect((await dispute(other, u.billId, u.sewage).expect(404)).body.error.code).toBe('NOT_FOUND');
  await dispute(u, u.billId, other.sewage).expect(404);
  await dispute(u, 999_999, u.sewage).expect(404);
  await t.request.post(`/api/v1/bills/${u.billId}/dispute`).set(u.auth).send({ lineId: u.sewage, reason: '错' }).expect(400);
  await t.request.get(`/api/v1/bills/${u.billId}/disputes`).set(other.auth).expect(404);
  // the other bill's fee is untouched by this one's dispute
  expect(await lateFeeOf(other, other.billId)).toBe(fee(11));
});
