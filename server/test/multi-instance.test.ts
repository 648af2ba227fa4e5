/**
 * Two OpenHall instances on one database, each with its own ORM, connection pool and HTTP server,
 * as two server processes behind a load balancer would be: work that must happen once happens once.
 * On MySQL/MariaDB (the multi-instance deployment); on SQLite the same code paths are exercised
 * through conditional-UPDATE claims.
 */
import { randomUUID } from 'node:crypto';
import { createTestApp, latestSmsCode, onMysql, signInBySms, type TestApp } from './harness';
import type { RedisSessionRevocations } from '../src/http/session-revocations';
import { AuditLog } from '../src/modules/audit/audit-log.entity';
import { Bill } from '../src/modules/billing/bill.entity';
import { OutboxMessage } from '../src/modules/outbox/outbox-message.entity';
import { PaymentOrder } from '../src/modules/payments/payment-order.entity';
import { runOnce } from '../src/modules/payments/payment-expiry.job';
import { billOf, newBill, orderOf, smsUserWithAccount, wechatNotifyFor } from '../src/modules/payments/payments.test-support';
import { workOrderRunner } from '../src/integrations/workorder/workorder.test-support';
import { ReconciliationRun } from '../src/modules/payments/reconciliation-run.entity';
import { RENEWAL_REMINDER_TOPIC, RenewalReminderJob } from '../src/modules/renewals/renewal-reminder.job';
import { CallbackJob } from '../src/modules/tickets/callback.job';
import { createStaff, createSubscriber, fileTicket } from '../src/modules/tickets/tickets.fixtures';

let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await createTestApp();
  b = await createTestApp({ sameDatabaseAs: a });
}, 120_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
});

test('the two instances really are separate: an edit through one is read through the other', async () => {
  expect(a.orm).not.toBe(b.orm);
  expect(a.baseUrl).not.toBe(b.baseUrl);
  const token = await smsUserWithAccount(a, '13900000101');
  const res = await b.request.get('/api/v1/accounts').set('Authorization', `Bearer ${token}`).expect(200);
  expect(res.body.data.map((x: { accountNo: string }) => x.accountNo)).toContain('1000000001');
});

test('the same payment notification, 10 times to each instance at once, settles the bill once', async () => {
  const token = await smsUserWithAccount(a, '13900000102');
  const bill = await newBill(a, 4321);
  const created = await a.request.post('/api/v1/payments').set('Authorization', `Bearer ${token}`).send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
  const order = await orderOf(a, created.body.data.order.id);
  const notify = wechatNotifyFor(a, order, {}, { id: randomUUID() });
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => {
      const target = i % 2 === 0 ? a : b;
      return target.request.post('/api/v1/payments/notify/wechat').set(notify.headers).send(notify.body);
    }),
  );
  for (const r of answers) expect([200, 204]).toContain(r.status);
  expect((await orderOf(b, order.id)).status).toBe('paid');
  expect(await billOf(b, bill.id)).toMatchObject({ status: 'paid', paymentId: order.id });
  const em = a.orm.em.fork();
  expect(await em.count(AuditLog, { action: 'payment.settled', entityId: String(order.id) })).toBe(1);
  expect(await em.count(OutboxMessage, { topic: 'billing.writeoff', dedupeKey: `writeoff:${order.id}` })).toBe(1);
});

test('both instances running the expiry job at once close each expired order once', async () => {
  const token = await smsUserWithAccount(a, '13900000103');
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) {
    const bill = await newBill(a, 1000 + i);
    const res = await a.request.post('/api/v1/payments').set('Authorization', `Bearer ${token}`).send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
    ids.push(res.body.data.order.id);
  }
  for (const t of [a, b]) t.clock.advance(16 * 60_000);
  try {
    const [ra, rb] = await Promise.all([runOnce(a.app.services.payments), runOnce(b.app.services.payments)]);
    // Every order was handled by exactly one of them (closed, or found paid), never by both.
    const handled = (r: typeof ra) => r.expired.closed + r.expired.paid;
    expect(handled(ra) + handled(rb)).toBe(ids.length);
    expect(ra.expired.failed + rb.expired.failed).toBe(0);
  } finally {
    for (const t of [a, b]) t.clock.advance(-16 * 60_000);
  }
  const orders = await a.orm.em.fork().find(PaymentOrder, { id: { $in: ids } });
  expect(orders.map((o) => o.status)).toEqual(ids.map(() => 'closed'));
  const bills = await a.orm.em.fork().count(Bill, { paymentId: { $in: ids } });
  expect(bills).toBe(0);
});

