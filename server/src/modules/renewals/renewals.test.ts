import { RequestContext } from '@mikro-orm/core';
import type { PaymentOrderView, RenewalQuoteView, RenewalStatsView, SubscriptionView } from '@openhall/shared';
import { createTestApp, onMysql, signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { DEMO_FIXTURES } from '../../seeders/demo.seeder';
import { Account } from '../accounts/account.entity';
import { Subscription } from '../billing/subscription.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { PaymentOrder } from '../payments/payment-order.entity';
import { RenewalReminderJob, reminderWindow } from './renewal-reminder.job';
import { createRenewalSettler, SUBSCRIPTION_RENEWED_TOPIC } from './renewal-settler';
import { RenewalsService, type RenewalOrderInput } from './renewals.service';
import { SubscriptionRenewal } from './subscription-renewal.entity';

/** 10:00 on 10 December 2026, business time. 李四's TV package ends in 20 days (2026-12-30), broadband in 75 (2027-02-23). */
const BASE = new Date('2026-12-10T10:00:00+08:00');
const { tvBroadband } = DEMO_FIXTURES;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: BASE });
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

let seq = 0;
/** A signed-in subscriber who bound `accountNo` (own phone and IP, so limits never spill between tests). */
async function subscriberWith(accountNo: string, holderName: string) {
  seq += 1;
  const ip = `10.40.0.${seq}`;
  const token = await signInBySms(t, `1350000${String(seq).padStart(4, '0')}`, ip);
  const auth = { Authorization: `Bearer ${token}`, 'X-Forwarded-For': ip };
  await t.request.post('/api/v1/accounts/bind').set(auth).send({ accountNo, holderName }).expect(201);
  const me = await t.request.get('/api/v1/me').set(auth).expect(200);
  return {
    userId: me.body.data.id as number,
    get: (url: string) => t.request.get(url).set(auth),
    post: (url: string, body: object) => t.request.post(url).set(auth).send(body),
    subscriptions: async () => (await t.request.get('/api/v1/subscriptions').set(auth).expect(200)).body.data as SubscriptionView[],
    quote: async (subscriptionId: number, months: number) =>
      (await t.request.post('/api/v1/renewals/quote').set(auth).send({ subscriptionId, months }).expect(200)).body.data as RenewalQuoteView,
  };
}

/** Account numbers 97… never collide with the demo seed's. */
let accountSeq = 0;
/** An account with packages written straight into the database, as the billing system would. */
async function createAccount(opts: { area?: string; concession?: string | null; packages: { code: string; expiresOn: string }[] }) {
  const em = t.orm.em.fork();
  const account = Object.assign(new Account(), {
    accountNo: String(9_700_000_000 + ++accountSeq),
    serviceType: 'tv_broadband',
    holderName: '赵六',
    holderPhone: '13900000006',
    address: '淳安县千岛湖镇新安东路 1 号',
    area: opts.area ?? 'chunan',
    concession: opts.concession ?? null,
    createdAt: BASE,
  });
  await em.persistAndFlush(account);
  const subs = opts.packages.map((p) =>
    Object.assign(new Subscription(), {
      accountId: account.id,
      product: p.code.startsWith('tv') ? 'tv' : 'broadband',
      packageCode: p.code,
      packageName: p.code === 'tv_basic' ? '有线数字电视基本收视维护费' : '光纤宽带套餐',
      monthlyFeeFen: 2_500,
      startedOn: '2026-01-01',
      expiresOn: p.expiresOn,
      createdAt: BASE,
    }),
  );
  await em.persistAndFlush(subs);
  return { account, subs };
}

