import type { ArrearsView, BillDetailView, BillView, Page } from '@openhall/shared';
import { createTestApp, signInBySms, type TestApp } from '../../../test/harness';
import { DEMO_FIXTURES } from '../../seeders/demo.seeder';
import { Account } from '../accounts/account.entity';
import { PaymentOrder } from '../payments/payment-order.entity';
import { BillLine } from './bill-line.entity';
import { Bill } from './bill.entity';

/**
 * 10:00 on 10 December 2026, business time. With the demo seed, 张三 (1000000001) owes the
 * December bill (due 2027-01-20) and the October bill (due 2026-11-20: 20 days overdue today).
 */
const BASE = new Date('2026-12-10T10:00:00+08:00');
const { waterOwing, tvBroadband } = DEMO_FIXTURES;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: BASE });
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(BASE));

let seq = 0;
/** A signed-in subscriber (own phone and IP, so rate limits never spill between tests) who bound `accountNo`. */
async function subscriberWith(accountNo: string, holderName: string) {
  seq += 1;
  const ip = `10.30.0.${seq}`;
  const token = await signInBySms(t, `1360000${String(seq).padStart(4, '0')}`, ip);
  const auth = { Authorization: `Bearer ${token}`, 'X-Forwarded-For': ip };
  const bound = await t.request.post('/api/v1/accounts/bind').set(auth).send({ accountNo, holderName }).expect(201);
  return {
    accountId: bound.body.data.id as number,
    bind: (no: string, name: string) => t.request.post('/api/v1/accounts/bind').set(auth).send({ accountNo: no, holderName: name }),
    get: (url: string) => t.request.get(url).set(auth),
    bills: async (query = '') => (await t.request.get(`/api/v1/bills${query}`).set(auth).expect(200)).body.data as Page<BillView>,
  };
}

/** Late fee under config/operator.json: 5/10000 of the amount a day, no grace days, floor once. */
const lateFee = (amountFen: number, days: number) => Math.floor((amountFen * 5 * days) / 10_000);

