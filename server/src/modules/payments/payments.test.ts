import { businessDate, computeLateFeeFen } from '@openhall/shared';
import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { runOnce } from './payment-expiry.job';
import { PaymentNotify } from './payment-notify.entity';
import { PaymentOrderBill } from './payment-order-bill.entity';
import { Refund } from './refund.entity';
import {
  billOf,
  eventually,
  newBill,
  orderOf,
  smsUserWithAccount,
  wechatUserWithAccount,
} from './payments.test-support';

/**
 * Paying bills end to end through the real WeChat Pay and Alipay adapters against the in-process
 * sandboxes (real HTTP, real signatures and encryption, notifications delivered by the sandboxes).
 */

let t: TestApp;
let user: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  user = await smsUserWithAccount(t, '13800000001');
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

function pay(token: string, billIds: number[], channel: string, ip = '10.1.2.3') {
  return t.request.post('/api/v1/payments').set(auth(token)).set('X-Forwarded-For', ip).send({ billIds, channel });
}

async function paidOrder(id: number) {
  return eventually(async () => {
    const o = await orderOf(t, id);
    return o.status === 'paid' && o;
  });
}

test('Alipay WAP: signed gateway URL → buyer pays in the sandbox cashier → notify → bills paid, write-off queued', async () => {
  const bill = await newBill(t, 12345);
  const res = await pay(user, [bill.id], 'alipay_wap').expect(201);
  expect(res.body.data.pay.kind).toBe('redirect');
  const url = res.body.data.pay.url as string;
  expect(url).toContain('/sandbox/alipay/gateway.do?');
  expect(res.body.data.order).toMatchObject({ status: 'created', amountFen: 12345, channel: 'alipay_wap', billIds: [bill.id] });

  t.deps.sandboxes.alipay!.payUrl(url);
  const order = await paidOrder(res.body.data.order.id);
  expect(order.paidAmountFen).toBe(12345);
  expect(await billOf(t, bill.id)).toMatchObject({ status: 'paid', paymentId: order.id, lateFeeFen: 0 });
  const outbox = await t.orm.em.fork().find(OutboxMessage, { dedupeKey: `writeoff:${order.id}` });
  expect(outbox).toHaveLength(1);
  expect(outbox[0].topic).toBe('billing.writeoff');

  const view = await t.request.get(`/api/v1/payments/${order.id}`).set(auth(user)).expect(200);
  expect(view.body.data).toMatchObject({ status: 'paid', amountFen: 12345 });
  // The embedded write-off just marks the message sent.
  await runOnce(t.app.services.payments);
  await t.app.services.outbox.drain(20_000);
  expect((await t.orm.em.fork().findOneOrFail(OutboxMessage, outbox[0].id)).status).toBe('sent');
});

test('WeChat H5: h5_url with redirect → paid in the sandbox → signed, encrypted notify → bills paid', async () => {
  const bill = await newBill(t, 8800);
  const res = await pay(user, [bill.id], 'wechat_h5').expect(201);
  expect(res.body.data.pay.url).toMatch(/\/sandbox\/wechatpay\/cashier\/.+&redirect_url=/);
  const order = await orderOf(t, res.body.data.order.id);
  const trade = t.deps.sandboxes.wechatpay!.ledger.trade(order.outTradeNo)!;
  expect(trade).toMatchObject({ tradeType: 'MWEB', amountFen: 8800, payerClientIp: '10.1.2.3' });

  const delivery = t.deps.sandboxes.wechatpay!.pay(order.outTradeNo);
  expect((await t.deps.sandboxes.wechatpay!.waitForDelivery(delivery.id)).state).toBe('acknowledged');
  const paid = await orderOf(t, order.id);
  expect(paid.status).toBe('paid');
  expect(paid.gatewayTradeNo).toBe(t.deps.sandboxes.wechatpay!.ledger.trade(order.outTradeNo)!.transactionId);
  expect((await billOf(t, bill.id)).status).toBe('paid');
});

