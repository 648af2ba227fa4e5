import { createTestApp, signInStaff, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { Bill } from '../billing/bill.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import type { BillingWriteoffReversedMessage } from '../../integrations/billing/billing.adapter';
import { PaymentOrderBill } from './payment-order-bill.entity';
import { BILLING_WRITEOFF_REVERSED_TOPIC } from './bill-settlement';
import { Refund } from './refund.entity';
import { billOf, eventually, newBill, orderOf, smsUserWithAccount } from './payments.test-support';

/**
 * A bill order refunded by staff undoes itself like a renewal (issue 20): refunded in full, its
 * bills are owed again, the billing system is told to reverse the write-off (after the write-off),
 * and the receipt says what happened. Partly refunded, the bills stay paid. Money refunded
 * automatically (the bill was paid another way) reopens nothing.
 */

let t: TestApp;
let user: string;
let supervisor: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  user = await smsUserWithAccount(t, '13800000201');
  supervisor = await signInStaff(t, 'supervisor1');
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

/** A WeChat H5 order for the bills, paid in the sandbox and settled by its notification. */
async function paidWechatOrder(billIds: number[]): Promise<number> {
  const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds, channel: 'wechat_h5' }).expect(201);
  const id = res.body.data.order.id as number;
  const sandbox = t.deps.sandboxes.wechatpay!;
  await sandbox.waitForDelivery(sandbox.pay((await orderOf(t, id)).outTradeNo).id);
  expect((await orderOf(t, id)).status).toBe('paid');
  return id;
}

async function staffRefund(orderId: number, amountFen: number) {
  await t.request.post(`/api/v1/staff/payments/${orderId}/refunds`).set(auth(supervisor)).send({ amountFen, reason: '用户申请退款' }).expect(201);
}

const receipt = (billId: number) => t.request.get(`/api/v1/bills/${billId}/receipt`).set(auth(user));
const reversalOf = (orderId: number) => t.orm.em.fork().findOne(OutboxMessage, { dedupeKey: `writeoff-reversed:${orderId}` });

test('refunded in full by staff (in two parts), a bill order reopens its bills once, tells the billing system, and its receipt says void', async () => {
  const a = await newBill(t, 3000);
  const b = await newBill(t, 2000);
  const orderId = await paidWechatOrder([a.id, b.id]);

  // A partial refund keeps the bills paid; the receipt names it.
  await staffRefund(orderId, 1000);
  await eventually(async () => Number((await orderOf(t, orderId)).refundedFen) === 1000);
  expect(await billOf(t, a.id)).toMatchObject({ status: 'paid', paymentId: orderId });
  expect(await reversalOf(orderId)).toBeNull();
  const partly = await receipt(a.id).expect(200);
  expect(partly.text).toMatch(/已部分退款 ¥10\.00(?! 元)/);
  expect(partly.text).not.toContain('本凭证作废');

  // The rest: the refunds now add up to the payment.
  await staffRefund(orderId, 4000);
  await eventually(async () => Number((await orderOf(t, orderId)).refundedFen) === 5000);
  for (const bill of [a, b]) {
    expect(await billOf(t, bill.id)).toMatchObject({ status: 'unpaid', paymentId: null, paidAt: null, lateFeeFen: 0 });
  }
  const lines = await t.orm.em.fork().find(PaymentOrderBill, { orderId }, { orderBy: { id: 'asc' } });
  expect(lines.map((l) => l.reversal)).toEqual(['reopened', 'reopened']);
  const message = await reversalOf(orderId);
  expect(message).toMatchObject({ topic: BILLING_WRITEOFF_REVERSED_TOPIC });
  const payload = message!.payload as unknown as BillingWriteoffReversedMessage;
  expect(payload).toMatchObject({ orderId, writeoffKey: `writeoff:${orderId}`, refundedFen: 5000 });
  expect(payload.bills.map((x) => [x.billId, x.amountFen, x.reopened])).toEqual([
    [a.id, 3000, true],
    [b.id, 2000, true],
  ]);
  expect(await t.orm.em.fork().count(AuditLog, { action: 'payment.bills_reopened', entityId: String(orderId) })).toBe(1);

  // The receipt of a reopened bill answers, marked void, with what was refunded and when.
  const voided = await receipt(a.id).expect(200);
  expect(voided.text).toContain('已退款 · 本凭证作废');
  expect(voided.text).toContain('已全额退款 ¥50.00（本订单共支付 ¥50.00）');
  expect(voided.text).toContain((await orderOf(t, orderId)).outTradeNo);

  // The write-off is delivered first, then its reversal (embedded: the portal is the record).
  await t.app.services.outbox.runOnce(new Date(Date.now() + 1_000));
  expect((await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: `writeoff:${orderId}` })).status).toBe('sent');
  expect((await reversalOf(orderId))!.status).toBe('sent');

  // The subscriber pays the bill again; undoing the old order again changes nothing.
  const again = await paidWechatOrder([a.id]);
  const reverser = (t.app.services.payments.refunds as unknown as { reversers: Map<string, (em: unknown, o: unknown) => Promise<unknown>> }).reversers.get('bills')!;
  const order = await orderOf(t, orderId);
  await t.orm.em.fork().transactional((tx) => reverser(tx, order));
  expect(await billOf(t, a.id)).toMatchObject({ status: 'paid', paymentId: again });
  expect(await t.orm.em.fork().count(AuditLog, { action: 'payment.bills_reopened', entityId: String(orderId) })).toBe(1);
  const paidAgain = await receipt(a.id).expect(200);
  expect(paidAgain.text).not.toContain('本凭证作废');
  expect(paidAgain.text).toContain((await orderOf(t, again)).outTradeNo);
});