/** A renewal order as the payments module leaves it once paid (status already moved to paid). */
async function paidRenewalOrder(userId: number, subscriptionId: number, months: number, paidAt: Date = t.clock.now()): Promise<number> {
  const em = t.orm.em.fork();
  const order = Object.assign(new PaymentOrder(), {
    outTradeNo: `RN${subscriptionId}x${++accountSeq}`,
    userId,
    kind: 'renewal',
    channel: 'alipay_wap',
    status: 'paid',
    amountFen: 2_500 * months,
    description: '续费',
    subscriptionId,
    renewalMonths: months,
    expiresAt: paidAt,
    gatewayTradeNo: `2026${subscriptionId}${accountSeq}`,
    paidAt,
    paidAmountFen: 2_500 * months,
    createdAt: paidAt,
    updatedAt: paidAt,
  });
  await em.persistAndFlush(order);
  return order.id;
}

const settle = createRenewalSettler({ now: () => t.clock.now() });
/** Runs the settler in its own transaction, like the payments module does when it marks the order paid. */
const runSettler = (orderId: number) => t.orm.em.fork().transactional(async (tx) => settle(tx, await tx.findOneOrFail(PaymentOrder, orderId)));
const expiryOf = async (id: number) => (await t.orm.em.fork().findOneOrFail(Subscription, id)).expiresOn;
/** Any portal user id (payment orders must name one). */
const anyUserId = async () => (await t.orm.em.fork().getConnection().execute<{ id: number }[]>('select min(id) as id from portal_user'))[0].id;

describe('subscriptions', () => {
  test("李四 sees the TV package 20 days from expiry and the broadband package, with fees", async () => {
    const li = await subscriberWith(tvBroadband.accountNo, '李四');
    const subs = await li.subscriptions();
    expect(subs).toEqual([
      expect.objectContaining({ product: 'tv', packageCode: 'tv_basic', accountNo: tvBroadband.accountNo, expiresOn: '2026-12-30', daysLeft: 20, status: 'expiring', monthlyFeeFen: 2500 }),
      expect.objectContaining({ product: 'broadband', packageCode: 'broadband_300m', expiresOn: '2027-02-23', daysLeft: 75, status: 'active', monthlyFeeFen: 6000 }),
    ]);
  });
});

describe('quotes', () => {
  test('tv_basic for 1/3/6/12 months: 2500 fen a month, prepayment 0/0/5/10% off, new expiry from the current one', async () => {
    const li = await subscriberWith(tvBroadband.accountNo, '李四');
    const [tv] = await li.subscriptions();
    const expected: [number, number, number, string][] = [
      [1, 2500, 0, '2027-01-30'],
      [3, 7500, 0, '2027-03-30'],
      [6, 14250, 5, '2027-06-30'],
      [12, 27000, 10, '2027-12-30'],
    ];
    for (const [months, totalFen, pct, newExpiresOn] of expected) {
      const q = await li.quote(tv.id, months);
      expect(q).toMatchObject({ subscriptionId: tv.id, months, listMonthlyFeeFen: 2500, monthlyFeeFen: 2500, prepayPercentOff: pct, totalFen, concession: null, quotedOn: '2026-12-10', currentExpiresOn: '2026-12-30', newExpiresOn });
      expect(q.subtotalFen - q.prepayDiscountFen).toBe(totalFen);
    }
  });

  test('the low-income concession halves tv_basic before the prepayment discount', async () => {
    const { account, subs } = await createAccount({ concession: 'low_income', packages: [{ code: 'tv_basic', expiresOn: '2027-01-31' }] });
    const u = await subscriberWith(account.accountNo, '赵六');
    const totals = [];
    for (const months of [1, 3, 6, 12]) totals.push((await u.quote(subs[0].id, months)).totalFen);
    expect(totals).toEqual([1250, 3750, 7125, 13500]);
    const q = await u.quote(subs[0].id, 1);
    expect(q).toMatchObject({ monthlyFeeFen: 1250, concessionDiscountFen: 1250, concession: { code: 'low_income' }, newExpiresOn: '2027-02-28' });
  });

  test('a lapsed package renews from today, not from its old expiry', async () => {
    const { account, subs } = await createAccount({ packages: [{ code: 'broadband_100m', expiresOn: '2026-11-30' }] });
    const u = await subscriberWith(account.accountNo, '赵六');
    expect(await u.quote(subs[0].id, 12)).toMatchObject({ totalFen: 43200, newExpiresOn: '2027-12-10' });
    expect((await u.subscriptions())[0]).toMatchObject({ status: 'expired', daysLeft: -10 });
  });

  test('months outside 1/3/6/12 are refused; a package without a published schedule cannot be renewed online', async () => {
    const { account, subs } = await createAccount({ packages: [{ code: 'tv_basic', expiresOn: '2027-01-31' }, { code: 'tv_retired', expiresOn: '2027-01-31' }] });
    const u = await subscriberWith(account.accountNo, '赵六');
    const bad = await u.post('/api/v1/renewals/quote', { subscriptionId: subs[0].id, months: 2 }).expect(400);
    expect(bad.body.error.details.issues[0].path).toBe('body.months');
    const none = await u.post('/api/v1/renewals/quote', { subscriptionId: subs[1].id, months: 1 }).expect(409);
    expect(none.body.error.code).toBe('RENEWAL_UNAVAILABLE');
  });

  test("someone else's package answers 404 for quote, renewal and decline", async () => {
    const { subs } = await createAccount({ packages: [{ code: 'tv_basic', expiresOn: '2027-01-31' }] });
    const li = await subscriberWith(tvBroadband.accountNo, '李四');
    const missing = await li.post('/api/v1/renewals/quote', { subscriptionId: 99_999_999, months: 1 }).expect(404);
    for (const [url, body] of [
      ['/api/v1/renewals/quote', { subscriptionId: subs[0].id, months: 1 }],
      ['/api/v1/renewals', { subscriptionId: subs[0].id, months: 1, channel: 'alipay_wap' }],
      ['/api/v1/renewals/decline', { subscriptionId: subs[0].id, reasonCode: 'moving' }],
    ] as const) {
      const res = await li.post(url, body).expect(404);
      expect(res.text).toBe(missing.text);
    }
  });
});

