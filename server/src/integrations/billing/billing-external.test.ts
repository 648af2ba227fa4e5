import type http from 'node:http';
import type { BillingRecord, BillRecord } from '@openhall/shared';
import { businessDate } from '@openhall/shared';
import { createTestApp, signInBySms, type TestApp } from '../../../test/harness';
import { BindFailure } from '../../modules/accounts/bind-failure.entity';
import { Bill } from '../../modules/billing/bill.entity';
import { OutboxMessage } from '../../modules/outbox/outbox-message.entity';
import { PaymentOrder } from '../../modules/payments/payment-order.entity';
import { eventually } from '../../modules/payments/payments.test-support';
import { BillingSandbox } from '../../sandboxes/billing/billing.sandbox';

/**
 * External mode against the billing-system sandbox over real HTTP: the billing system is the record,
 * asked live at binding and before an order is made, told of every write-off, and able to be down
 * or slow.
 */
const SECRET = 'sandbox-billing-secret';

let t: TestApp;
let sandbox: BillingSandbox;
let server: http.Server;
let seq = 0;

beforeAll(async () => {
  sandbox = new BillingSandbox({ secret: SECRET, openhallUrl: () => t.baseUrl });
  const listening = await sandbox.listen(0);
  server = listening.server;
  t = await createTestApp({ seed: false, env: { BILLING_MODE: 'external', BILLING_URL: listening.baseUrl, BILLING_TIMEOUT_MS: '300' } });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.close();
});
beforeEach(() => {
  sandbox.fail = false;
  sandbox.delayMs = 0;
});

/** An account with two owed bills, held by the billing system and pushed to OpenHall. */
async function operatorAccount(): Promise<{ no: string; bills: BillRecord[] }> {
  const no = String(6_100_000_000 + (process.pid % 100_000) * 100 + ++seq);
  const bill = (n: number): BillRecord => ({
    type: 'bill',
    id: `B${no}-${n}`,
    version: 1,
    accountNo: no,
    period: `2026-1${n}`,
    kind: 'regular',
    dueDate: '2099-12-20',
    amountFen: 2650,
    lines: [{ itemCode: 'tv_monthly', name: '有线电视月费', quantity: 1, unit: '月', unitPriceFen: 2650, amountFen: 2650 }],
  });
  const records: BillingRecord[] = [
    { type: 'account', id: no, version: 1, holderName: '赵六', holderPhone: '13912340000', address: '上城区解放路 8 号', area: 'shangcheng', serviceType: 'tv', status: 'active', concession: null },
    bill(1),
    bill(2),
  ];
  sandbox.load(records);
  const pushed = await sandbox.push(records);
  expect(pushed.body.data!.accepted).toBe(3);
  return { no, bills: records.slice(1) as BillRecord[] };
}

async function subscriber(): Promise<Record<string, string>> {
  const phone = `1370099${String(++seq).padStart(4, '0')}`;
  const ip = `10.88.${seq % 250}.1`;
  return { Authorization: `Bearer ${await signInBySms(t, phone, ip)}`, 'X-Forwarded-For': ip };
}

const bind = (auth: Record<string, string>, accountNo: string, holderName = '赵六') => t.request.post('/api/v1/accounts/bind').set(auth).send({ accountNo, holderName });
const billIdOf = async (externalId: string) => (await t.orm.em.fork().findOneOrFail(Bill, { externalId })).id;
const orders = () => t.orm.em.fork().count(PaymentOrder, {});

