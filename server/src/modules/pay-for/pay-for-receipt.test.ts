import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { Account } from '../accounts/account.entity';
import { Bill } from '../billing/bill.entity';
import { Refund } from '../payments/refund.entity';
import { eventually, orderOf } from '../payments/payments.test-support';

/**
 * The receipt of someone who paid another's bill (代缴, a shared bill) is theirs: the bill's
 * receipt of their own order's payment, and the receipt of the order as a whole, with the holder
 * masked and nothing else of the account; nobody else's payment and no other stranger's bill.
 */

let t: TestApp;
let supervisor: string;
beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  supervisor = await signInStaff(t, 'supervisor1');
});
afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

let seq = 0;
async function user() {
  seq += 1;
  const ip = `10.71.0.${seq}`;
  const phone = `1360000${String(seq).padStart(4, '0')}`;
  const token = await signInBySms(t, phone, ip);
  return { headers: { Authorization: `Bearer ${token}`, 'X-Forwarded-For': ip }, phone };
}

/** A fresh account of 陈七 (bound by its holder) with two unpaid bills. */
async function accountWithBills() {
  seq += 1;
  const em = t.orm.em.fork();
  const account = Object.assign(new Account(), {
    accountNo: String(1_810_000_000 + seq),
    serviceType: 'water',
    holderName: '陈七',
    holderPhone: '13900000077',
    address: '拱墅区莫干山路 77 号',
    area: 'gongshu',
    createdAt: new Date(),
  });
  await em.persistAndFlush(account);
  const bills = ['2026-09', '2026-10'].map((period, i) =>
    Object.assign(new Bill(), { accountId: account.id, externalId: `R${account.accountNo}${period}`, sourceVersion: 1, kind: 'regular', period, dueDate: '2099-12-20', amountFen: 3100 + i * 100, status: 'unpaid', lateFeeFen: 0, createdAt: new Date() }),
  );
  await em.persistAndFlush(bills);
  const holder = await user();
  await t.request.post('/api/v1/accounts/bind').set(holder.headers).send({ accountNo: account.accountNo, holderName: '陈七' }).expect(201);
  return { account, bills, holder };
}

/** Pays bills of an account by its number with Alipay (sandbox); answers the paid order's id. */
async function payFor(payer: { headers: Record<string, string> }, accountNo: string, billIds: number[]): Promise<number> {
  const res = await t.request.post('/api/v1/pay-for/payments').set(payer.headers).send({ accountNo, billIds, channel: 'alipay_wap' }).expect(201);
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  const id = res.body.data.order.id as number;
  await eventually(async () => (await orderOf(t, id)).status === 'paid');
  return id;
}

function expectNothingOfTheHolderBeyondTheMaskedName(html: string) {
  expect(html).toContain('陈*');
  for (const secret of ['陈七', '13900000077', '莫干山路']) expect(html).not.toContain(secret);
}