describe('listing bills', () => {
  test('by displayed status: the October bill is overdue, December is unpaid, the other ten are paid', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    const all = await zhang.bills('?pageSize=100');
    expect(all.total).toBe(12);
    expect(all.items.map((b) => b.period)).toEqual([...all.items.map((b) => b.period)].sort().reverse());
    expect(all.items.every((b) => b.accountNo === waterOwing.accountNo)).toBe(true);
    // The list leaves the lines to each bill's detail, where they add up to the bill's amount.
    expect(all.items.filter((b) => 'lines' in b)).toEqual([]);
    for (const b of all.items) {
      const detail = (await zhang.get(`/api/v1/bills/${b.id}`).expect(200)).body.data as BillDetailView;
      expect(detail.lines.length).toBeGreaterThan(0);
      expect(detail.lines.reduce((s, l) => s + l.amountFen, 0)).toBe(b.amountFen);
    }

    const overdue = await zhang.bills('?status=overdue');
    expect(overdue.total).toBe(waterOwing.overdueBills);
    expect(overdue.items).toEqual([expect.objectContaining({ period: '2026-10', dueDate: '2026-11-20', status: 'overdue', paidAt: null })]);
    const o = overdue.items[0];
    expect(o.lateFeeFen).toBe(lateFee(o.amountFen, 20));
    expect(o.lateFeeFen).toBeGreaterThan(0);
    expect(o.totalFen).toBe(o.amountFen + o.lateFeeFen);

    const unpaid = await zhang.bills('?status=unpaid');
    expect(unpaid.items).toEqual([expect.objectContaining({ period: '2026-12', status: 'unpaid', lateFeeFen: 0 })]);
    expect((await zhang.bills('?status=unpaid,overdue')).total).toBe(waterOwing.unpaidBills);
    const paid = await zhang.bills('?status=paid&pageSize=100');
    expect(paid.total).toBe(10);
    expect(paid.items.every((b) => b.status === 'paid' && b.paidAt !== null)).toBe(true);
  });

  test('the October bill turns overdue only the day after its due date (business time)', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    // 23:59 on the due date in Shanghai is 15:59 UTC: still on time.
    t.clock.set('2026-11-20T15:59:00Z');
    expect((await zhang.bills('?status=overdue')).total).toBe(0);
    t.clock.set('2026-11-20T16:00:00Z');
    const overdue = await zhang.bills('?status=overdue');
    expect(overdue.items.map((b) => b.period)).toEqual(['2026-10']);
    expect(overdue.items[0].lateFeeFen).toBe(lateFee(overdue.items[0].amountFen, 1));
  });

  test('pages, and filters by account; without accountId all the user’s accounts are listed', async () => {
    const u = await subscriberWith(waterOwing.accountNo, '张三');
    const other = await subscriberWith(tvBroadband.accountNo, '李四');
    // The same user binds a second account.
    const bound = await u.bind(tvBroadband.accountNo, '李四').expect(201);
    const both = await u.bills('?pageSize=5&page=5');
    expect(both).toMatchObject({ total: 24, page: 5, pageSize: 5 });
    expect(both.items).toHaveLength(4);
    const onlyTv = await u.bills(`?accountId=${bound.body.data.id}&status=unpaid,overdue`);
    expect(onlyTv.items.map((b) => [b.accountNo, b.period, b.status])).toEqual([[tvBroadband.accountNo, '2026-12', 'unpaid']]);
    const tvBill = (await u.get(`/api/v1/bills/${onlyTv.items[0].id}`).expect(200)).body.data as BillDetailView;
    expect(tvBill.lines.map((l) => l.itemCode).sort()).toEqual(['broadband_monthly', 'tv_monthly']);
    expect((await other.bills()).total).toBe(12);
  });

  test('accounts, counts and disputes are read in a fixed number of queries whatever the page size', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    // Signed in already: the session is then served from the instance's cache in both requests.
    await zhang.get('/api/v1/bills?pageSize=1').expect(200);
    // Both pages hold the overdue October bill, whose disputes are looked up for its late fee.
    const connection = t.orm.em.getDriver().getConnection();
    const spy = jest.spyOn(connection, 'execute');
    try {
      await zhang.get('/api/v1/bills?pageSize=3').expect(200);
      const one = spy.mock.calls.length;
      spy.mockClear();
      const res = await zhang.get('/api/v1/bills?pageSize=12').expect(200);
      expect(res.body.data.items).toHaveLength(12);
      expect(spy.mock.calls.length).toBe(one);
    } finally {
      spy.mockRestore();
    }
  });

  test('a page whose account numbers are kept in memory answers as one read from the database, with one statement', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    const billing = t.app.services.billing;
    billing['accountNoCache'].clear();
    const statements: string[] = [];
    const stop = t.deps.readDb.onQuery((q) => statements.push(q.sql));
    try {
      // Paid, unpaid and the overdue October bill (late fee as of today, no dispute).
      const cold = await zhang.bills('?pageSize=100');
      expect(statements.length).toBeGreaterThan(1);
      statements.length = 0;
      const kept = await zhang.bills('?pageSize=100');
      expect(statements).toHaveLength(1);
      expect(kept).toEqual(cold);
      expect(kept.items.find((b) => b.status === 'overdue')?.lateFeeFen).toBe(lateFee(kept.items.find((b) => b.status === 'overdue')!.amountFen, 20));
      // A day later the kept account numbers serve again; the late fee is still today's.
      t.clock.set(new Date(BASE.getTime() + 86_400_000));
      const overdue = (await zhang.bills('?status=overdue')).items[0];
      expect(overdue.lateFeeFen).toBe(lateFee(overdue.amountFen, 21));
    } finally {
      stop();
    }
  });

  test('bad filters answer 400 naming the field', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    for (const [q, path] of [
      ['?status=late', 'query.status'],
      ['?pageSize=500', 'query.pageSize'],
      ['?accountId=abc', 'query.accountId'],
    ]) {
      const res = await zhang.get(`/api/v1/bills${q}`).expect(400);
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path.split('.').slice(0, 2).join('.'))).toContain(path);
    }
    await t.request.get('/api/v1/bills').expect(401);
  });
});

