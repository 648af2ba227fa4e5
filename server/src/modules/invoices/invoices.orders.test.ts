import type { PaymentOrderView } from '@openhall/shared';
import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { Account } from '../accounts/account.entity';
import { AuditLog } from '../audit/audit-log.entity';
import { Bill } from '../billing/bill.entity';
import { Subscription } from '../billing/subscription.entity';
import { PaymentOrder } from '../payments/payment-order.entity';
import { DEMO_ACCOUNT_NO, orderOf, smsUserWithAccount } from '../payments/payments.test-support';
import { COMPANY, billWithLines, invoiceOf, pump } from './invoices.test-support';

/**
 * Invoices for every kind of order (issue 16): a renewal, a top-up, bills with a late fee and a bill
 * without lines, and bills paid by someone else for an account (代缴): the payer asks for the
 * invoice, the account's holder cannot. An order whose refund is under way is refused.
 */

let t: TestApp;
let agent: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  agent = await signInStaff(t, 'agent1');
});

afterAll(async () => {
  t.deps.sandboxes.einvoice?.close();
  await t.deps.sandboxes.close();
  await t.close();
});

let seq = 0;
/** A subscriber signed in and bound to a fresh account of their own. */
async function subscriberWithAccount(fields: Partial<Account>) {
  seq += 1;
  const em = t.orm.em.fork();
  const account = Object.assign(new Account(), {
    accountNo: String(9_700_000_000 + seq),
    serviceType: 'tv_broadband',
    holderName: '钱七',
    holderPhone: '13900000007',
    address: '淳安县千岛湖镇环湖北路 8 号',
    area: 'chunan',
    concession: null,
    createdAt: new Date(),
    ...fields,
  });
  await em.persistAndFlush(account);
  const ip = `10.80.0.${seq}`;
  const token = await signInBySms(t, `1361000${String(seq).padStart(4, '0')}`, ip);
  const headers = { ...auth(token), 'X-Forwarded-For': ip };
  await t.request.post('/api/v1/accounts/bind').set(headers).send({ accountNo: account.accountNo, holderName: '钱七' }).expect(201);
  return { account, headers };
}

/** Pays an order the user created through the WeChat Pay sandbox. */
async function pay(order: PaymentOrderView): Promise<void> {
  const sandbox = t.deps.sandboxes.wechatpay!;
  expect((await sandbox.waitForDelivery(sandbox.pay(order.outTradeNo).id)).state).toBe('acknowledged');
  expect((await orderOf(t, order.id)).status).toBe('paid');
}

async function issued(headers: Record<string, string>, orderId: number, title: object = COMPANY) {
  const res = await t.request.post('/api/v1/invoices').set(headers).send({ orderId, title }).expect(201);
  await pump(t);
  const view = (await t.request.get(`/api/v1/invoices/${res.body.data.invoice.id}`).set(headers).expect(200)).body.data;
  expect(view.state).toBe('issued');
  return view;
}

test('a renewal: one line for the months bought, at the package’s rate (TV 9 %), quantity and unit price from the months', async () => {
  const { account, headers } = await subscriberWithAccount({});
  const subscription = Object.assign(new Subscription(), {
    accountId: account.id,
    product: 'tv',
    packageCode: 'tv_basic',
    packageName: '有线数字电视基本收视维护费',
    monthlyFeeFen: 2_500,
    startedOn: '2026-01-01',
    expiresOn: '2099-03-31',
    createdAt: new Date(),
  });
  await t.orm.em.fork().persistAndFlush(subscription);
  const res = await t.request.post('/api/v1/renewals').set(headers).send({ subscriptionId: subscription.id, months: 3, channel: 'wechat_h5' }).expect(201);
  await pay(res.body.data.order);
  const view = await issued(headers, res.body.data.order.id);
  // 75.00 at 9 %: tax 75 × 9/109 = 6.19, net 68.81, 22.936667 a month.
  expect(view).toMatchObject({ orderKind: 'renewal', totalFen: 7500, taxFen: 619, netFen: 6881 });
  expect(view.lines).toEqual([
    expect.objectContaining({ name: '*广播影视服务*有线数字电视基本收视维护费（续费3个月）', unit: '月', quantity: 3, unitPrice: '22.93666667', rate: '9%', taxFen: 619, amountFen: 7500 }),
  ]);
  const found = await t.request.get(`/api/v1/staff/invoices?accountNo=${account.accountNo}`).set(auth(agent)).expect(200);
  expect(found.body.data.items.map((i: { id: number }) => i.id)).toEqual([view.id]);
});