test('binding asks the billing system; paying asks it again; the write-off is taken there once and listed for reconciliation', async () => {
  const { no, bills } = await operatorAccount();
  const auth = await subscriber();
  const before = sandbox.stats.liveQueries;
  await bind(auth, no).expect(201);
  expect(sandbox.stats.liveQueries).toBe(before + 1);

  const billId = await billIdOf(bills[0].id);
  const created = await t.request.post('/api/v1/payments').set(auth).send({ billIds: [billId], channel: 'alipay_wap' }).expect(201);
  expect(sandbox.stats.liveQueries).toBe(before + 2);
  t.deps.sandboxes.alipay!.payUrl(created.body.data.pay.url);
  await eventually(async () => (await t.orm.em.fork().findOneOrFail(Bill, billId)).status === 'paid');

  const key = `writeoff:${created.body.data.order.id}`;
  await t.app.services.outbox.runOnce(new Date(Date.now() + 1_000));
  expect(await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: key })).toMatchObject({ status: 'sent' });
  expect(sandbox.bill(bills[0].id)).toMatchObject({ status: 'paid', settledBy: expect.stringMatching(/^WO/) });
  const listed = sandbox.writeoffs(businessDate(new Date())).filter((w) => w.idempotencyKey === key);
  expect(listed).toEqual([expect.objectContaining({ orderId: created.body.data.order.id, amountFen: 2650, bills: [{ externalId: bills[0].id, amountFen: 2650, lateFeeFen: 0 }], conflicts: [] })]);

  // The outbox delivering the same write-off again (a lost answer) is answered as the first time.
  const { HttpBillingSystem } = await import('./billing.adapter');
  const message = (await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: key })).payload;
  await new HttpBillingSystem(t.config.billing.url!, SECRET).writeOff(message as never, key);
  expect(sandbox.writeoffs().filter((w) => w.idempotencyKey === key)).toHaveLength(1);
  expect(sandbox.stats.duplicateWriteoffs).toBeGreaterThanOrEqual(1);
});

test('the billing system down or slow: no binding and no order are made, the subscriber is told to try later, and the bills page still answers', async () => {
  const { no, bills } = await operatorAccount();
  const auth = await subscriber();
  sandbox.fail = true;
  const down = await bind(auth, no).expect(503);
  expect(down.body.error).toMatchObject({ code: 'BILLING_UNAVAILABLE', message: expect.stringContaining('稍后再试') });
  expect(down.headers['retry-after']).toBe('30');
  // Nothing was checked, so the try was given back.
  expect((await t.orm.em.fork().findOne(BindFailure, { accountNo: no }))?.failures ?? 0).toBe(0);

  sandbox.fail = false;
  await bind(auth, no).expect(201);
  const billId = await billIdOf(bills[0].id);
  const before = await orders();
  sandbox.delayMs = 1_000;
  const started = Date.now();
  const slow = await t.request.post('/api/v1/payments').set(auth).send({ billIds: [billId], channel: 'alipay_wap' }).expect(503);
  expect(Date.now() - started).toBeLessThan(900);
  expect(slow.body.error.code).toBe('BILLING_UNAVAILABLE');
  sandbox.delayMs = 0;
  sandbox.fail = true;
  await t.request.post('/api/v1/payments').set(auth).send({ billIds: [billId], channel: 'alipay_wap' }).expect(503);
  expect(await orders()).toBe(before);
  const page = await t.request.get('/api/v1/bills?status=unpaid,overdue').set(auth).expect(200);
  expect(page.body.data.items.map((b: { id: number }) => b.id)).toContain(billId);
});

test('paid at the counter or corrected at the billing system before the inlet brought it: the order is refused, saying why', async () => {
  const { no, bills } = await operatorAccount();
  const auth = await subscriber();
  await bind(auth, no).expect(201);
  const before = await orders();
  // Held by the billing system, not yet pushed to OpenHall.
  sandbox.load([{ type: 'payment', id: `CP-${no}`, version: 1, accountNo: no, channel: 'counter', paidAt: new Date().toISOString(), amountFen: 2650, bills: [{ id: bills[0].id, lateFeeFen: 0 }] }]);
  const paid = await t.request.post('/api/v1/payments').set(auth).send({ billIds: [await billIdOf(bills[0].id)], channel: 'alipay_wap' }).expect(409);
  expect(paid.body.error).toMatchObject({ code: 'BILL_ALREADY_PAID', message: expect.stringContaining('已在其他渠道缴清') });

  sandbox.load([{ ...bills[1], version: 2, amountFen: 1000, lines: [{ itemCode: 'tv_monthly', name: '有线电视月费', quantity: 1, unit: '月', unitPriceFen: 1000, amountFen: 1000 }] }]);
  const changed = await t.request.post('/api/v1/payments').set(auth).send({ billIds: [await billIdOf(bills[1].id)], channel: 'alipay_wap' }).expect(409);
  expect(changed.body.error).toMatchObject({ code: 'BILL_CHANGED', message: expect.stringContaining('10.00 元'), details: { billingAmountFen: 1000 } });
  expect(await orders()).toBe(before);
});