test('a reversal waits in the outbox until its write-off has been delivered', async () => {
  const bill = await newBill(t, 1500);
  const orderId = await paidWechatOrder([bill.id]);
  await staffRefund(orderId, 1500);
  await eventually(async () => (await reversalOf(orderId)) !== null);
  const payload = (await reversalOf(orderId))!.payload as unknown as BillingWriteoffReversedMessage;
  // The write-off is still pending (its receiver was down, say): the reversal must not overtake it.
  await expect(t.app.services.payments.bills.deliverWriteoffReversal(payload, `writeoff-reversed:${orderId}`)).rejects.toThrow(/waits for it/);
  await t.app.services.outbox.runOnce(new Date(Date.now() + 1_000));
  expect((await reversalOf(orderId))!.status).toBe('sent');
});

test('a bill no longer paid by the refunded order is kept as it is, and the reversal says so', async () => {
  const bill = await newBill(t, 1200);
  const orderId = await paidWechatOrder([bill.id]);
  // The operator's records now say a counter payment settled it (a correction of the mirror).
  await t.orm.em.fork().nativeUpdate(Bill, { id: bill.id }, { paymentId: null, paidChannel: 'counter' });
  await staffRefund(orderId, 1200);
  await eventually(async () => Number((await orderOf(t, orderId)).refundedFen) === 1200);
  expect(await billOf(t, bill.id)).toMatchObject({ status: 'paid', paidChannel: 'counter' });
  expect((await t.orm.em.fork().findOneOrFail(PaymentOrderBill, { orderId })).reversal).toBe('kept');
  const payload = (await reversalOf(orderId))!.payload as unknown as BillingWriteoffReversedMessage;
  expect(payload.bills).toEqual([expect.objectContaining({ billId: bill.id, reopened: false })]);
});

test('an automatic refund of a duplicate payment reopens nothing: the bill stays paid the other way', async () => {
  const bill = await newBill(t, 2200);
  const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
  const orderId = res.body.data.order.id as number;
  // Paid at the hall counter while the order was open; then the payer pays the order anyway.
  await t.orm.em.fork().nativeUpdate(Bill, { id: bill.id, status: 'unpaid' }, { status: 'paid', paidChannel: 'counter', paidAt: new Date() });
  const sandbox = t.deps.sandboxes.wechatpay!;
  await sandbox.waitForDelivery(sandbox.pay((await orderOf(t, orderId)).outTradeNo).id);
  const refund = await eventually(async () => {
    const r = await t.orm.em.fork().findOne(Refund, { orderId });
    return r?.status === 'success' && r;
  });
  expect(refund.kind).toBe('auto_duplicate');
  expect(await orderOf(t, orderId)).toMatchObject({ status: 'refunded', refundedFen: 2200 });
  expect(await billOf(t, bill.id)).toMatchObject({ status: 'paid', paidChannel: 'counter', paymentId: null });
  expect((await t.orm.em.fork().findOneOrFail(PaymentOrderBill, { orderId })).reversedAt).toBeNull();
  expect(await reversalOf(orderId)).toBeNull();
  // Never paid here, never refunded here: no receipt of a refunded portal payment either.
  const r = await receipt(bill.id).expect(200);
  expect(r.text).not.toContain('退款');
});
