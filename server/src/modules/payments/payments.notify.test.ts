import { createTestApp, type TestApp } from '../../../test/harness';
import { PaymentNotify } from './payment-notify.entity';
import type { PaymentOrder } from './payment-order.entity';
import { alipayNotifyFor, billOf, newBill, orderOf, smsUserWithAccount, wechatNotifyFor } from './payments.test-support';

/**
 * Forged and wrong notifications change nothing. Each is aimed at an open order the gateway has
 * NOT been paid for, signed with the sandbox's real keys where the forgery is in the content, and
 * each test ends with the genuine notification settling the same order, so the refusals were the
 * forgery's doing and not a broken endpoint.
 */

let t: TestApp;
let user: string;

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  user = await smsUserWithAccount(t, '13800000001');
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

async function openOrder(channel: 'wechat_h5' | 'alipay_wap'): Promise<{ order: PaymentOrder; billId: number }> {
  const bill = await newBill(t, 5000);
  const res = await t.request.post('/api/v1/payments').set('Authorization', `Bearer ${user}`).send({ billIds: [bill.id], channel }).expect(201);
  return { order: await orderOf(t, res.body.data.order.id), billId: bill.id };
}

async function expectUnchanged(orderId: number, billId: number): Promise<void> {
  expect((await orderOf(t, orderId)).status).toBe('created');
  expect(await billOf(t, billId)).toMatchObject({ status: 'unpaid', paymentId: null });
}

const sendWechat = (n: { headers: Record<string, string>; body: string }) => t.request.post('/api/v1/payments/notify/wechat').set(n.headers).send(n.body);
const sendAlipay = (form: string) => t.request.post('/api/v1/payments/notify/alipay').type('form').send(form);

describe('WeChat Pay notify', () => {
  test.each([
    ['bad signature', { tamper: 'signature' }, {}, 401],
    ['unknown Wechatpay-Serial', { tamper: 'serial' }, {}, 401],
    ['tampered ciphertext', { tamper: 'ciphertext' }, {}, 401],
    ['tampered GCM tag', { tamper: 'tag' }, {}, 401],
    ['stale timestamp (10 minutes old)', { tamper: 'stale_timestamp' }, {}, 401],
    ['wrong amount', {}, { amount: { total: 1, payer_total: 1, currency: 'CNY' } }, 400],
    ['wrong mchid', {}, { mchid: '1900000999' }, 400],
    ['wrong appid', {}, { appid: 'wx0000000000000bad' }, 400],
  ] as const)('%s: refused with {code: FAIL}, nothing changes', async (_name, opts, resource, status) => {
    const { order, billId } = await openOrder('wechat_h5');
    const res = await sendWechat(wechatNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 }, resource, opts)).expect(status);
    expect(res.body.code).toBe('FAIL');
    await expectUnchanged(order.id, billId);
    // The genuine notification still settles it afterwards.
    await sendWechat(wechatNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 })).expect(204);
    expect((await billOf(t, billId)).status).toBe('paid');
  });

  test('a notification for an order we never made is refused and logged', async () => {
    const res = await sendWechat(wechatNotifyFor(t, { outTradeNo: 'OH20990101000000NOSUCH01', amountFen: 100 })).expect(404);
    expect(res.body.code).toBe('FAIL');
    const logged = await t.orm.em.fork().findOneOrFail(PaymentNotify, { outTradeNo: 'OH20990101000000NOSUCH01' });
    expect(logged).toMatchObject({ outcome: 'rejected:unknown_order', notifyId: null });
  });

  test('a forgery reusing the genuine notify id does not block the genuine notification', async () => {
    const { order, billId } = await openOrder('wechat_h5');
    const id = 'EV-0000-shared-id';
    await sendWechat(wechatNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 }, { amount: { total: 1 } }, { id })).expect(400);
    await expectUnchanged(order.id, billId);
    await sendWechat(wechatNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 }, {}, { id })).expect(204);
    expect((await billOf(t, billId)).status).toBe('paid');
  });

  test('notifications signed with the platform public key (PUB_KEY_ID_…) are accepted too', async () => {
    const { order, billId } = await openOrder('wechat_h5');
    await sendWechat(wechatNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 }, {}, { signer: 'public_key' })).expect(204);
    expect((await billOf(t, billId)).status).toBe('paid');
  });

  test('a body that is not what was signed (re-serialised JSON) is refused', async () => {
    const { order, billId } = await openOrder('wechat_h5');
    const n = wechatNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 });
    await sendWechat({ headers: n.headers, body: JSON.stringify(JSON.parse(n.body), null, 1) }).expect(401);
    await expectUnchanged(order.id, billId);
  });
});

describe('Alipay notify', () => {
  test.each([
    ['bad signature (amount changed after signing)', {}, { total_amount: '0.01' }],
    ['signature removed', {}, { sign: '' }],
    ['downgraded sign_type', {}, { sign_type: 'RSA' }],
    ['wrong amount', { total_amount: '0.01' }, {}],
    ['wrong app_id', { app_id: '2021000000009999' }, {}],
    ['wrong seller_id', { seller_id: '2088000000000001' }, {}],
  ] as const)('%s: answered "fail", nothing changes', async (_name, set, tamper) => {
    const { order, billId } = await openOrder('alipay_wap');
    const res = await sendAlipay(alipayNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 }, { ...set }, { ...tamper }));
    expect(res.text).not.toBe('success');
    await expectUnchanged(order.id, billId);
    const ok = await sendAlipay(alipayNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 })).expect(200);
    expect(ok.text).toBe('success');
    expect((await billOf(t, billId)).status).toBe('paid');
  });

  test('a genuine notification that reports no payment (WAIT_BUYER_PAY, TRADE_CLOSED) is acknowledged and changes nothing', async () => {
    const { order, billId } = await openOrder('alipay_wap');
    for (const status of ['WAIT_BUYER_PAY', 'TRADE_CLOSED']) {
      const res = await sendAlipay(alipayNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 }, { trade_status: status }));
      expect(res.text).toBe('success');
      await expectUnchanged(order.id, billId);
    }
  });

  test('a notification for an unknown order is refused', async () => {
    const res = await sendAlipay(alipayNotifyFor(t, { outTradeNo: 'OH20990101000000NOSUCH02', amountFen: 100 }));
    expect(res.text).toBe('fail');
  });

  test('"5000.00" and "50" mean the same yuan; "50.001" never matches', async () => {
    const { order, billId } = await openOrder('alipay_wap');
    await sendAlipay(alipayNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 }, { total_amount: '50.001' }));
    await expectUnchanged(order.id, billId);
    const ok = await sendAlipay(alipayNotifyFor(t, { outTradeNo: order.outTradeNo, amountFen: 5000 }, { total_amount: '50' }));
    expect(ok.text).toBe('success');
    expect((await billOf(t, billId)).status).toBe('paid');
  });
});
