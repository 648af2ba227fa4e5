import { createTestApp, type TestApp } from '../../../test/harness';
import { signedHeaders } from '../../integrations/workorder/workorder.protocol';
import { AuditLog } from '../audit/audit-log.entity';
import { Account } from '../accounts/account.entity';
import { Notification } from '../notifications/notification.entity';
import { PaymentOrder } from '../payments/payment-order.entity';
import { Refund } from '../payments/refund.entity';
import { TicketRating } from '../tickets/ticket-rating.entity';
import { HOUR, bj, createStaff, createSubscriber, fileTicket, type StaffFixture, type SubscriberFixture } from '../tickets/tickets.fixtures';
import { User } from '../users/user.entity';

/** The console's subscriber page, and the notices (with their outcome) on it and on the account page. */
let t: TestApp;
let agent: StaffFixture;
let u: SubscriberFixture;
let account: Account;
let phone: string;
let ticketId: number;

async function drain(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    const r = await t.app.services.outbox.runOnce(t.clock.now());
    if (r.sent === 0 && r.failed === 0 && r.skipped === 0) break;
  }
}

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: bj('2026-12-01T10:00') });
  agent = await createStaff(t, 'sub_agent', 'agent', '王芳', 'KF2001');
  u = await createSubscriber(t, 'binjiang');
  const em = t.orm.em.fork();
  account = await em.findOneOrFail(Account, u.accountId);
  phone = (await em.findOneOrFail(User, u.userId)).phone!;
  ticketId = await fileTicket(t, u);
  const now = t.clock.now();
  const order = Object.assign(new PaymentOrder(), { outTradeNo: 'OH202612019001', userId: u.userId, accountId: u.accountId, kind: 'topup', channel: 'wechat_h5', status: 'paid', amountFen: 5000, description: '预存', expiresAt: now, paidAt: now, createdAt: now, updatedAt: now });
  await em.persistAndFlush(order);
  em.persist(Object.assign(new Refund(), { orderId: order.id, outRefundNo: 'RF9001', amountFen: 5000, reason: '重复缴费', kind: 'staff', status: 'success', createdAt: now, updatedAt: now }));
  await em.flush();
}, 120_000);
afterAll(() => t.close());

describe('notices keep their outcome', () => {
  test('a failed SMS is recorded as failed with the error, then as sent with the gateway id once the retry goes through', async () => {
    await t.request.post(`/api/v1/staff/tickets/${ticketId}/claim`).set(agent.auth).expect(200);
    const send = jest.spyOn(t.deps.sms, 'send').mockRejectedValueOnce(new Error('SMS gateway answered 503'));
    try {
      await drain();
    } finally {
      send.mockRestore();
    }
    const failed = await t.orm.em.fork().findOneOrFail(Notification, { userId: u.userId, event: 'ticket_accepted' });
    expect(failed).toMatchObject({ status: 'failed', channel: 'sms', detail: 'SMS gateway answered 503', attempts: 1, accountId: u.accountId, ticketId, providerId: null });

    t.clock.advance(HOUR);
    await drain();
    const sent = await t.orm.em.fork().findOneOrFail(Notification, { userId: u.userId, event: 'ticket_accepted' });
    const sms = t.deps.sandboxes.sms!.list(phone).find((m) => m.text.includes('受理'));
    expect(sms).toBeDefined();
    expect(sent).toMatchObject({ id: failed.id, status: 'sent', channel: 'sms', detail: null, attempts: 2, providerId: sms!.id });
  });

  test('a notice the subscriber switched off is recorded as skipped, with the reason; a reply is sent', async () => {
    await t.request.put('/api/v1/me/notification-preferences').set(u.auth).send({ preferences: [{ kind: 'technician_en_route', enabled: false }] }).expect(200);
    const eventId = `ev-sub-${ticketId}`;
    const body = JSON.stringify({ eventId, ticketId, orderNo: `WO${ticketId}`, status: 'en_route', occurredAt: t.clock.now().toISOString(), technicianName: '李师傅', technicianJobNo: 'W1024' });
    await t.request.post('/api/v1/integrations/work-orders/events').set(signedHeaders(t.config.workorder.secret, body, t.clock.now(), eventId)).send(body).expect(200);
    await t.request.post(`/api/v1/staff/tickets/${ticketId}/reply`).set(agent.auth).send({ message: '已安排师傅上门' }).expect(200);
    await drain();
    const em = t.orm.em.fork();
    expect(await em.findOneOrFail(Notification, { userId: u.userId, event: 'technician_en_route' })).toMatchObject({ status: 'skipped', channel: null, detail: 'technician_en_route: switched off by the user', sentAt: null });
    expect(await em.findOneOrFail(Notification, { userId: u.userId, event: 'reply_waiting' })).toMatchObject({ status: 'sent', channel: 'sms' });
  });
});

