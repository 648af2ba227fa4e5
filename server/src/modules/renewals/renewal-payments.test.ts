import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { businessDate, renewedExpiry, type PaymentOrderView } from '@openhall/shared';
import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { Account } from '../accounts/account.entity';
import { Subscription } from '../billing/subscription.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { OutboxRunner } from '../outbox/outbox.runner';
import { HttpBillingSystem } from '../../integrations/billing/billing.adapter';
import { PaymentOrder } from '../payments/payment-order.entity';
import { eventually, orderOf } from '../payments/payments.test-support';
import {
  SUBSCRIPTION_RENEWAL_REVERSED_TOPIC,
  SUBSCRIPTION_RENEWED_TOPIC,
  createRenewalReverser,
  createRenewalSettler,
  registerRenewalOutboxHandlers,
} from './renewal-settler';
import { SubscriptionRenewal } from './subscription-renewal.entity';

/**
 * Renewals paid and refunded end to end through the WeChat Pay and Alipay sandboxes, the undoing
 * of a refunded renewal, and the delivery of renewals to the billing system.
 */

let t: TestApp;
let supervisor: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  supervisor = await signInStaff(t, 'supervisor1');
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

let seq = 0;
/** A subscriber with an account of their own holding one tv_basic package (2500 fen a month). */
async function subscriberWithPackage(expiresOn: string) {
  seq += 1;
  const em = t.orm.em.fork();
  const account = Object.assign(new Account(), {
    accountNo: String(9_800_000_000 + seq),
    serviceType: 'tv_broadband',
    holderName: '钱七',
    holderPhone: '13900000007',
    address: '淳安县千岛湖镇环湖北路 8 号',
    area: 'chunan',
    concession: null,
    createdAt: new Date(),
  });
  await em.persistAndFlush(account);
  const subscription = Object.assign(new Subscription(), {
    accountId: account.id,
    product: 'tv',
    packageCode: 'tv_basic',
    packageName: '有线数字电视基本收视维护费',
    monthlyFeeFen: 2_500,
    startedOn: '2026-01-01',
    expiresOn,
    createdAt: new Date(),
  });
  await em.persistAndFlush(subscription);
  const ip = `10.60.0.${seq}`;
  const token = await signInBySms(t, `1360000${String(seq).padStart(4, '0')}`, ip);
  const headers = { ...auth(token), 'X-Forwarded-For': ip };
  await t.request.post('/api/v1/accounts/bind').set(headers).send({ accountNo: account.accountNo, holderName: '钱七' }).expect(201);
  return { subscription, headers, ip };
}

const expiryOf = async (id: number) => (await t.orm.em.fork().findOneOrFail(Subscription, id)).expiresOn;

async function refund(orderId: number, amountFen: number) {
  return t.request.post(`/api/v1/staff/payments/${orderId}/refunds`).set(auth(supervisor)).send({ amountFen, reason: '用户申请退订' }).expect(201);
}

test('WeChat H5 renewal: the payer IP and return path reach the gateway; paid → extended once; refunded in full → shortened back once', async () => {
  const { subscription, headers, ip } = await subscriberWithPackage('2027-03-31');
  const res = await t.request
    .post('/api/v1/renewals')
    .set(headers)
    .send({ subscriptionId: subscription.id, months: 3, channel: 'wechat_h5', returnPath: '/pages/renewals/result' })
    .expect(201);
  const order = res.body.data.order as PaymentOrderView;
  expect(order).toMatchObject({ kind: 'renewal', amountFen: 7500, status: 'created' });
  // What the gateway got: the IP the proxy reported (TRUST_PROXY), and our own page to come back to.
  const sandbox = t.deps.sandboxes.wechatpay!;
  expect(sandbox.ledger.trade(order.outTradeNo)).toMatchObject({ tradeType: 'MWEB', amountFen: 7500, payerClientIp: ip });
  const redirect = new URL(decodeURIComponent(/[?&]redirect_url=([^&]+)/.exec(res.body.data.pay.url)![1]));
  expect(`${redirect.origin}${redirect.pathname}`).toBe(`${t.baseUrl}/pages/renewals/result`);
  expect(redirect.searchParams.get('paymentId')).toBe(String(order.id));

  const d = sandbox.pay(order.outTradeNo);
  expect((await sandbox.waitForDelivery(d.id)).state).toBe('acknowledged');
  expect(await expiryOf(subscription.id)).toBe('2027-06-30');
  // The same notification again changes nothing.
  expect((await sandbox.waitForDelivery(sandbox.redeliver(order.outTradeNo).id)).state).toBe('acknowledged');
  expect(await expiryOf(subscription.id)).toBe('2027-06-30');

  await refund(order.id, 7500);
  await eventually(async () => (await orderOf(t, order.id)).status === 'refunded' && (await expiryOf(subscription.id)) === '2027-03-31');
  const record = await t.orm.em.fork().findOneOrFail(SubscriptionRenewal, { orderId: order.id });
  expect(record.reversedAt).not.toBeNull();
  expect(record.reversedExpiresOn).toBe('2027-03-31');
  const reversal = await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: `subscription-renewal-reversed:${order.id}` });
  expect(reversal).toMatchObject({ topic: SUBSCRIPTION_RENEWAL_REVERSED_TOPIC });
  expect(reversal.payload).toMatchObject({ orderId: order.id, expiresOnBefore: '2027-06-30', expiresOnAfter: '2027-03-31', refundedFen: 7500 });

  // Undoing again (a retried refund notification, a second call) changes nothing.
  const reverse = createRenewalReverser(t.deps.clock);
  const again = await t.orm.em.fork().transactional(async (tx) => reverse(tx, await tx.findOneOrFail(PaymentOrder, order.id)));
  expect(again).toEqual({ reversed: false, reason: 'already_reversed' });
  expect(await expiryOf(subscription.id)).toBe('2027-03-31');

  // Both messages reach the billing system (embedded: the portal is the record) and are done.
  await t.app.services.outbox.runOnce(new Date(Date.now() + 3600_000));
  const sent = await t.orm.em.fork().find(OutboxMessage, { dedupeKey: { $in: [`subscription-renewed:${order.id}`, `subscription-renewal-reversed:${order.id}`] } });
  expect(sent.map((m) => m.status)).toEqual(['sent', 'sent']);
});