describe('one bill', () => {
  test('has its lines, due date and a live late fee that grows when a day passes', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    const [october] = (await zhang.bills('?status=overdue')).items;
    const detail = (await zhang.get(`/api/v1/bills/${october.id}`).expect(200)).body.data as BillDetailView;
    expect(detail).toMatchObject({ id: october.id, period: '2026-10', dueDate: '2026-11-20', status: 'overdue', payment: null, lateFeeFen: lateFee(october.amountFen, 20) });
    expect(detail.lines.length).toBeGreaterThan(0);
    expect(detail.lines.map((l) => l.itemCode)).toEqual(expect.arrayContaining(['water', 'sewage']));

    t.clock.advance(86_400_000);
    const tomorrow = (await zhang.get(`/api/v1/bills/${october.id}`).expect(200)).body.data as BillDetailView;
    expect(tomorrow.lateFeeFen).toBe(lateFee(october.amountFen, 21));
    expect(tomorrow.lateFeeFen).toBeGreaterThan(detail.lateFeeFen);
    expect(tomorrow.totalFen).toBe(october.amountFen + tomorrow.lateFeeFen);
  });

  test('a paid bill shows the late fee stored with it and the portal payment that settled it', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    const [november] = (await zhang.bills('?status=paid&pageSize=1')).items;
    const order = await settleThroughPortal(november.id, zhang.accountId, 'wechat_jsapi');
    const em = t.orm.em.fork();
    await em.nativeUpdate(Bill, { id: november.id }, { lateFeeFen: 123 });
    const detail = (await zhang.get(`/api/v1/bills/${november.id}`).expect(200)).body.data as BillDetailView;
    expect(detail).toMatchObject({ status: 'paid', lateFeeFen: 123, totalFen: november.amountFen + 123 });
    expect(detail.payment).toEqual({
      orderId: order.id,
      channel: 'wechat_jsapi',
      channelName: '微信支付',
      outTradeNo: order.outTradeNo,
      gatewayTradeNo: order.gatewayTradeNo,
      paidAt: order.paidAt!.toISOString(),
    });
    await em.nativeUpdate(Bill, { id: november.id }, { lateFeeFen: 0 });
  });

  test("someone else's bill answers 404 exactly like a bill that does not exist", async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    const li = await subscriberWith(tvBroadband.accountNo, '李四');
    const [zhangs] = (await zhang.bills()).items;
    const missing = await li.get('/api/v1/bills/99999999').expect(404);
    for (const url of [`/api/v1/bills/${zhangs.id}`, `/api/v1/bills/${zhangs.id}/receipt`]) {
      const res = await li.get(url).expect(404);
      expect(res.text).toBe(missing.text);
    }
    const notMine = await li.get(`/api/v1/bills?accountId=${zhang.accountId}`).expect(404);
    expect(notMine.body.error.code).toBe('NOT_FOUND');
    await li.get(`/api/v1/accounts/${zhang.accountId}/arrears`).expect(404);
  });
});

describe('arrears', () => {
  test('total due with late fees as of today, unpaid count and the oldest unpaid period', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    const owed = (await zhang.bills('?status=unpaid,overdue')).items;
    const res = (await zhang.get(`/api/v1/accounts/${zhang.accountId}/arrears`).expect(200)).body.data as ArrearsView;
    const principal = owed.reduce((s, b) => s + b.amountFen, 0);
    const october = owed.find((b) => b.period === '2026-10')!;
    expect(res).toEqual({
      accountId: zhang.accountId,
      principalFen: principal,
      lateFeeFen: lateFee(october.amountFen, 20),
      totalDueFen: principal + lateFee(october.amountFen, 20),
      unpaidBills: 2,
      overdueBills: 1,
      oldestUnpaidPeriod: '2026-10',
    });
    // It agrees with the account list's amount due.
    const account = (await zhang.get(`/api/v1/accounts/${zhang.accountId}`).expect(200)).body.data;
    expect(account.amountDueFen).toBe(res.totalDueFen);
  });

  test('an account with nothing owed', async () => {
    const wang = await subscriberWith(DEMO_FIXTURES.waterPaidUp.accountNo, '王五');
    const res = (await wang.get(`/api/v1/accounts/${wang.accountId}/arrears`).expect(200)).body.data as ArrearsView;
    expect(res).toMatchObject({ totalDueFen: 0, lateFeeFen: 0, unpaidBills: 0, oldestUnpaidPeriod: null });
  });
});