describe('renewal orders', () => {
  test('the order is for the server-computed quote, whatever the client believed', async () => {
    const calls: RenewalOrderInput[] = [];
    const service = new RenewalsService(t.deps, () => ({
      createOrder: async (input: RenewalOrderInput) => {
        calls.push(input);
        return { order: { id: 1 }, pay: { kind: 'redirect' } };
      },
    }));
    const li = await subscriberWith(tvBroadband.accountNo, '李四');
    const [tv] = await li.subscriptions();
    // Outside HTTP, a request context gives the service its own identity map, as the middleware does.
    const res = (await RequestContext.create(t.orm.em, () =>
      service.createRenewal(li.userId, { subscriptionId: tv.id, months: 6, channel: 'wechat_h5' }, '10.9.9.9'),
    )) as { quote: RenewalQuoteView };
    expect(calls).toEqual([
      expect.objectContaining({ userId: li.userId, kind: 'renewal', channel: 'wechat_h5', amountFen: 14250, subscriptionId: tv.id, renewalMonths: 6, payerIp: '10.9.9.9' }),
    ]);
    expect(calls[0].renewalQuote).toMatchObject({ totalFen: 14250, newExpiresOn: '2027-06-30' });
    expect(res.quote.totalFen).toBe(14250);
  });

  test('POST /renewals creates a renewal payment order; paying it extends the package once, however often it is reported', async () => {
    const { account, subs } = await createAccount({ packages: [{ code: 'tv_basic', expiresOn: '2027-01-31' }] });
    const u = await subscriberWith(account.accountNo, '赵六');
    const res = await u.post('/api/v1/renewals', { subscriptionId: subs[0].id, months: 3, channel: 'alipay_wap' }).expect(201);
    const order = res.body.data.order as PaymentOrderView;
    expect(order).toMatchObject({ kind: 'renewal', status: 'created', amountFen: 7500 });
    expect(res.body.data.quote).toMatchObject({ totalFen: 7500, newExpiresOn: '2027-04-30' });
    expect(res.body.data.pay).toBeDefined();

    const payment = { tradeNo: '2026121022001400001', amountFen: 7500, paidAt: t.clock.now() };
    expect(await t.app.services.payments.settlement.applyPayment(order.id, payment)).toBe('settled');
    expect(await t.app.services.payments.settlement.applyPayment(order.id, payment)).toBe('duplicate');
    expect(await expiryOf(subs[0].id)).toBe('2027-04-30');
  });
});