describe('the console subscriber page', () => {
  test('shows the subscriber whole: bound accounts with balance, tickets with ratings, payments with refunds, notices with their outcome; masked', async () => {
    const em = t.orm.em.fork();
    em.persist(Object.assign(new TicketRating(), { ticketId, round: 1, userId: u.userId, stars: 3, reasons: [], comment: '还行', createdAt: t.clock.now() }));
    await em.flush();
    const res = await t.request.get(`/api/v1/staff/subscribers/${u.userId}`).set(agent.auth).expect(200);
    const v = res.body.data;
    expect(v.user).toMatchObject({ id: u.userId, phoneMasked: `${phone.slice(0, 3)}****${phone.slice(-4)}`, wechat: false });
    expect(v.bindings).toEqual([expect.objectContaining({ accountNo: account.accountNo, holderNameMasked: '林**', areaName: '滨江区', isDefault: true })]);
    expect(v.tickets).toEqual([expect.objectContaining({ id: ticketId, accountNo: account.accountNo, ratings: [expect.objectContaining({ stars: 3, comment: '还行' })] })]);
    expect(v.payments).toEqual([expect.objectContaining({ outTradeNo: 'OH202612019001', accountNo: account.accountNo, refunds: [expect.objectContaining({ amountFen: 5000, status: 'success' })] })]);
    expect(v.notifications.map((n: { event: string }) => n.event)).toEqual(['reply_waiting', 'technician_en_route', 'ticket_accepted']);
    expect(v.notifications[1]).toMatchObject({ status: 'skipped', detail: 'technician_en_route: switched off by the user' });
    expect(v.notifications[2]).toMatchObject({ eventName: '工单受理通知', channel: 'sms', status: 'sent', attempts: 2, accountNo: account.accountNo, ticketId });
    expect(v.notifications[2].providerId).toMatch(/^SMS/);
    const text = JSON.stringify(v);
    for (const secret of [phone, account.holderName, account.holderPhone, '13812345678']) expect(text).not.toContain(secret);
  });

  test('the account page lists the notices about the account too', async () => {
    const res = await t.request.get(`/api/v1/staff/accounts/${account.accountNo}`).set(agent.auth).expect(200);
    expect(res.body.data.notifications).toEqual([
      expect.objectContaining({ event: 'reply_waiting', status: 'sent' }),
      expect.objectContaining({ event: 'technician_en_route', status: 'skipped' }),
      expect.objectContaining({ event: 'ticket_accepted', status: 'sent', channel: 'sms', accountNo: account.accountNo }),
    ]);
  });

  test('each opening is audit-logged (phone masked); an unknown user answers 404, a bad id 400; subscribers cannot open it', async () => {
    await t.request.get(`/api/v1/staff/subscribers/${u.userId}`).set(agent.auth).expect(200);
    const logs = await t.orm.em.fork().find(AuditLog, { action: 'subscriber.view', actorId: agent.id }, { orderBy: { id: 'desc' } });
    expect(logs[0]).toMatchObject({ actorKind: 'staff', entityType: 'portal_user', entityId: String(u.userId), detail: { phone: `${phone.slice(0, 3)}****${phone.slice(-4)}` } });
    await t.request.get('/api/v1/staff/subscribers/999999').set(agent.auth).expect(404);
    expect((await t.request.get('/api/v1/staff/subscribers/abc').set(agent.auth).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    await t.request.get(`/api/v1/staff/subscribers/${u.userId}`).set(u.auth).expect(401);
  });
});