test('WeChat JSAPI: a mini-program user gets requestPayment parameters; paying settles the bill', async () => {
  const mp = await wechatUserWithAccount(t, 'jsapi-payer');
  const bill = await newBill(t, 3000);
  const res = await pay(mp, [bill.id], 'wechat_jsapi').expect(201);
  const params = res.body.data.pay.params;
  expect(res.body.data.pay.kind).toBe('requestPayment');
  expect(params).toMatchObject({ appId: t.deps.payments.wechatpay.appid, signType: 'RSA' });
  expect(params.package).toMatch(/^prepay_id=wx/);
  const order = await orderOf(t, res.body.data.order.id);
  expect(t.deps.sandboxes.wechatpay!.ledger.trade(order.outTradeNo)!.openid).toBe(order.payerOpenid);

  const d = t.deps.sandboxes.wechatpay!.pay(order.outTradeNo);
  await t.deps.sandboxes.wechatpay!.waitForDelivery(d.id);
  expect((await billOf(t, bill.id)).status).toBe('paid');
});

test('the cashier returns only to this site: a return path to another host is refused', async () => {
  const bill = await newBill(t);
  for (const returnPath of ['//evil.example/x', '/\\evil.example']) {
    const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'alipay_wap', returnPath }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  }
  const ok = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'alipay_wap', returnPath: '/pages/bills/index' }).expect(201);
  const returnUrl = new URL(ok.body.data.pay.url).searchParams.get('return_url')!;
  expect(returnUrl).toBe(`${t.baseUrl}/pages/bills/index?paymentId=${ok.body.data.order.id}`);
});

test('a JSAPI payment needs a WeChat sign-in: an SMS-only user is told so', async () => {
  const bill = await newBill(t);
  const res = await pay(user, [bill.id], 'wechat_jsapi').expect(400);
  expect(res.body.error.code).toBe('WECHAT_OPENID_REQUIRED');
});

test('the amount is computed on the server: bill + live late fee, fixed on the bill when paid', async () => {
  const today = businessDate(t.clock.now());
  const due = new Date(Date.parse(`${today}T00:00:00Z`) - 40 * 86_400_000).toISOString().slice(0, 10);
  const bill = await newBill(t, 20000, due);
  const lateFee = computeLateFeeFen(20000, due, today, t.config.operator.lateFee);
  expect(lateFee).toBeGreaterThan(0);
  const res = await pay(user, [bill.id], 'alipay_wap').expect(201);
  expect(res.body.data.order.amountFen).toBe(20000 + lateFee);
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  await paidOrder(res.body.data.order.id);
  expect(await billOf(t, bill.id)).toMatchObject({ status: 'paid', lateFeeFen: lateFee });
});

test('paying a paid bill is refused with BILL_ALREADY_PAID', async () => {
  const bill = await newBill(t, 1000);
  const res = await pay(user, [bill.id], 'alipay_wap').expect(201);
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  await paidOrder(res.body.data.order.id);
  const again = await pay(user, [bill.id], 'wechat_h5').expect(409);
  expect(again.body.error).toMatchObject({ code: 'BILL_ALREADY_PAID', details: { billIds: [bill.id] } });
});

test("someone else's bill and someone else's order answer 404", async () => {
  const stranger = await signInBySms(t, '13900000077', '10.7.7.7');
  const bill = await newBill(t);
  await pay(stranger, [bill.id], 'wechat_h5').expect(404);
  const mine = await pay(user, [bill.id], 'wechat_h5').expect(201);
  const res = await t.request.get(`/api/v1/payments/${mine.body.data.order.id}`).set(auth(stranger)).expect(404);
  expect(res.body.error.code).toBe('NOT_FOUND');
  await t.request.get(`/api/v1/payments/999999`).set(auth(user)).expect(404);
});