describe('the renewal settler', () => {
  test('extends from the current expiry once, even when called twice for the same order', async () => {
    const { subs } = await createAccount({ packages: [{ code: 'tv_basic', expiresOn: '2027-01-31' }] });
    const orderId = await paidRenewalOrder(await anyUserId(), subs[0].id, 1);
    expect(await runSettler(orderId)).toEqual({ applied: true, subscriptionId: subs[0].id, previousExpiresOn: '2027-01-31', newExpiresOn: '2027-02-28' });
    expect(await runSettler(orderId)).toEqual({ applied: false, reason: 'already_applied', newExpiresOn: '2027-02-28' });
    expect(await expiryOf(subs[0].id)).toBe('2027-02-28');
    const em = t.orm.em.fork();
    expect(await em.count(SubscriptionRenewal, { orderId })).toBe(1);
    const boss = await em.find(OutboxMessage, { topic: SUBSCRIPTION_RENEWED_TOPIC, dedupeKey: `subscription-renewed:${orderId}` });
    expect(boss).toHaveLength(1);
    expect(boss[0].payload).toMatchObject({ orderId, previousExpiresOn: '2027-01-31', newExpiresOn: '2027-02-28', months: 1 });
  });

  test('two orders for one package extend it one after the other; a lapsed package extends from the day paid', async () => {
    const { subs } = await createAccount({ packages: [{ code: 'tv_basic', expiresOn: '2026-12-05' }] });
    const userId = await anyUserId();
    const first = await paidRenewalOrder(userId, subs[0].id, 1);
    const second = await paidRenewalOrder(userId, subs[0].id, 3);
    await runSettler(first);
    expect(await expiryOf(subs[0].id)).toBe('2027-01-10');
    await runSettler(second);
    expect(await expiryOf(subs[0].id)).toBe('2027-04-10');
  });

  test('a payment made before midnight but applied after it counts from the day it was paid', async () => {
    const { subs } = await createAccount({ packages: [{ code: 'tv_basic', expiresOn: '2026-12-09' }] });
    const orderId = await paidRenewalOrder(await anyUserId(), subs[0].id, 1, new Date('2026-12-09T23:59:00+08:00'));
    await runSettler(orderId);
    expect(await expiryOf(subs[0].id)).toBe('2027-01-09');
  });

  (onMysql ? test : test.skip)('on MySQL, the same order settled by two transactions at once extends once', async () => {
    const { subs } = await createAccount({ packages: [{ code: 'tv_basic', expiresOn: '2027-01-31' }] });
    const orderId = await paidRenewalOrder(await anyUserId(), subs[0].id, 1);
    const results = await Promise.allSettled([runSettler(orderId), runSettler(orderId), runSettler(orderId)]);
    const applied = results.filter((r) => r.status === 'fulfilled' && (r.value as { applied: boolean }).applied);
    expect(applied).toHaveLength(1);
    expect(await expiryOf(subs[0].id)).toBe('2027-02-28');
    expect(await t.orm.em.fork().count(SubscriptionRenewal, { orderId })).toBe(1);
  });
});