describe('receipt', () => {
  test('an unpaid bill has none: 409 BILL_NOT_PAID', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    const [owed] = (await zhang.bills('?status=overdue')).items;
    const res = await zhang.get(`/api/v1/bills/${owed.id}/receipt`).expect(409);
    expect(res.body.error.code).toBe('BILL_NOT_PAID');
  });

  test('a bill paid through the portal prints operator, account, masked holder, period, yuan amount, channel, transaction number and Beijing time', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    const paid = (await zhang.bills('?status=paid&pageSize=3')).items[2];
    const order = await settleThroughPortal(paid.id, zhang.accountId, 'alipay_wap', new Date('2026-09-05T16:30:05Z'));
    const res = await zhang.get(`/api/v1/bills/${paid.id}/receipt`).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.text;
    expect(html).toContain('缴费凭证');
    expect(html).toContain(t.config.operator.name);
    expect(html).toContain(waterOwing.accountNo);
    expect(html).toContain('张*');
    expect(html).not.toContain('张三');
    expect(html).toContain(paid.period);
    expect(html).toContain(`¥${(paid.totalFen / 100).toFixed(2)}<`);
    expect(html).toContain('支付宝');
    expect(html).toContain(order.gatewayTradeNo!);
    expect(html).toContain('2026-09-06 00:30:05（北京时间）');
    expect(html).toContain('id="print"');
    // The page's own style and script run under a nonce; nothing else can.
    const nonce = /script-src 'nonce-([^']+)'/.exec(res.headers['content-security-policy'])?.[1];
    expect(nonce).toBeTruthy();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    // A page, so it carries the page policies too.
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  });

  test('a demo bill paid elsewhere (hall, bank) prints with the channel "其他渠道"', async () => {
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    const paid = (await zhang.bills('?status=paid&pageSize=10')).items[9];
    const html = (await zhang.get(`/api/v1/bills/${paid.id}/receipt`).expect(200)).text;
    expect(html).toContain(t.config.operator.name);
    expect(html).toContain(paid.period);
    expect(html).toContain(`¥${(paid.totalFen / 100).toFixed(2)}<`);
    expect(html).toContain('其他渠道');
  });

  test('every interpolated value is escaped', async () => {
    // Item names come from the operator's billing system: a bill issued with markup in one.
    const zhang = await subscriberWith(waterOwing.accountNo, '张三');
    const em = t.orm.em.fork();
    const bill = Object.assign(new Bill(), {
      accountId: zhang.accountId,
      period: '2025-01',
      amountFen: 1_000,
      dueDate: '2025-02-20',
      status: 'paid',
      paidAt: new Date('2025-02-01T02:00:00Z'),
      createdAt: new Date('2025-01-31T16:00:00Z'),
    });
    await em.persistAndFlush(bill);
    await em.persistAndFlush(
      Object.assign(new BillLine(), { billId: bill.id, itemCode: 'water', name: '<img src=x onerror="alert(1)">', quantity: 1, unit: '月', unitPriceFen: 1_000, amountFen: 1_000 }),
    );
    try {
      const html = (await zhang.get(`/api/v1/bills/${bill.id}/receipt`).expect(200)).text;
      expect(html).not.toContain('<img');
      expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    } finally {
      await em.nativeDelete(BillLine, { billId: bill.id });
      await em.nativeDelete(Bill, { id: bill.id });
    }
  });
});

/** Marks a demo bill as settled by a portal payment order, the way the payments module does. */
async function settleThroughPortal(billId: number, accountId: number, channel: PaymentOrder['channel'], paidAt = new Date('2026-11-02T02:03:04Z')): Promise<PaymentOrder> {
  const em = t.orm.em.fork();
  const account = await em.findOneOrFail(Account, accountId);
  const bill = await em.findOneOrFail(Bill, billId);
  const userId = (await em.getConnection().execute<{ id: number }[]>('select min(id) as id from portal_user'))[0].id;
  const order = Object.assign(new PaymentOrder(), {
    outTradeNo: `OH${billId}${Date.now() % 100_000}`,
    userId,
    kind: 'bills',
    channel,
    status: 'paid',
    amountFen: Number(bill.amountFen),
    description: `${account.accountNo} ${bill.period}`,
    expiresAt: paidAt,
    gatewayTradeNo: `4200001${billId}${Date.now() % 1000}`,
    paidAt,
    paidAmountFen: Number(bill.amountFen),
    createdAt: paidAt,
    updatedAt: paidAt,
  });
  await em.persistAndFlush(order);
  await em.nativeUpdate(Bill, { id: billId }, { paymentId: order.id, paidAt });
  return order;
}