test('a bill in an open order cannot go into a second order until the first is closed', async () => {
  const bill = await newBill(t, 4500);
  const other = await newBill(t, 100);
  const first = await pay(user, [bill.id], 'wechat_h5').expect(201);
  const second = await pay(user, [other.id, bill.id], 'alipay_wap').expect(409);
  expect(second.body.error).toMatchObject({ code: 'BILL_IN_OPEN_ORDER', details: { billIds: [bill.id], orderIds: [first.body.data.order.id] } });
  // The refused order left nothing behind: the other bill is still free.
  await pay(user, [other.id], 'alipay_wap').expect(201);

  t.clock.advance(16 * 60_000);
  try {
    const r = await runOnce(t.app.services.payments);
    expect(r.expired.closed).toBeGreaterThanOrEqual(1);
  } finally {
    t.clock.advance(-16 * 60_000);
  }
  expect((await orderOf(t, first.body.data.order.id)).status).toBe('closed');
  const o = await orderOf(t, first.body.data.order.id);
  expect(t.deps.sandboxes.wechatpay!.ledger.trade(o.outTradeNo)!.tradeState).toBe('CLOSED');
  await pay(user, [bill.id], 'alipay_wap').expect(201);
});

test('the user can give up an open order: closed at the gateway, the bill is free again at once', async () => {
  const bill = await newBill(t, 2500);
  const first = await pay(user, [bill.id], 'wechat_h5').expect(201);
  const id = first.body.data.order.id as number;
  const stranger = await signInBySms(t, '13900000078', '10.7.7.8');
  await t.request.post(`/api/v1/payments/${id}/close`).set(auth(stranger)).expect(404);
  const closed = await t.request.post(`/api/v1/payments/${id}/close`).set(auth(user)).expect(200);
  expect(closed.body.data.status).toBe('closed');
  expect(t.deps.sandboxes.wechatpay!.ledger.trade((await orderOf(t, id)).outTradeNo)!.tradeState).toBe('CLOSED');
  await pay(user, [bill.id], 'alipay_wap').expect(201);

  // Closing an order that was in fact paid keeps it paid.
  const other = await newBill(t, 2600);
  const paidRes = await pay(user, [other.id], 'alipay_wap').expect(201);
  const down = jest.spyOn(t.app.services.payments.notify, 'handleAlipayNotify').mockResolvedValue({ status: 503, body: 'fail' });
  try {
    t.deps.sandboxes.alipay!.payUrl(paidRes.body.data.pay.url);
    const after = await t.request.post(`/api/v1/payments/${paidRes.body.data.order.id}/close`).set(auth(user)).expect(200);
    expect(after.body.data.status).toBe('paid');
  } finally {
    down.mockRestore();
  }
  expect((await billOf(t, other.id)).status).toBe('paid');
});

test('the same WeChat notify delivered 20 times concurrently settles once', async () => {
  const bill = await newBill(t, 6600);
  const res = await pay(user, [bill.id], 'wechat_h5').expect(201);
  const order = await orderOf(t, res.body.data.order.id);
  const sandbox = t.deps.sandboxes.wechatpay!;
  sandbox.pay(order.outTradeNo);
  const statuses = await sandbox.sendNotify(order.outTradeNo, { copies: 20 });
  expect(statuses).toEqual(Array(20).fill(204));
  await paidOrder(order.id);
  const em = t.orm.em.fork();
  expect(await em.count(AuditLog, { action: 'payment.settled', entityId: String(order.id) })).toBe(1);
  expect(await em.count(OutboxMessage, { dedupeKey: `writeoff:${order.id}` })).toBe(1);
  expect(await em.count(Refund, { orderId: order.id })).toBe(0);
  expect(await em.count(PaymentNotify, { outTradeNo: order.outTradeNo, notifyId: { $ne: null } })).toBe(1);
  expect((await billOf(t, bill.id)).paymentId).toBe(order.id);
});

test('the same Alipay notify delivered 20 times concurrently settles once, and each copy gets "success"', async () => {
  const bill = await newBill(t, 7700);
  const res = await pay(user, [bill.id], 'alipay_wap').expect(201);
  const sandbox = t.deps.sandboxes.alipay!;
  const { trade } = sandbox.payUrl(res.body.data.pay.url);
  const answers = await Promise.all(Array.from({ length: 20 }, () => sandbox.sendNotify(trade.outTradeNo)));
  expect(answers.every((a) => a.status === 200 && a.body === 'success')).toBe(true);
  const order = await paidOrder(res.body.data.order.id);
  const em = t.orm.em.fork();
  expect(await em.count(AuditLog, { action: 'payment.settled', entityId: String(order.id) })).toBe(1);
  expect(await em.count(OutboxMessage, { dedupeKey: `writeoff:${order.id}` })).toBe(1);
});