describe('reminders', () => {
  test('the default window is next calendar month in business time', () => {
    expect(reminderWindow('next_month', new Date('2026-12-10T10:00:00+08:00'))).toEqual({ from: '2027-01-01', to: '2027-01-31' });
    // 00:30 on 1 January in Shanghai is still 31 December in UTC.
    expect(reminderWindow('next_month', new Date('2026-12-31T16:30:00Z'))).toEqual({ from: '2027-02-01', to: '2027-02-28' });
    expect(reminderWindow({ days: 7 }, new Date('2026-12-10T10:00:00+08:00'))).toEqual({ from: '2026-12-10', to: '2026-12-17' });
  });

  test("one reminder per package and expiry month, however many runs and instances; declined and out-of-window packages get none", async () => {
    const { account, subs } = await createAccount({
      packages: [
        { code: 'tv_basic', expiresOn: '2027-01-15' },
        { code: 'broadband_100m', expiresOn: '2027-01-31' },
        { code: 'broadband_300m', expiresOn: '2027-01-20' },
        { code: 'tv_basic', expiresOn: '2026-12-31' },
        { code: 'tv_basic', expiresOn: '2027-02-01' },
      ],
    });
    const u = await subscriberWith(account.accountNo, '赵六');
    await u.post('/api/v1/renewals/decline', { subscriptionId: subs[2].id, reasonCode: 'not_using' }).expect(201);

    const now = t.clock.now();
    const jobA = new RenewalReminderJob(t.deps);
    const jobB = new RenewalReminderJob(t.deps);
    const first = await jobA.runOnce(now);
    expect(first.enqueued).toBeGreaterThanOrEqual(2);
    // In the same hour no instance reads the packages again; the next hour one does, and finds nothing new.
    const again = await Promise.all([jobA.runOnce(now), jobB.runOnce(now)]);
    expect(again.map((r) => r.ran)).toEqual([false, false]);
    expect(await jobB.runOnce(new Date(now.getTime() + 3_600_000))).toMatchObject({ ran: true, enqueued: 0 });

    const em = t.orm.em.fork();
    const mine = await em.find(OutboxMessage, { topic: 'notification.renewal_reminder', dedupeKey: { $like: `renewal-reminder:%` } });
    const forAccount = mine.filter((m) => m.payload.accountId === account.id);
    expect(forAccount.map((m) => m.dedupeKey).sort()).toEqual([`renewal-reminder:${subs[0].id}:2027-01`, `renewal-reminder:${subs[1].id}:2027-01`]);
    expect(forAccount.find((m) => m.payload.subscriptionId === subs[0].id)!.payload).toMatchObject({ accountNo: account.accountNo, expiresOn: '2027-01-15', userIds: [u.userId], product: 'tv' });
    // Every message in the window is unique per package: the demo's January expiries were queued once too.
    expect(new Set(mine.map((m) => m.dedupeKey)).size).toBe(mine.length);
    expect(mine.length).toBe(first.enqueued);

    // Renewed into March, the package is reminded again when March's reminders run (in February).
    const orderId = await paidRenewalOrder(u.userId, subs[0].id, 2);
    await runSettler(orderId);
    const feb = await jobA.runOnce(new Date('2027-02-10T09:00:00+08:00'));
    expect(feb.from).toBe('2027-03-01');
    const march = await em.find(OutboxMessage, { dedupeKey: `renewal-reminder:${subs[0].id}:2027-03` });
    expect(march).toHaveLength(1);
  });
});

