import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { Account } from '../accounts/account.entity';
import { Bill } from '../billing/bill.entity';
import { PaymentOrderBill } from '../payments/payment-order-bill.entity';
import { PaymentOrder } from '../payments/payment-order.entity';
import { Refund } from '../payments/refund.entity';
import { TicketCallback } from '../tickets/ticket-callback.entity';
import { TicketRating } from '../tickets/ticket-rating.entity';

/** The console's account page, on the demo data: 1000000001 (张三, water, 上城区). */
let t: TestApp;
let staff: Record<string, string>;
let user: Record<string, string>;
let ticketId: number;

beforeAll(async () => {
  t = await createTestApp();
  staff = { Authorization: `Bearer ${await signInStaff(t, 'agent1')}` };
  user = { Authorization: `Bearer ${await signInBySms(t, '13800000001')}` };
  const bound = await t.request.post('/api/v1/accounts/bind').set(user).send({ accountNo: '1000000001', holderName: '张三' }).expect(201);
  const accountId = bound.body.data.id as number;
  const filed = await t.request.post('/api/v1/tickets').set(user).send({ type: 'fault', accountId, description: '水压太低，楼上完全没水', contactPhone: '13800000001' }).expect(201);
  ticketId = filed.body.data.id;
  const em = t.orm.em.fork();
  const now = t.clock.now();
  // A bill paid through the portal and partly refunded; the ticket rated 2 stars with a callback due.
  const bill = (await em.find(Bill, { accountId }, { orderBy: { period: 'desc' }, limit: 1 }))[0];
  const order = Object.assign(new PaymentOrder(), { outTradeNo: 'OH202612010001', userId: 1, kind: 'bills', channel: 'wechat_h5', status: 'paid', amountFen: bill.amountFen, description: '水费', expiresAt: now, paidAt: now, createdAt: now, updatedAt: now });
  await em.persistAndFlush(order);
  em.persist(Object.assign(new PaymentOrderBill(), { orderId: order.id, billId: bill.id, amountFen: bill.amountFen, lateFeeFen: 0 }));
  em.persist(Object.assign(new Refund(), { orderId: order.id, outRefundNo: 'RF1', amountFen: 100, reason: '多收滞纳金', kind: 'staff', status: 'success', createdAt: now, updatedAt: now }));
  em.persist(Object.assign(new TicketRating(), { ticketId, round: 1, userId: 1, stars: 2, reasons: [], comment: '太慢了', createdAt: now }));
  em.persist(Object.assign(new TicketCallback(), { ticketId, round: 1, reason: 'low_rating', status: 'open', dueAt: now, createdAt: now, updatedAt: now }));
  await em.flush();
}, 120_000);
afterAll(() => t.close());

describe('the console account page', () => {
  test('shows the account whole: holder masked, bindings, bills, payments with refunds, packages, tickets with ratings and callbacks', async () => {
    const res = await t.request.get('/api/v1/staff/accounts/1000000001').set(staff).expect(200);
    const v = res.body.data;
    expect(v.account).toMatchObject({ accountNo: '1000000001', holderNameMasked: '张*', areaName: '上城区' });
    expect(v.account.holderPhoneMasked).toMatch(/^\d{3}\*{4}\d{4}$/);
    expect(v.bindings).toEqual([expect.objectContaining({ phoneMasked: '138****0001' })]);
    expect(v.bills.length).toBeGreaterThan(0);
    expect(v.payments).toEqual([expect.objectContaining({ outTradeNo: 'OH202612010001', status: 'paid', refunds: [expect.objectContaining({ amountFen: 100, status: 'success' })] })]);
    expect(v.tickets).toEqual([expect.objectContaining({ id: ticketId, ratings: [expect.objectContaining({ stars: 2, comment: '太慢了' })], callbacks: [expect.objectContaining({ status: 'open' })] })]);
    const text = JSON.stringify(v);
    const account = await t.orm.em.fork().findOneOrFail(Account, { accountNo: '1000000001' });
    for (const secret of [account.holderName, account.holderPhone, '13800000001', account.idNumber ?? '-none-']) expect(text).not.toContain(secret);
  });

  test('each opening is in the audit log; an unknown account answers 404; subscribers cannot open it', async () => {
    await t.request.get('/api/v1/staff/accounts/1000000001').set(staff).expect(200);
    const logs = await t.orm.em.fork().find(AuditLog, { action: 'account.view' });
    expect(logs.length).toBeGreaterThanOrEqual(1);
    expect(logs[logs.length - 1]).toMatchObject({ actorKind: 'staff', entityType: 'account', detail: { accountNo: '1000000001' } });
    await t.request.get('/api/v1/staff/accounts/9999999999').set(staff).expect(404);
    await t.request.get('/api/v1/staff/accounts/1000000001').set(user).expect(401);
  });
});