test('two channels paying one bill: the first payment is kept, the late one is refunded automatically', async () => {
  const bill = await newBill(t, 9900);
  // The buyer starts with Alipay but does not open the cashier yet.
  const viaAlipay = await pay(user, [bill.id], 'alipay_wap').expect(201);
  t.clock.advance(16 * 60_000);
  try {
    // Alipay has no trade yet ("not exist" proves nothing): closed here, the bill is free again.
    await runOnce(t.app.services.payments);
  } finally {
    t.clock.advance(-16 * 60_000);
  }
  const a = await orderOf(t, viaAlipay.body.data.order.id);
  expect(a.status).toBe('closed');

  const viaWechat = await pay(user, [bill.id], 'wechat_h5').expect(201);
  const w = await orderOf(t, viaWechat.body.data.order.id);
  await t.deps.sandboxes.wechatpay!.waitForDelivery(t.deps.sandboxes.wechatpay!.pay(w.outTradeNo).id);
  expect((await billOf(t, bill.id)).paymentId).toBe(w.id);

  // Now the old Alipay page is used after all: the money arrives for a closed order.
  t.deps.sandboxes.alipay!.payUrl(viaAlipay.body.data.pay.url);
  const refund = await eventually(async () => {
    const r = await t.orm.em.fork().findOne(Refund, { orderId: a.id });
    return r?.status === 'success' && r;
  });
  expect(refund).toMatchObject({ outRefundNo: `AR${a.outTradeNo}`, amountFen: 9900, kind: 'auto_duplicate' });
  expect(await orderOf(t, a.id)).toMatchObject({ status: 'closed', refundedFen: 9900, paidAmountFen: 9900 });
  expect(t.deps.sandboxes.alipay!.ledger.trade(a.outTradeNo)!.refunds).toHaveLength(1);
  expect(await billOf(t, bill.id)).toMatchObject({ status: 'paid', paymentId: w.id });
  expect((await orderOf(t, w.id)).status).toBe('paid');
});

test('a WeChat notify racing the expiry close ends consistent: paid once, or closed with nothing paid', async () => {
  const sandbox = t.deps.sandboxes.wechatpay!;
  const gateway = t.deps.payments.wechatpay.gateway;
  // before: paid while the closer queries; between: paid after the query, before the close
  // (the close answers ORDERPAID while the notification is on its way); after: the payer tries
  // once the order is closed at WeChat.
  const plan = ['before', 'between', 'after', 'between', 'after', 'before'] as const;
  const orders: Array<{ id: number; no: string; when: (typeof plan)[number] }> = [];
  for (const when of plan) {
    const bill = await newBill(t, 1000 + orders.length);
    const id = (await pay(user, [bill.id], 'wechat_h5').expect(201)).body.data.order.id as number;
    orders.push({ id, no: (await orderOf(t, id)).outTradeNo, when });
  }
  const closeOrder = gateway.closeOrder.bind(gateway);
  let closes = 0;
  const spy = jest.spyOn(gateway, 'closeOrder').mockImplementation(async (no) => {
    closes++;
    const o = orders.find((x) => x.no === no)!;
    if (o.when === 'between') sandbox.pay(no);
    const r = await closeOrder(no);
    if (o.when === 'after') expect(() => sandbox.pay(no)).toThrow('订单已关闭');
    return r;
  });
  t.clock.advance(16 * 60_000);
  try {
    for (const o of orders) if (o.when === 'before') sandbox.pay(o.no);
    await runOnce(t.app.services.payments);
  } finally {
    t.clock.advance(-16 * 60_000);
    spy.mockRestore();
  }
  expect(closes).toBe(4); // 'before' orders were found paid by the query
  await Promise.all(sandbox.ledger.deliveries().filter((d) => orders.some((o) => o.no === d.outTradeNo)).map((d) => sandbox.waitForDelivery(d.id)));
  const em = t.orm.em.fork();
  for (const o of orders) {
    const order = await orderOf(t, o.id);
    const bill = await billOf(t, (await em.findOneOrFail(PaymentOrderBill, { orderId: o.id })).billId);
    expect(await em.count(PaymentOrderBill, { orderId: o.id, openLock: { $ne: null } })).toBe(0);
    if (o.when === 'after') {
      expect(order.status).toBe('closed');
      expect(sandbox.ledger.trade(o.no)!.tradeState).toBe('CLOSED');
      expect(bill.status).toBe('unpaid');
    } else {
      expect(order.status).toBe('paid');
      expect(bill).toMatchObject({ status: 'paid', paymentId: o.id });
      expect(await em.count(AuditLog, { action: 'payment.settled', entityId: String(o.id) })).toBe(1);
    }
    expect(await em.count(Refund, { orderId: o.id })).toBe(0);
  }
});