test('a top-up: money paid in advance, not taxed (不征税), under the prepaid account', async () => {
  const { account, headers } = await subscriberWithAccount({ serviceType: 'broadband', prepaid: true, balanceFen: 1000 });
  const res = await t.request.post(`/api/v1/accounts/${account.id}/top-ups`).set(headers).send({ amountFen: 5000, channel: 'wechat_h5' }).expect(201);
  await pay(res.body.data.order);
  const view = await issued(headers, res.body.data.order.id, { kind: 'personal', name: '钱七' });
  expect(view).toMatchObject({ orderKind: 'topup', totalFen: 5000, taxFen: 0, netFen: 5000 });
  expect(view.lines).toEqual([expect.objectContaining({ name: '*预付卡销售*预付费充值', rate: '不征税', taxFen: 0, amountFen: 5000 })]);
  expect((await invoiceOf(t, view.id)).accountId).toBe(account.id);
});

test('bills with a late fee, and a bill the billing system sent without lines: every fen paid is on the invoice', async () => {
  const user = await smsUserWithAccount(t, '13800000501');
  const withLines = await billWithLines(t);
  const em = t.orm.em.fork();
  const account = await em.findOneOrFail(Account, { accountNo: DEMO_ACCOUNT_NO });
  // Long overdue: the order charges a late fee on it.
  const bare = Object.assign(new Bill(), { accountId: account.id, period: '2024-01', amountFen: 1234, lateFeeFen: 0, dueDate: '2024-02-15', status: 'unpaid' as const, createdAt: new Date() });
  await em.persistAndFlush(bare);
  const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [withLines.id, bare.id], channel: 'wechat_h5' }).expect(201);
  await pay(res.body.data.order);
  const paid = await orderOf(t, res.body.data.order.id);
  const lateFeeFen = Number(paid.paidAmountFen) - 3850 - 1234;
  expect(lateFeeFen).toBeGreaterThan(0);
  const view = await issued(auth(user), paid.id);
  expect(view.totalFen).toBe(Number(paid.paidAmountFen));
  const lines = view.lines.map((l: { name: string; amountFen: number; rate: string }) => [l.name, l.amountFen, l.rate]);
  expect(lines).toHaveLength(4);
  expect(lines).toEqual(
    expect.arrayContaining([
      [expect.stringMatching(/^\*水冰雪\*水费（第一阶梯）（\d{4}-\d{2}）$/), 2900, '3%'],
      [expect.stringMatching(/^\*非税收入\*污水处理费（\d{4}-\d{2}）$/), 950, '不征税'],
      ['*服务*2024-01账单费用', 1234, '6%'],
      ['*水冰雪*滞纳金（2024-01）', lateFeeFen, '3%'],
    ]),
  );
  expect(view.taxFen + view.netFen).toBe(view.totalFen);
});