test('the payer of a bill by account number gets its receipt (holder masked); the holder too; anyone else 404', async () => {
  const { account, bills, holder } = await accountWithBills();
  const payer = await user();
  const orderId = await payFor(payer, account.accountNo, [bills[0].id]);
  const order = await orderOf(t, orderId);

  const mine = await t.request.get(`/api/v1/bills/${bills[0].id}/receipt`).set(payer.headers).expect(200);
  expect(mine.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(mine.text).toContain(account.accountNo);
  expect(mine.text).toContain('¥31.00<');
  expect(mine.text).toContain(order.gatewayTradeNo!);
  expectNothingOfTheHolderBeyondTheMaskedName(mine.text);
  // The holder's own receipt of their bill is unchanged by who paid it.
  expect((await t.request.get(`/api/v1/bills/${bills[0].id}/receipt`).set(holder.headers).expect(200)).text).toContain(order.gatewayTradeNo!);

  const stranger = await user();
  await t.request.get(`/api/v1/bills/${bills[0].id}/receipt`).set(stranger.headers).expect(404);
  // The payer's other bill of that account (not paid by them, still owed) is not theirs: 404, not 409.
  await t.request.get(`/api/v1/bills/${bills[1].id}/receipt`).set(payer.headers).expect(404);
  await t.request.get(`/api/v1/bills/${bills[1].id}/receipt`).set(holder.headers).expect(409);
});

test('a shared bill paid by someone else: the payer’s order receipt lists every bill it paid; the order is nobody else’s', async () => {
  const { account, bills, holder } = await accountWithBills();
  const share = (await t.request.post('/api/v1/bill-shares').set(holder.headers).send({ billIds: bills.map((b) => b.id) }).expect(201)).body.data as { token: string };
  const payer = await user();
  const res = await t.request.post(`/api/v1/shares/${share.token}/pay`).set(payer.headers).send({ channel: 'alipay_wap' }).expect(201);
  const orderId = res.body.data.order.id as number;
  // Not paid yet: no receipt.
  expect((await t.request.get(`/api/v1/payments/${orderId}/receipt`).set(payer.headers).expect(409)).body.error.code).toBe('BILL_NOT_PAID');
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  await eventually(async () => (await orderOf(t, orderId)).status === 'paid');

  const html = (await t.request.get(`/api/v1/payments/${orderId}/receipt`).set(payer.headers).expect(200)).text;
  expect(html).toContain(account.accountNo);
  expect(html).toContain('2026年9月、2026年10月');
  expect(html).toContain('¥63.00<');
  expect(html).toContain((await orderOf(t, orderId)).gatewayTradeNo!);
  expectNothingOfTheHolderBeyondTheMaskedName(html);
  for (const b of bills) await t.request.get(`/api/v1/bills/${b.id}/receipt`).set(payer.headers).expect(200);

  // The order is the payer's: the holder and strangers get 404, as for an order that does not exist.
  await t.request.get(`/api/v1/payments/${orderId}/receipt`).set(holder.headers).expect(404);
  await t.request.get(`/api/v1/payments/${orderId + 100_000}/receipt`).set(payer.headers).expect(404);
  await t.request.get('/api/v1/payments/abc/receipt').set(payer.headers).expect(400);
  await t.request.get(`/api/v1/payments/${orderId}/receipt`).expect(401);
});

test('refunded in full, the payer’s receipts say void; an order whose bills someone else paid first has none', async () => {
  const { account, bills } = await accountWithBills();
  const payer = await user();
  const orderId = await payFor(payer, account.accountNo, [bills[0].id]);
  await t.request.post(`/api/v1/staff/payments/${orderId}/refunds`).set({ Authorization: `Bearer ${supervisor}` }).send({ amountFen: 3100, reason: '用户申请退款' }).expect(201);
  await eventually(async () => (await t.orm.em.fork().findOneOrFail(Bill, bills[0].id)).status === 'unpaid');
  for (const url of [`/api/v1/bills/${bills[0].id}/receipt`, `/api/v1/payments/${orderId}/receipt`]) {
    const html = (await t.request.get(url).set(payer.headers).expect(200)).text;
    expect(html).toContain('已退款 · 本凭证作废');
    expect(html).toMatch(/已全额退款 ¥31\.00(?! 元)/);
  }

  // The second bill: the payer's order is open when its holder pays it at the counter; the
  // payer's money arrives after and goes back by itself. Their order paid no bill: no receipt.
  const res = await t.request.post('/api/v1/pay-for/payments').set(payer.headers).send({ accountNo: account.accountNo, billIds: [bills[1].id], channel: 'alipay_wap' }).expect(201);
  const late = res.body.data.order.id as number;
  await t.orm.em.fork().nativeUpdate(Bill, { id: bills[1].id, status: 'unpaid' }, { status: 'paid', paidChannel: 'counter', paidAt: new Date() });
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  await eventually(async () => (await t.orm.em.fork().findOne(Refund, { orderId: late }))?.status === 'success');
  expect((await t.request.get(`/api/v1/payments/${late}/receipt`).set(payer.headers).expect(409)).body.error.message).toContain('未用于缴费');
  await t.request.get(`/api/v1/bills/${bills[1].id}/receipt`).set(payer.headers).expect(404);
});