test('an Alipay payment racing the expiry close ends paid once, or closed with the late payment refunded', async () => {
  const sandbox = t.deps.sandboxes.alipay!;
  const gateway = t.deps.payments.alipay.gateway;
  // between: the buyer pays after the query, before the close (close finds it paid);
  // late: the buyer had not opened the cashier ("not exist"), then pays while we close.
  const plan = ['between', 'late', 'between', 'late'] as const;
  const orders: Array<{ id: number; no: string; url: string; when: (typeof plan)[number] }> = [];
  for (const when of plan) {
    const bill = await newBill(t, 2000 + orders.length);
    const res = await pay(user, [bill.id], 'alipay_wap').expect(201);
    const id = res.body.data.order.id as number;
    orders.push({ id, no: (await orderOf(t, id)).outTradeNo, url: res.body.data.pay.url, when });
    if (when === 'between') sandbox.openPayUrl(res.body.data.pay.url);
  }
  const closeTrade = gateway.closeTrade.bind(gateway);
  const spy = jest.spyOn(gateway, 'closeTrade').mockImplementation(async (no) => {
    const o = orders.find((x) => x.no === no)!;
    if (o.when === 'between') sandbox.pay(no);
    const r = await closeTrade(no);
    // The notification is sent at once and races our own "closed" update.
    if (o.when === 'late') sandbox.payUrl(o.url);
    return r;
  });
  t.clock.advance(16 * 60_000);
  try {
    await runOnce(t.app.services.payments);
  } finally {
    t.clock.advance(-16 * 60_000);
    spy.mockRestore();
  }
  const em = t.orm.em.fork();
  for (const o of orders) {
    const final = await eventually(async () => {
      // The refund first: its success and the order's refundedFen commit together, so an order
      // read after a successful refund shows it (read the other way round, the order may be older).
      const r = await t.orm.em.fork().findOne(Refund, { orderId: o.id });
      const x = await orderOf(t, o.id);
      if (x.status === 'paid') return x;
      return x.status === 'closed' && r?.status === 'success' && x;
    });
    const bill = await billOf(t, (await em.findOneOrFail(PaymentOrderBill, { orderId: o.id })).billId);
    if (o.when === 'between') expect(final.status).toBe('paid');
    if (final.status === 'paid') {
      expect(bill).toMatchObject({ status: 'paid', paymentId: o.id });
      expect(await em.count(Refund, { orderId: o.id })).toBe(0);
    } else {
      expect(bill.status).toBe('unpaid');
      expect(final).toMatchObject({ refundedFen: final.amountFen, paidAmountFen: final.amountFen });
      expect(await em.findOneOrFail(Refund, { orderId: o.id })).toMatchObject({ kind: 'auto_late', outRefundNo: `AR${o.no}` });
      expect(sandbox.ledger.trade(o.no)!.refunds).toHaveLength(1);
    }
  }
});