test('Alipay renewal: a partial refund keeps the extension; the refund that completes it undoes it', async () => {
  const { subscription, headers } = await subscriberWithPackage('2027-01-15');
  const res = await t.request.post('/api/v1/renewals').set(headers).send({ subscriptionId: subscription.id, months: 1, channel: 'alipay_wap' }).expect(201);
  const order = res.body.data.order as PaymentOrderView;
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  await eventually(async () => (await expiryOf(subscription.id)) === '2027-02-15');

  await refund(order.id, 1000);
  expect(await orderOf(t, order.id)).toMatchObject({ status: 'refunded', refundedFen: 1000 });
  expect(await expiryOf(subscription.id)).toBe('2027-02-15');
  await refund(order.id, 1500);
  expect(await orderOf(t, order.id)).toMatchObject({ status: 'refunded', refundedFen: 2500 });
  expect(await expiryOf(subscription.id)).toBe('2027-01-15');
  // Alipay's refund notifications arrive afterwards: duplicates, nothing moves again.
  await t.deps.sandboxes.alipay!.idle();
  expect(await expiryOf(subscription.id)).toBe('2027-01-15');
  expect(await t.orm.em.fork().count(OutboxMessage, { topic: SUBSCRIPTION_RENEWAL_REVERSED_TOPIC, dedupeKey: `subscription-renewal-reversed:${order.id}` })).toBe(1);
});