test('an account the billing system no longer has cannot be bound, whatever the mirror holds; a newer holder is taken from it', async () => {
  const { no } = await operatorAccount();
  const auth = await subscriber();
  // The billing system changed the holder (a transfer of ownership) and has not pushed it yet.
  sandbox.load([{ type: 'account', id: no, version: 2, holderName: '钱七', holderPhone: '13955556666', address: '上城区解放路 8 号', area: 'shangcheng', serviceType: 'tv', status: 'active', concession: null }]);
  expect((await bind(auth, no, '赵六').expect(400)).body.error.code).toBe('ACCOUNT_BIND_FAILED');
  await bind(auth, no, '钱七').expect(201);

  const other = await subscriber();
  const gone = String(6_199_999_000 + seq);
  const { RecordApplier } = await import('../../modules/billing-records/record-applier');
  await t.orm.em.fork().transactional((tx) =>
    new RecordApplier(new Set(['shangcheng']), () => new Date(), t.app.services.balances).applyChunk(tx, [
      { line: 1, record: { type: 'account', id: gone, version: 1, holderName: '孙八', holderPhone: '13900000000', address: '上城区', area: 'shangcheng', serviceType: 'water', status: 'active', concession: null } },
    ]),
  );
  expect((await bind(other, gone, '孙八').expect(400)).body.error.code).toBe('ACCOUNT_BIND_FAILED');
});

test('the sandbox’s controls push a counter payment, next month’s bills, a correction and a cancellation to OpenHall', async () => {
  const { no, bills } = await operatorAccount();
  const auth = await subscriber();
  await bind(auth, no).expect(201);
  const owedIds = async () => ((await t.request.get('/api/v1/bills?status=unpaid,overdue').set(auth).expect(200)).body.data.items as Array<{ id: number; amountFen: number }>);

  const paid = await sandbox.counterPayment(bills[0].id);
  expect(paid.openhall.body.data!.accepted).toBe(1);
  expect((await owedIds()).map((b) => b.id)).not.toContain(await billIdOf(bills[0].id));

  const corrected = await sandbox.correctBill(bills[1].id, 1800);
  expect(corrected.openhall.body.data!.accepted).toBe(1);
  expect((await owedIds()).map((b) => b.amountFen)).toEqual([1800]);
  await sandbox.cancelBill(bills[1].id);
  expect(await owedIds()).toEqual([]);

  const issued = await sandbox.issueBills('2027-01');
  expect(issued.issued).toBeGreaterThanOrEqual(1);
  expect((await owedIds()).map((b) => b.amountFen)).toEqual([2650]);
});

test('three-way reconciliation: each settled bill is written off exactly once, for what was paid; the differences show beside the gateways’', async () => {
  const { no, bills } = await operatorAccount();
  const auth = await subscriber();
  await bind(auth, no).expect(201);
  const pay = async (externalId: string) => {
    const created = await t.request.post('/api/v1/payments').set(auth).send({ billIds: [await billIdOf(externalId)], channel: 'alipay_wap' }).expect(201);
    t.deps.sandboxes.alipay!.payUrl(created.body.data.pay.url);
    await eventually(async () => (await t.orm.em.fork().findOneOrFail(PaymentOrder, created.body.data.order.id)).status === 'paid');
    return created.body.data.order as { id: number; outTradeNo: string };
  };
  const writtenOff = await pay(bills[0].id);
  await t.app.services.outbox.runOnce(new Date(Date.now() + 1_000));
  const notWrittenOff = await pay(bills[1].id); // its write-off is still in the outbox
  const { HttpBillingSystem } = await import('./billing.adapter');
  const boss = new HttpBillingSystem(t.config.billing.url!, SECRET);
  const stray = { orderId: 987_654, outTradeNo: 'OH20261204000000STRAY000', channel: 'alipay_wap', gatewayTradeNo: 'T', paidAt: new Date().toISOString(), amountFen: 100, bills: [] };
  await boss.writeOff(stray, 'writeoff:987654');
  await boss.writeOff({ ...stray, orderId: writtenOff.id, outTradeNo: writtenOff.outTradeNo, amountFen: 2650 }, `writeoff:${writtenOff.id}:again`);

  const today = businessDate(new Date());
  const run = await t.app.services.reconciliation.runDate(today, 'billing', { rerun: true, now: new Date() });
  expect(run).toMatchObject({ gateway: 'billing', status: 'done' });
  const supervisor = await (await import('../../modules/tickets/tickets.fixtures')).createStaff(t, `recon${process.pid}`, 'supervisor', '陈静', 'KF2999');
  const list = await t.request.get(`/api/v1/staff/reconciliation/differences?date=${today}&gateway=billing&pageSize=100`).set(supervisor.auth).expect(200);
  const found = (list.body.data.items as Array<{ kind: string; orderId: number | null; outTradeNo: string }>).map((d) => [d.kind, d.outTradeNo]);
  expect(found).toEqual(
    expect.arrayContaining([
      ['paid_not_written_off', notWrittenOff.outTradeNo],
      ['writeoff_without_payment', stray.outTradeNo],
      ['status_mismatch', writtenOff.outTradeNo],
    ]),
  );
  expect(found).toHaveLength(3);

  // The late write-off arrives: a rerun clears that difference and adds nothing.
  await t.app.services.outbox.runOnce(new Date(Date.now() + 1_000));
  await t.app.services.reconciliation.runDate(today, 'billing', { rerun: true, now: new Date() });
  const after = await t.request.get(`/api/v1/staff/reconciliation/differences?date=${today}&gateway=billing&resolved=false&pageSize=100`).set(supervisor.auth).expect(200);
  expect((after.body.data.items as Array<{ kind: string }>).map((d) => d.kind).sort()).toEqual(['status_mismatch', 'writeoff_without_payment']);
  expect(t.app.services.reconciliation.ledgers).toEqual(['wechatpay', 'alipay', 'billing']);
});