test(`both instances' outbox runners at once send each ticket once (${onMysql ? 'FOR UPDATE SKIP LOCKED' : 'conditional UPDATE claims'})`, async () => {
  const sandbox = a.deps.sandboxes.workorder!;
  const agent = await createStaff(a, 'mi_agent', 'agent', '周敏', 'KF9901');
  const u = await createSubscriber(a);
  const ticketIds: number[] = [];
  for (let i = 0; i < 8; i++) {
    const id = await fileTicket(a, u);
    await a.request.post(`/api/v1/staff/tickets/${id}/claim`).set(agent.auth).expect(200);
    ticketIds.push(id);
  }
  const url = `${a.baseUrl}/sandbox/workorder/orders`;
  const dispatcherOf = (t: TestApp) => workOrderRunner(t, url, { batchSize: 3, random: Math.random });
  const da = dispatcherOf(a);
  const db = dispatcherOf(b);
  for (let round = 0; round < 4; round++) await Promise.all([da.runOnce(), db.runOnce(), da.runOnce(), db.runOnce()]);
  for (const id of ticketIds) expect(sandbox.deliveries.get(`${id}:create`)).toBe(1);
  const rows = await a.orm.em.fork().find(OutboxMessage, { dedupeKey: { $in: ticketIds.map((id) => `workorder:${id}`) } });
  expect(rows.map((r) => r.status)).toEqual(ticketIds.map(() => 'sent'));
});

test('both instances start the renewal reminders at once: one of them reads the packages, once in the hour; one reminder per package', async () => {
  const now = new Date();
  const [ra, rb] = await Promise.all([new RenewalReminderJob(a.deps).runOnce(now), new RenewalReminderJob(b.deps).runOnce(now)]);
  expect([ra.ran, rb.ran].sort()).toEqual([false, true]);
  const ran = ra.ran ? ra : rb;
  expect(ran.candidates).toBeGreaterThan(0);
  const rows = await a.orm.em.fork().count(OutboxMessage, { topic: RENEWAL_REMINDER_TOPIC });
  expect(ran.enqueued).toBe(rows);
  expect(rows).toBeLessThanOrEqual(ran.candidates);
  // Later in the same clock hour the other instance's timer goes off: nothing to do until the next hour.
  const hour = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
  expect((await new RenewalReminderJob(b.deps).runOnce(new Date(hour + 3_599_000))).ran).toBe(false);
  expect(await new RenewalReminderJob(b.deps).runOnce(new Date(hour + 3_600_000))).toMatchObject({ ran: true, candidates: ran.candidates, enqueued: 0 });
});

test('both instances run the daily reconciliation at once: each date and gateway once', async () => {
  // After the configured hour (business time), when the job reconciles the days before.
  const tomorrow = new Date(Date.now() + 24 * 3600_000);
  const at = new Date(Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate(), 6, 0)); // 14:00 business time
  const [ra, rb] = await Promise.all([a.app.services.reconciliation.runDue(at), b.app.services.reconciliation.runDue(at)]);
  const keys = [...ra, ...rb].map((r) => `${r.date}:${r.gateway}`);
  expect(keys.length).toBeGreaterThan(0);
  expect(new Set(keys).size).toBe(keys.length);
  const runs = await a.orm.em.fork().find(ReconciliationRun, {});
  for (const r of runs) expect(r.attempts).toBe(1);
});

test('without a shared store, a sign-out on one instance is honoured by the other within the session cache time', async () => {
  const token = await signInBySms(a, `136${String(Date.now()).slice(-8)}`, '10.78.0.1');
  await b.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
  await a.request.post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
  await a.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
  // b heard nothing: it trusts its cached entry until SESSION_CACHE_SECONDS (10 s by default) pass.
  b.clock.advance(10_000);
  await b.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
});

test('both instances start the callback job at once: one of them runs it', async () => {
  const [ra, rb] = await Promise.all([new CallbackJob(a.deps, a.app.services.callbacks).runOnce(), new CallbackJob(b.deps, b.app.services.callbacks).runOnce()]);
  expect([ra.ran, rb.ran].filter(Boolean)).toHaveLength(1);
});

describe('with Redis as the shared store', () => {
  let c: TestApp;
  let d: TestApp;
  const redis = { RATE_LIMIT_STORE: 'redis', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
  beforeAll(async () => {
    c = await createTestApp({ seed: false, env: redis });
    d = await createTestApp({ sameDatabaseAs: c, env: redis });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await c?.close();
  });

  test('a sign-out on one instance ends the session on the other at once (Redis pub/sub)', async () => {
    await (d.deps.sessionRevocations as RedisSessionRevocations).ready();
    const token = await signInBySms(c, `135${String(Date.now()).slice(-8)}`, '10.77.2.1');
    await d.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    await c.request.post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    // The message takes a round trip through Redis; d's clock does not move, so only it can end the session.
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = (await d.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status;
    }
    expect(status).toBe(401);
  });

  test('SMS sending is limited per phone across instances: a second code within the minute is refused by the other instance', async () => {
    const phone = `139${String(Date.now()).slice(-8)}`;
    await c.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', '10.77.0.1').send({ phone }).expect(200);
    const again = await d.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', '10.77.0.2').send({ phone }).expect(429);
    expect(again.body.error.code).toBe('SMS_SEND_TOO_FREQUENT');
  });

  test('wrong SMS codes are counted across instances: 5 wrong tries, spread over both, burn the code', async () => {
    const phone = `137${String(Date.now()).slice(-8)}`;
    await c.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', '10.77.1.1').send({ phone }).expect(200);
    const code = latestSmsCode(c, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      await (i % 2 === 0 ? c : d).request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', `10.77.1.${i + 2}`).send({ phone, code: wrong }).expect(400);
    }
    const right = await d.request.post('/api/v1/auth/sms/login').set('X-Forwarded-For', '10.77.1.9').send({ phone, code });
    expect(right.status).toBe(400);
  });
});