test('supervisors refund paid orders, partly then fully, never more than was paid; agents cannot', async () => {
  const bill = await newBill(t, 10000);
  const res = await pay(user, [bill.id], 'wechat_h5').expect(201);
  const order = await orderOf(t, res.body.data.order.id);
  await t.deps.sandboxes.wechatpay!.waitForDelivery(t.deps.sandboxes.wechatpay!.pay(order.outTradeNo).id);
  const supervisor = await signInStaff(t, 'supervisor1');
  const agent = await signInStaff(t, 'agent1');
  const url = `/api/v1/staff/payments/${order.id}/refunds`;
  await t.request.post(url).set(auth(agent)).send({ amountFen: 100, reason: '多缴退还' }).expect(403);
  await t.request.post(url).set(auth(supervisor)).send({ amountFen: 10001, reason: '多缴退还' }).expect(409);

  const part = await t.request.post(url).set(auth(supervisor)).send({ amountFen: 3000, reason: '多缴退还' }).expect(201);
  expect(part.body.data.refund).toMatchObject({ amountFen: 3000, kind: 'staff' });
  await eventually(async () => (await orderOf(t, order.id)).status === 'refunded');
  expect((await orderOf(t, order.id)).refundedFen).toBe(3000);

  const tooMuch = await t.request.post(url).set(auth(supervisor)).send({ amountFen: 7001, reason: '再退' }).expect(409);
  expect(tooMuch.body.error).toMatchObject({ code: 'REFUND_AMOUNT_EXCEEDED', details: { availableFen: 7000 } });
  await t.request.post(url).set(auth(supervisor)).send({ amountFen: 7000, reason: '再退' }).expect(201);
  await eventually(async () => (await orderOf(t, order.id)).refundedFen === 10000);
  expect(t.deps.sandboxes.wechatpay!.ledger.refunds().filter((r) => r.outTradeNo === order.outTradeNo).map((r) => r.refundFen)).toEqual([3000, 7000]);
  expect(await t.orm.em.fork().count(AuditLog, { action: 'payment.refund', entityId: String(order.id) })).toBe(2);

  // An open order cannot be refunded.
  const open = await pay(user, [(await newBill(t)).id], 'wechat_h5').expect(201);
  const r = await t.request.post(`/api/v1/staff/payments/${open.body.data.order.id}/refunds`).set(auth(supervisor)).send({ amountFen: 1, reason: '测试退款' }).expect(409);
  expect(r.body.error.code).toBe('ORDER_NOT_REFUNDABLE');
});

test('GET ?refresh=true asks the gateway and settles a paid order even when no notify arrived', async () => {
  const bill = await newBill(t, 4321);
  const res = await pay(user, [bill.id], 'alipay_wap').expect(201);
  const sandbox = t.deps.sandboxes.alipay!;
  const order = await orderOf(t, res.body.data.order.id);
  // Our notify endpoint is down for a while: Alipay's notification fails and will be retried.
  const down = jest.spyOn(t.app.services.payments.notify, 'handleAlipayNotify').mockResolvedValue({ status: 503, body: 'fail' });
  try {
    sandbox.payUrl(res.body.data.pay.url);
    await eventually(async () => sandbox.ledger.notifications(order.outTradeNo).some((n) => n.attempts.length > 0));
    expect(down).toHaveBeenCalled();
    const before = await t.request.get(`/api/v1/payments/${order.id}`).set(auth(user)).expect(200);
    expect(before.body.data.status).toBe('created');
    const after = await t.request.get(`/api/v1/payments/${order.id}?refresh=true`).set(auth(user)).expect(200);
    expect(after.body.data.status).toBe('paid');
    expect((await billOf(t, bill.id)).status).toBe('paid');
  } finally {
    down.mockRestore();
  }
  // The retried notification is a duplicate now: acknowledged, nothing settles twice.
  await eventually(async () => sandbox.ledger.notifications(order.outTradeNo).some((n) => n.state === 'delivered'));
  expect(await t.orm.em.fork().count(AuditLog, { action: 'payment.settled', entityId: String(order.id) })).toBe(1);
});