describe('declines and statistics', () => {
  test('decline reasons are a fixed list; "other" needs a comment', async () => {
    const li = await subscriberWith(tvBroadband.accountNo, '李四');
    const [tv] = await li.subscriptions();
    const bad = await li.post('/api/v1/renewals/decline', { subscriptionId: tv.id, reasonCode: 'cheaper_elsewhere' }).expect(400);
    expect(bad.body.error.details.issues[0].path).toBe('body.reasonCode');
    await li.post('/api/v1/renewals/decline', { subscriptionId: tv.id, reasonCode: 'other', comment: '' }).expect(400);
    const ok = await li.post('/api/v1/renewals/decline', { subscriptionId: tv.id, reasonCode: 'other', comment: '家里老人不看电视了' }).expect(201);
    expect(ok.body.data).toMatchObject({ subscriptionId: tv.id, reasonCode: 'other', comment: '家里老人不看电视了', expiresOn: '2026-12-30' });
  });

  test('renewal rate by area for a month counts renewals before expiry; reasons are the latest answer per package', async () => {
    // Area "testarea" has no demo accounts: three packages end in March 2027.
    const { account, subs } = await createAccount({
      area: 'testarea',
      packages: [
        { code: 'tv_basic', expiresOn: '2027-03-10' },
        { code: 'tv_basic', expiresOn: '2027-03-15' },
        { code: 'broadband_100m', expiresOn: '2027-03-31' },
        { code: 'broadband_100m', expiresOn: '2027-04-02' },
      ],
    });
    const u = await subscriberWith(account.accountNo, '赵六');
    // Renewed in time (before its last day), and renewed only after lapsing.
    await runSettler(await paidRenewalOrder(u.userId, subs[0].id, 12, new Date('2027-03-01T12:00:00+08:00')));
    await runSettler(await paidRenewalOrder(u.userId, subs[1].id, 1, new Date('2027-03-20T12:00:00+08:00')));
    // Not renewed: the subscriber changed their mind about why.
    await u.post('/api/v1/renewals/decline', { subscriptionId: subs[2].id, reasonCode: 'too_expensive' }).expect(201);
    await u.post('/api/v1/renewals/decline', { subscriptionId: subs[2].id, reasonCode: 'switching_provider', comment: '换电信' }).expect(201);
    await u.post('/api/v1/renewals/decline', { subscriptionId: subs[3].id, reasonCode: 'moving' }).expect(201); // April: not counted

    const token = await signInStaff(t, 'supervisor1');
    const res = await t.request.get('/api/v1/staff/renewals/stats?month=2027-03&area=testarea').set('Authorization', `Bearer ${token}`).expect(200);
    const stats = res.body.data as RenewalStatsView;
    expect(stats).toEqual({
      month: '2027-03',
      area: 'testarea',
      total: { expiring: 3, renewedBeforeExpiry: 1, rate: 0.3333 },
      byArea: [{ area: 'testarea', areaName: 'testarea', expiring: 3, renewedBeforeExpiry: 1, rate: 0.3333 }],
      declineReasons: [{ reasonCode: 'switching_provider', name: '改用其他运营商', count: 1 }],
    });

    // All areas together, for the month of 李四's TV package: his decline shows up under its area.
    const li = await subscriberWith(tvBroadband.accountNo, '李四');
    const [tv] = await li.subscriptions();
    await li.post('/api/v1/renewals/decline', { subscriptionId: tv.id, reasonCode: 'service_quality' }).expect(201);
    const dec = (await t.request.get('/api/v1/staff/renewals/stats?month=2026-12').set('Authorization', `Bearer ${token}`).expect(200)).body.data as RenewalStatsView;
    expect(dec.area).toBeNull();
    expect(dec.declineReasons).toEqual(expect.arrayContaining([expect.objectContaining({ reasonCode: 'service_quality', count: 1 })]));
    const xihu = dec.byArea.find((a) => a.area === tvBroadband.area)!;
    expect(xihu.areaName).toBe('西湖区');
    expect(xihu.expiring).toBeGreaterThanOrEqual(1);
    expect(dec.total.expiring).toBe(dec.byArea.reduce((s, a) => s + a.expiring, 0));
  });

  test('statistics are for supervisors and above', async () => {
    const agent = await signInStaff(t, 'agent1');
    await t.request.get('/api/v1/staff/renewals/stats').set('Authorization', `Bearer ${agent}`).expect(403);
    await t.request.get('/api/v1/staff/renewals/stats').expect(401);
    const admin = await signInStaff(t, 'admin1');
    const res = await t.request.get('/api/v1/staff/renewals/stats?month=2026-13').set('Authorization', `Bearer ${admin}`).expect(400);
    expect(res.body.error.details.issues[0].path).toBe('query.month');
  });
});