test('undoing a renewal that later renewals were stacked on shortens by the days it added, once', async () => {
  const { subscription } = await subscriberWithPackage('2027-01-31');
  const userId = (await t.orm.em.fork().getConnection().execute<{ id: number }[]>('select min(id) as id from portal_user'))[0].id;
  const paid = async (months: number) => {
    const o = Object.assign(new PaymentOrder(), {
      outTradeNo: `RV${subscription.id}x${months}x${Date.now()}`.slice(0, 32),
      userId,
      kind: 'renewal' as const,
      channel: 'alipay_wap' as const,
      status: 'paid' as const,
      amountFen: 2_500 * months,
      description: '续费',
      subscriptionId: subscription.id,
      renewalMonths: months,
      expiresAt: new Date(),
      gatewayTradeNo: `T${Date.now()}${months}`,
      paidAt: new Date(),
      paidAmountFen: 2_500 * months,
      refundedFen: 2_500 * months,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await t.orm.em.fork().persistAndFlush(o);
    return o;
  };
  const settle = createRenewalSettler(t.deps.clock);
  const reverse = createRenewalReverser(t.deps.clock);
  const inTx = <T>(fn: (tx: Parameters<typeof settle>[0], o: PaymentOrder) => Promise<T>, id: number) =>
    t.orm.em.fork().transactional(async (tx) => fn(tx, await tx.findOneOrFail(PaymentOrder, id)));
  const first = await paid(1);
  const second = await paid(3);
  await inTx(settle, first.id);
  await inTx(settle, second.id);
  const today = businessDate(t.clock.now());
  const afterFirst = renewedExpiry('2027-01-31', today, 1);
  expect(afterFirst).toBe('2027-02-28');
  expect(await expiryOf(subscription.id)).toBe('2027-05-31');
  // The first renewal added 28 days (31 Jan → 28 Feb): the later one keeps its three months.
  expect(await inTx(reverse, first.id)).toMatchObject({ reversed: true, expiresOnBefore: '2027-05-31', expiresOnAfter: '2027-05-03' });
  expect(await inTx(reverse, first.id)).toEqual({ reversed: false, reason: 'already_reversed' });
  expect(await expiryOf(subscription.id)).toBe('2027-05-03');
});

test('billing.subscription_renewed goes to the billing system through the write-off adapter (HTTP), once, retried on failure', async () => {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  /** The billing system is down for the first delivery of this message. */
  let failOnce: string | null = null;
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const fail = failOnce !== null && req.headers['idempotency-key'] === failOnce;
      if (fail) failOnce = null;
      res.statusCode = fail ? 503 : 200;
      res.end(fail ? '' : '{"accepted":true,"reference":"PM1"}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/boss`;
    const dispatcher = new OutboxRunner(t.orm, t.deps.logger);
    registerRenewalOutboxHandlers(dispatcher, new HttpBillingSystem(url, 'a-very-long-billing-secret'));

    const { subscription, headers } = await subscriberWithPackage('2027-02-10');
    const res = await t.request.post('/api/v1/renewals').set(headers).send({ subscriptionId: subscription.id, months: 1, channel: 'alipay_wap' }).expect(201);
    t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
    const orderId = res.body.data.order.id as number;
    const key = `subscription-renewed:${orderId}`;
    failOnce = key;
    await eventually(() => t.orm.em.fork().findOne(OutboxMessage, { dedupeKey: key }));

    const now = new Date(Date.now() + 60_000);
    await dispatcher.runOnce(now);
    expect(await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: key })).toMatchObject({ status: 'pending', attempts: 1 });
    await dispatcher.runOnce(new Date(now.getTime() + 31_000));
    expect(await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: key })).toMatchObject({ status: 'sent', attempts: 2 });

    const mine = received.filter((r) => r.headers['idempotency-key'] === key);
    expect(mine).toHaveLength(2);
    const last = mine[1];
    expect(last.headers['x-openhall-topic']).toBe(SUBSCRIPTION_RENEWED_TOPIC);
    const signature = createHmac('sha256', 'a-very-long-billing-secret').update(`${last.headers['x-openhall-timestamp']}.${last.body}`).digest('hex');
    expect(last.headers['x-openhall-signature']).toBe(`sha256=${signature}`);
    expect(JSON.parse(last.body)).toMatchObject({ orderId, subscriptionId: subscription.id, months: 1, amountFen: 2500, previousExpiresOn: '2027-02-10', newExpiresOn: '2027-03-10' });
    // Sent is sent: a later pass posts nothing more.
    await dispatcher.runOnce(new Date(now.getTime() + 3600_000));
    expect(received.filter((r) => r.headers['idempotency-key'] === key)).toHaveLength(2);
  } finally {
    await new Promise((resolve) => receiver.close(resolve));
  }
});

test('a double submit opens one renewal order: the other answers 409 naming it; the package is free again once it closes or is paid', async () => {
  const { subscription, headers } = await subscriberWithPackage('2027-04-30');
  const body = { subscriptionId: subscription.id, months: 1, channel: 'alipay_wap' };
  const submit = () => t.request.post('/api/v1/renewals').set(headers).send(body);
  const answers = await Promise.all([submit(), submit(), submit()]);
  expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  const opened = answers.find((r) => r.status === 201)!.body.data.order as PaymentOrderView;
  for (const refused of answers.filter((r) => r.status === 409)) {
    expect(refused.body.error).toMatchObject({ code: 'RENEWAL_IN_OPEN_ORDER', details: { subscriptionId: subscription.id, orderIds: [opened.id] } });
  }
  expect(await t.orm.em.fork().count(PaymentOrder, { subscriptionId: subscription.id, status: 'created' })).toBe(1);

  // The subscriber gives it up (or it expires): the package can be renewed again.
  await t.request.post(`/api/v1/payments/${opened.id}/close`).set(headers).expect(200);
  const second = await submit().expect(201);
  await submit().expect(409);
  // Paid: one extension, and the next renewal is possible.
  t.deps.sandboxes.alipay!.payUrl(second.body.data.pay.url);
  const extended = renewedExpiry('2027-04-30', businessDate(t.clock.now()), 1);
  await eventually(async () => (await expiryOf(subscription.id)) === extended);
  await submit().expect(201);
  expect(await t.orm.em.fork().count(SubscriptionRenewal, { subscriptionId: subscription.id })).toBe(1);
});