test('a bill order refunded in full: the billing system reverses its write-off (after it); a bill it holds as paid at the counter comes back paid there', async () => {
  const { no, bills } = await operatorAccount();
  const auth = await subscriber();
  await bind(auth, no).expect(201);
  const [first, second] = [await billIdOf(bills[0].id), await billIdOf(bills[1].id)];
  const created = await t.request.post('/api/v1/payments').set(auth).send({ billIds: [first, second], channel: 'alipay_wap' }).expect(201);
  const orderId = created.body.data.order.id as number;
  // Meanwhile the hall counter took the second bill; the billing system has not pushed it yet.
  sandbox.load([{ type: 'payment', id: `CP-R-${no}`, version: 1, accountNo: no, channel: 'counter', paidAt: new Date().toISOString(), amountFen: 2650, bills: [{ id: bills[1].id, lateFeeFen: 0 }] }]);
  t.deps.sandboxes.alipay!.payUrl(created.body.data.pay.url);
  await eventually(async () => (await t.orm.em.fork().findOneOrFail(PaymentOrder, orderId)).status === 'paid');
  await t.app.services.outbox.runOnce(new Date(Date.now() + 1_000));
  const writeoff = sandbox.writeoffs().find((w) => w.idempotencyKey === `writeoff:${orderId}`)!;
  expect(writeoff.conflicts).toEqual([bills[1].id]);

  // Staff refund the whole payment (the subscriber paid the second bill twice and wants it all back).
  const supervisor = await (await import('../../modules/tickets/tickets.fixtures')).createStaff(t, `reverse${process.pid}`, 'supervisor', '陈静', 'KF2998');
  await t.request.post(`/api/v1/staff/payments/${orderId}/refunds`).set(supervisor.auth).send({ amountFen: 5300, reason: '重复缴费，全额退回' }).expect(201);
  await eventually(async () => Number((await t.orm.em.fork().findOneOrFail(PaymentOrder, orderId)).refundedFen) === 5300);
  expect(await t.orm.em.fork().findOneOrFail(Bill, first)).toMatchObject({ status: 'unpaid', paymentId: null });

  await t.app.services.outbox.runOnce(new Date(Date.now() + 1_000));
  expect(await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: `writeoff-reversed:${orderId}` })).toMatchObject({ status: 'sent' });
  expect(sandbox.stats.writeoffReversals).toBe(1);
  expect(sandbox.writeoffs().find((w) => w.idempotencyKey === `writeoff:${orderId}`)).toMatchObject({ reversedAt: expect.any(String) });
  // What the write-off settled is owed again there; what the counter settled stays paid, and the
  // counter payment (refused by the portal while the order held the bill) now shows the bill paid there.
  expect(sandbox.bill(bills[0].id)).toMatchObject({ status: 'owed', settledBy: null });
  expect(sandbox.bill(bills[1].id)).toMatchObject({ status: 'paid', settledBy: `CP-R-${no}` });
  expect(await t.orm.em.fork().findOneOrFail(Bill, second)).toMatchObject({ status: 'paid', paidChannel: 'counter', paymentId: null });
  // The subscriber can pay the first bill again: the billing system says it is owed.
  await t.request.post('/api/v1/payments').set(auth).send({ billIds: [first], channel: 'alipay_wap' }).expect(201);
});
