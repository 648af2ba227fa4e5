import { createTestApp, type TestApp } from '../../../test/harness';
import { WechatPayError } from '../../integrations/wechatpay/wechatpay.adapter';
import { AuditLog } from '../audit/audit-log.entity';
import { runOnce } from './payment-expiry.job';
import { PaymentOrderBill } from './payment-order-bill.entity';
import { EXPIRED_LOCAL_CLOSE_AFTER_MS, LOCAL_CLOSE_CHECK_MARGIN_MS } from './order-closing.service';
import { Refund } from './refund.entity';
import { billOf, eventually, newBill, orderOf, smsUserWithAccount } from './payments.test-support';

/**
 * A gateway that cannot be reached no longer keeps a bill locked in an open order (issue 20): the
 * subscriber's close goes through here, the bill is free for another channel at once, and the
 * housekeeping job keeps asking the gateway until it confirms the close (or the order's expiry plus
 * a margin has passed); money that arrives after all is refunded.
 */

let t: TestApp;
let user: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  user = await smsUserWithAccount(t, '13800000401');
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

/** WeChat Pay's API cannot be reached (its cashier, and its notifications, still work). */
function wechatUnreachable() {
  const gateway = t.deps.payments.wechatpay.gateway;
  const down = () => Promise.reject(new WechatPayError('NETWORK_ERROR', null, 'connect ETIMEDOUT api.mch.weixin.qq.com', true));
  const spies = [jest.spyOn(gateway, 'queryOrder').mockImplementation(down), jest.spyOn(gateway, 'closeOrder').mockImplementation(down)];
  return { restore: () => spies.forEach((s) => s.mockRestore()) };
}

async function openWechatOrder(amountFen: number) {
  const bill = await newBill(t, amountFen);
  const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
  const order = await orderOf(t, res.body.data.order.id);
  return { bill, order };
}

const closeByUser = (orderId: number) => t.request.post(`/api/v1/payments/${orderId}/close`).set(auth(user));
const view = async (orderId: number) => (await t.request.get(`/api/v1/payments/${orderId}`).set(auth(user)).expect(200)).body.data;

test('closing while WeChat Pay cannot be reached: closed here, the bill is free for Alipay at once; the close is confirmed once WeChat answers', async () => {
  const { bill, order } = await openWechatOrder(1800);
  const outage = wechatUnreachable();
  try {
    const closed = await closeByUser(order.id).expect(200);
    expect(closed.body.data).toMatchObject({ status: 'closed', closeUnconfirmed: true });
    expect(await t.orm.em.fork().count(PaymentOrderBill, { orderId: order.id, openLock: { $ne: null } })).toBe(0);
    expect(await t.orm.em.fork().count(AuditLog, { action: 'payment.closed_locally', entityId: String(order.id) })).toBe(1);
    // The subscriber switches channel.
    await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'alipay_wap' }).expect(201);
    // Still unreachable: the job keeps the order on its list.
    const pass = await runOnce(t.app.services.payments);
    expect(pass.locallyClosed.pending).toBeGreaterThanOrEqual(1);
    expect((await orderOf(t, order.id)).gatewayCheckUntil).not.toBeNull();
  } finally {
    outage.restore();
  }
  // WeChat answers again: the order is closed there too, and no longer checked.
  const pass = await runOnce(t.app.services.payments);
  expect(pass.locallyClosed.confirmed).toBeGreaterThanOrEqual(1);
  expect(t.deps.sandboxes.wechatpay!.ledger.trade(order.outTradeNo)!.tradeState).toBe('CLOSED');
  expect(await orderOf(t, order.id)).toMatchObject({ status: 'closed', gatewayCheckUntil: null });
  expect((await view(order.id)).closeUnconfirmed).toBe(false);
});

test('money that arrived for a locally closed order after all is found by the check and refunded; the other channel keeps the bill', async () => {
  const { bill, order } = await openWechatOrder(2700);
  const outage = wechatUnreachable();
  try {
    await closeByUser(order.id).expect(200);
  } finally {
    outage.restore();
  }
  const other = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'alipay_wap' }).expect(201);
  t.deps.sandboxes.alipay!.payUrl(other.body.data.pay.url);
  await eventually(async () => (await billOf(t, bill.id)).status === 'paid');

  // The payer had WeChat's cashier open and paid; our notify endpoint misses the notification.
  const deaf = jest.spyOn(t.app.services.payments.notify, 'handleWechatNotify').mockResolvedValue({ status: 500, body: { code: 'FAIL', message: 'down' } });
  try {
    const sandbox = t.deps.sandboxes.wechatpay!;
    const delivery = sandbox.pay(order.outTradeNo);
    await eventually(async () => (sandbox.ledger.deliveries().find((d) => d.id === delivery.id)?.attempts.length ?? 0) > 0);
    const pass = await runOnce(t.app.services.payments);
    expect(pass.locallyClosed.refunded).toBe(1);
  } finally {
    deaf.mockRestore();
  }
  const refund = await eventually(async () => {
    const r = await t.orm.em.fork().findOne(Refund, { orderId: order.id });
    return r?.status === 'success' && r;
  });
  expect(refund).toMatchObject({ kind: 'auto_duplicate', amountFen: 2700, outRefundNo: `AR${order.outTradeNo}` });
  expect(await orderOf(t, order.id)).toMatchObject({ status: 'closed', refundedFen: 2700, gatewayCheckUntil: null });
  expect(await billOf(t, bill.id)).toMatchObject({ status: 'paid', paymentId: other.body.data.order.id });
});

test('a gateway that never answers: checked until the expiry plus the margin, then no longer', async () => {
  const { order } = await openWechatOrder(900);
  const outage = wechatUnreachable();
  try {
    await closeByUser(order.id).expect(200);
    const until = (await orderOf(t, order.id)).gatewayCheckUntil!;
    expect(new Date(until).getTime()).toBe(new Date(order.expiresAt).getTime() + LOCAL_CLOSE_CHECK_MARGIN_MS);
    const skew = new Date(until).getTime() - t.clock.now().getTime() + 1_000;
    t.clock.advance(skew);
    try {
      const pass = await runOnce(t.app.services.payments);
      expect(pass.locallyClosed.gaveUp).toBeGreaterThanOrEqual(1);
    } finally {
      t.clock.advance(-skew);
    }
    expect(await orderOf(t, order.id)).toMatchObject({ status: 'closed', gatewayCheckUntil: null });
  } finally {
    outage.restore();
  }
});

test('an expired order whose gateway cannot be reached stops holding its bill a few minutes after its expiry', async () => {
  const { bill, order } = await openWechatOrder(1100);
  const outage = wechatUnreachable();
  const past = new Date(order.expiresAt).getTime() - t.clock.now().getTime();
  try {
    // Just expired: a short outage is waited out, the order stays open.
    t.clock.advance(past + 60_000);
    expect((await runOnce(t.app.services.payments)).expired.failed).toBeGreaterThanOrEqual(1);
    expect((await orderOf(t, order.id)).status).toBe('created');
    t.clock.advance(EXPIRED_LOCAL_CLOSE_AFTER_MS);
    expect((await runOnce(t.app.services.payments)).expired.closedLocally).toBeGreaterThanOrEqual(1);
    expect(await orderOf(t, order.id)).toMatchObject({ status: 'closed', gatewayCheckUntil: expect.any(Date) });
    await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'alipay_wap' }).expect(201);
  } finally {
    t.clock.advance(-(past + 60_000 + EXPIRED_LOCAL_CLOSE_AFTER_MS));
    outage.restore();
  }
});
