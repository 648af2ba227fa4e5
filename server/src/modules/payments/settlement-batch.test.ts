import { createTestApp, type TestApp } from '../../../test/harness';
import { Bill } from '../billing/bill.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { PaymentNotify } from './payment-notify.entity';
import { Refund } from './refund.entity';
import { billOf, newBill, orderOf, smsUserWithAccount, wechatNotifyFor } from './payments.test-support';

/**
 * Notifications that arrive together are settled together (settlement.service.ts): one order whose
 * bill was paid another way must not hold the others back, and must be refunded alone.
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

test('five notifications at once (one of them twice): four settle once each; the one whose bill was paid at the counter meanwhile is refunded alone', async () => {
  const open: Array<{ orderId: number; outTradeNo: string; billId: number }> = [];
  for (let i = 0; i < 5; i++) {
    const bill = await newBill(t, 5000);
    const res = await t.request.post('/api/v1/payments').set('Authorization', `Bearer ${user}`).send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
    open.push({ orderId: res.body.data.order.id, outTradeNo: res.body.data.order.outTradeNo, billId: bill.id });
  }
  const paidElsewhere = open[2];
  await t.orm.em.fork().nativeUpdate(Bill, { id: paidElsewhere.billId }, { status: 'paid', paidChannel: 'counter', paidAt: new Date() });

  const notes = open.map((o) => wechatNotifyFor(t, { outTradeNo: o.outTradeNo, amountFen: 5000 }));
  const res = await Promise.all([...notes, notes[0]].map((n) => t.request.post('/api/v1/payments/notify/wechat').set(n.headers).send(n.body)));
  expect(res.map((r) => r.status)).toEqual([204, 204, 204, 204, 204, 204]);

  const em = t.orm.em.fork();
  for (const o of open.filter((x) => x !== paidElsewhere)) {
    expect((await orderOf(t, o.orderId)).status).toBe('paid');
    expect(await billOf(t, o.billId)).toMatchObject({ status: 'paid', paymentId: o.orderId });
    expect(await em.count(OutboxMessage, { dedupeKey: `writeoff:${o.orderId}` })).toBe(1);
    expect(await em.count(Refund, { orderId: o.orderId })).toBe(0);
  }
  expect(['refunding', 'refunded']).toContain((await orderOf(t, paidElsewhere.orderId)).status);
  expect(await billOf(t, paidElsewhere.billId)).toMatchObject({ status: 'paid', paymentId: null, paidChannel: 'counter' });
  expect(await em.count(OutboxMessage, { dedupeKey: `writeoff:${paidElsewhere.orderId}` })).toBe(0);
  const refunds = await em.find(Refund, { orderId: paidElsewhere.orderId });
  expect(refunds).toHaveLength(1);
  expect(refunds[0]).toMatchObject({ kind: 'auto_duplicate', outRefundNo: `AR${paidElsewhere.outTradeNo}`, amountFen: 5000 });
  expect(refunds[0].reason).toContain('营业厅窗口');
  // Every notification is logged once, by its id, whatever answered it.
  for (const o of open) expect(await em.count(PaymentNotify, { gateway: 'wechatpay', outTradeNo: o.outTradeNo, notifyId: { $ne: null } })).toBe(1);
});

test('payments applied at the same moment: a batch that meets a bill paid elsewhere is undone and each payment decided alone, a second copy answered duplicate', async () => {
  const open: Array<{ orderId: number; outTradeNo: string; billId: number }> = [];
  for (let i = 0; i < 4; i++) {
    const bill = await newBill(t, 5000);
    const res = await t.request.post('/api/v1/payments').set('Authorization', `Bearer ${user}`).send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
    open.push({ orderId: res.body.data.order.id, outTradeNo: res.body.data.order.outTradeNo, billId: bill.id });
  }
  await t.orm.em.fork().nativeUpdate(Bill, { id: open[2].billId }, { status: 'paid', paidChannel: 'bank', paidAt: new Date() });
  const settlement = t.app.services.payments.settlement;
  const pay = (o: (typeof open)[number], i: number) => settlement.applyPayment(o.orderId, { tradeNo: `4200000000${o.orderId}${i}`, amountFen: 5000, paidAt: new Date() });
  // Called in one tick: the first starts a batch alone, the other four wait and make the next one.
  const outcomes = await Promise.all([pay(open[0], 0), pay(open[1], 0), pay(open[2], 0), pay(open[3], 0), pay(open[1], 0)]);
  expect([outcomes[0], outcomes[2], outcomes[3]]).toEqual(['settled', 'refunded_duplicate', 'settled']);
  // The two copies of open[1] are decided one after the other in either order: one settles it, the other is told duplicate.
  expect([outcomes[1], outcomes[4]].sort()).toEqual(['duplicate', 'settled']);
  for (const i of [0, 1, 3]) expect(await billOf(t, open[i].billId)).toMatchObject({ status: 'paid', paymentId: open[i].orderId });
  expect(await billOf(t, open[2].billId)).toMatchObject({ status: 'paid', paymentId: null, paidChannel: 'bank' });
  const em = t.orm.em.fork();
  expect(await em.count(OutboxMessage, { dedupeKey: { $in: open.map((o) => `writeoff:${o.orderId}`) } })).toBe(3);
  expect(await em.find(Refund, { orderId: { $in: open.map((o) => o.orderId) } })).toEqual([expect.objectContaining({ orderId: open[2].orderId, kind: 'auto_duplicate' })]);
});