test('paid for someone else (代缴): the payer asks for the invoice; the account’s holder does not see it', async () => {
  const holder = await smsUserWithAccount(t, '13800000502');
  const payerIp = '10.81.0.1';
  const payer = { ...auth(await signInBySms(t, '13500009901', payerIp)), 'X-Forwarded-For': payerIp };
  const bill = await billWithLines(t);
  const res = await t.request.post('/api/v1/pay-for/payments').set(payer).send({ accountNo: DEMO_ACCOUNT_NO, billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
  await pay(res.body.data.order);
  const orderId = res.body.data.order.id as number;
  // The holder's bill was paid, but the order is the payer's: for the holder it does not exist.
  await t.request.post('/api/v1/invoices').set(auth(holder)).send({ orderId, title: { kind: 'personal', name: '张三' } }).expect(404);
  const view = await issued(payer, orderId, { kind: 'personal', name: '王五' });
  expect(view).toMatchObject({ orderKind: 'bills', totalFen: 3850, title: { name: '王五' } });
  expect((await t.request.get('/api/v1/invoices').set(auth(holder)).expect(200)).body.data.items.map((i: { id: number }) => i.id)).not.toContain(view.id);
  // Staff find it under the account it paid for.
  const found = await t.request.get(`/api/v1/staff/invoices?accountNo=${DEMO_ACCOUNT_NO}&order=${orderId}`).set(auth(agent)).expect(200);
  expect(found.body.data.items).toEqual([expect.objectContaining({ id: view.id, accountNo: DEMO_ACCOUNT_NO, title: expect.objectContaining({ name: '王*' }) })]);
  expect(await t.orm.em.fork().count(AuditLog, { action: 'invoice.search', actorKind: 'staff' })).toBeGreaterThan(0);
});

test('an order whose refund is under way is refused, saying so; nothing is created', async () => {
  const user = await smsUserWithAccount(t, '13800000503');
  const bill = await billWithLines(t);
  const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
  await pay(res.body.data.order);
  const orderId = res.body.data.order.id as number;
  await t.orm.em.fork().nativeUpdate(PaymentOrder, { id: orderId }, { status: 'refunding' });
  const refused = await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title: COMPANY }).expect(409);
  expect(refused.body.error).toMatchObject({ code: 'ORDER_NOT_INVOICEABLE', details: { status: 'refunding' } });
  expect(refused.body.error.message).toContain('正在退款');
  expect((await t.request.get(`/api/v1/invoices?orderId=${orderId}`).set(auth(user)).expect(200)).body.data.items).toEqual([]);
});

test('the orders to invoice: paid ones with what is left, those still to invoice apart; another user’s order is not found', async () => {
  const user = await smsUserWithAccount(t, '13800000504');
  const bill = await billWithLines(t);
  const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'wechat_h5' }).expect(201);
  const orderId = res.body.data.order.id as number;
  const open = await t.request.get(`/api/v1/invoices/orders/${orderId}`).set(auth(user)).expect(200);
  expect(open.body.data).toMatchObject({ orderId, status: 'created', invoiceable: false, invoice: null });
  await pay(res.body.data.order);

  const one = (await t.request.get(`/api/v1/invoices/orders/${orderId}`).set(auth(user)).expect(200)).body.data;
  expect(one).toMatchObject({ orderId, kind: 'bills', kindName: '账单缴费', amountFen: 3850, invoiceable: true, invoice: null, paidAt: expect.any(String) });
  const todo = (await t.request.get('/api/v1/invoices/orders?uninvoiced=true').set(auth(user)).expect(200)).body.data;
  expect(todo.items.map((o: { orderId: number }) => o.orderId)).toContain(orderId);

  const inv = (await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title: COMPANY }).expect(201)).body.data.invoice;
  const after = (await t.request.get('/api/v1/invoices/orders?uninvoiced=true').set(auth(user)).expect(200)).body.data;
  expect(after.items.map((o: { orderId: number }) => o.orderId)).not.toContain(orderId);
  const all = (await t.request.get('/api/v1/invoices/orders').set(auth(user)).expect(200)).body.data;
  expect(all.items.find((o: { orderId: number }) => o.orderId === orderId)).toMatchObject({ invoice: { id: inv.id, state: 'requested', stateName: '申请中' } });

  const other = await smsUserWithAccount(t, '13800000505');
  await t.request.get(`/api/v1/invoices/orders/${orderId}`).set(auth(other)).expect(404);
});
