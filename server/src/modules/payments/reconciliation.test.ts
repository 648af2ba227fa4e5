import { addDays, businessDate, type ReconciliationDiffView, type ReconciliationRunView } from '@openhall/shared';
import { createTestApp, signInStaff, type TestApp } from '../../../test/harness';
import { AuditLog } from '../audit/audit-log.entity';
import { PaymentOrder } from './payment-order.entity';
import { billOf, eventually, newBill, orderOf, smsUserWithAccount } from './payments.test-support';
import { ReconciliationDiff } from './reconciliation-diff.entity';
import { ReconciliationRun } from './reconciliation-run.entity';
import { ReconciliationService } from './reconciliation.service';
import { Refund } from './refund.entity';

/**
 * Reconciliation end to end: orders paid through the sandboxes, the trade bills downloaded through
 * the real adapters, differences planted on the portal side (or by losing notifications).
 */

let t: TestApp;
let user: string;
let supervisor: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  user = await smsUserWithAccount(t, '13800000071');
  supervisor = await signInStaff(t, 'supervisor1');
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
  t.clock.set(new Date());
});

function pay(billIds: number[], channel: 'wechat_h5' | 'alipay_wap') {
  return t.request.post('/api/v1/payments').set(auth(user)).set('X-Forwarded-For', '10.7.1.1').send({ billIds, channel }).expect(201);
}

/** The staff endpoint, as a supervisor, for `date` seen from the next business day. */
async function reconcile(date: string, gateway: 'wechatpay' | 'alipay'): Promise<ReconciliationRunView> {
  t.clock.set(new Date(`${addDays(date, 1)}T11:00:00+08:00`));
  // Staff sessions last 12 hours: sign in again at the new time.
  supervisor = await signInStaff(t, 'supervisor1');
  const res = await t.request.post('/api/v1/staff/reconciliation/runs').set(auth(supervisor)).send({ date, gateway }).expect(200);
  const runs = res.body.data as ReconciliationRunView[];
  expect(runs).toHaveLength(1);
  return runs[0];
}

async function differences(query: string): Promise<{ items: ReconciliationDiffView[]; total: number }> {
  const res = await t.request.get(`/api/v1/staff/reconciliation/differences?${query}`).set(auth(supervisor)).expect(200);
  return res.body.data;
}

/** A WeChat H5 order paid in the sandbox and settled by its notification. */
async function paidWechatOrder(amountFen: number): Promise<PaymentOrder> {
  const res = await pay([(await newBill(t, amountFen)).id], 'wechat_h5');
  const order = await orderOf(t, res.body.data.order.id);
  const sandbox = t.deps.sandboxes.wechatpay!;
  expect((await sandbox.waitForDelivery(sandbox.pay(order.outTradeNo).id)).state).toBe('acknowledged');
  return orderOf(t, order.id);
}

test('WeChat Pay: a lost notification is settled from the bill; amount mismatch and portal-only payment are listed; reruns add nothing', async () => {
  const today = businessDate(new Date());
  const sandbox = t.deps.sandboxes.wechatpay!;
  // Consistent traffic: a payment, and a partly refunded payment. Neither may show up as a difference.
  await paidWechatOrder(1100);
  const refunded = await paidWechatOrder(2200);
  await t.request.post(`/api/v1/staff/payments/${refunded.id}/refunds`).set(auth(supervisor)).send({ amountFen: 200, reason: '多缴退还' }).expect(201);
  await eventually(async () => (await t.orm.em.fork().findOne(Refund, { orderId: refunded.id }))?.status === 'success');

  // 1. The portal's record of a paid amount disagrees with WeChat's.
  const skewed = await paidWechatOrder(4400);
  await t.orm.em.fork().nativeUpdate(PaymentOrder, { id: skewed.id }, { paidAmountFen: 4000 });

  // 2. Paid at WeChat, but every notification is refused: the portal never learns of it.
  const lostBill = await newBill(t, 3300);
  const lost = await orderOf(t, (await pay([lostBill.id], 'wechat_h5')).body.data.order.id);
  const down = jest.spyOn(t.app.services.payments.notify, 'handleWechatNotify').mockResolvedValue({ status: 500, body: { code: 'FAIL', message: 'down' } });
  const d = sandbox.pay(lost.outTradeNo);
  await eventually(async () => (sandbox.ledger.delivery(d.id)?.attempts.length ?? 0) > 0);
  expect((await orderOf(t, lost.id)).status).toBe('created');

  // 3. The portal believes an order paid that WeChat never saw.
  const now = new Date();
  const ghost = Object.assign(new PaymentOrder(), {
    outTradeNo: `OHGHOST${Date.now()}`.slice(0, 24),
    userId: skewed.userId,
    kind: 'bills' as const,
    channel: 'wechat_h5' as const,
    status: 'paid' as const,
    amountFen: 5500,
    description: '账单缴费',
    expiresAt: now,
    gatewayTradeNo: '4200000000000000000000000001',
    paidAt: now,
    paidAmountFen: 5500,
    createdAt: now,
    updatedAt: now,
  });
  await t.orm.em.fork().persistAndFlush(ghost);

  const run = await reconcile(today, 'wechatpay');
  expect(run).toMatchObject({ date: today, gateway: 'wechatpay', status: 'done', settled: 1, differences: 3, error: null });
  expect(run.gatewayPayments).toBe(4);
  expect(run.gatewayRefunds).toBe(1);

  // The lost payment settled its order and bill through the notify path, once.
  expect(await orderOf(t, lost.id)).toMatchObject({ status: 'paid', paidAmountFen: 3300, gatewayTradeNo: sandbox.ledger.trade(lost.outTradeNo)!.transactionId });
  expect(await billOf(t, lostBill.id)).toMatchObject({ status: 'paid', paymentId: lost.id });

  const all = await differences(`date=${today}&gateway=wechatpay`);
  expect(all.total).toBe(3);
  const byNo = new Map(all.items.map((i) => [i.outTradeNo, i]));
  expect(byNo.get(lost.outTradeNo)).toMatchObject({ kind: 'missing_in_portal', subject: 'payment', orderId: lost.id, gatewayAmountFen: 3300, resolved: true, resolution: 'settled' });
  expect(byNo.get(skewed.outTradeNo)).toMatchObject({ kind: 'amount_mismatch', portalAmountFen: 4000, gatewayAmountFen: 4400, resolved: false });
  expect(byNo.get(ghost.outTradeNo)).toMatchObject({ kind: 'missing_at_gateway', orderId: ghost.id, portalAmountFen: 5500, gatewayAmountFen: null, resolved: false });

  // Filters and paging.
  expect((await differences(`date=${today}&kind=amount_mismatch`)).items.map((i) => i.outTradeNo)).toEqual([skewed.outTradeNo]);
  expect((await differences(`date=${today}&gateway=wechatpay&resolved=false`)).total).toBe(2);
  expect((await differences(`date=${today}&gateway=wechatpay&resolved=true`)).total).toBe(1);
  const page = await differences(`date=${today}&gateway=wechatpay&pageSize=1&page=2`);
  expect(page).toMatchObject({ total: 3, page: 2, pageSize: 1 });
  expect(page.items).toHaveLength(1);

  // Rerunning the date finds the same differences and settles nothing twice.
  const again = await reconcile(today, 'wechatpay');
  expect(again).toMatchObject({ status: 'done', settled: 0, differences: 2 });
  expect(await t.orm.em.fork().count(ReconciliationDiff, { billDate: today, gateway: 'wechatpay' })).toBe(3);
  expect(await t.orm.em.fork().count(AuditLog, { action: 'payment.settled', entityId: String(lost.id) })).toBe(1);

  // Once the portal's record is put right, a rerun clears that difference.
  await t.orm.em.fork().nativeUpdate(PaymentOrder, { id: skewed.id }, { paidAmountFen: 4400 });
  await reconcile(today, 'wechatpay');
  expect((await differences(`date=${today}&gateway=wechatpay&resolved=false`)).items.map((i) => i.outTradeNo)).toEqual([ghost.outTradeNo]);
  expect((await t.orm.em.fork().findOneOrFail(ReconciliationDiff, { outTradeNo: skewed.outTradeNo })).resolution).toBe('cleared');
  down.mockRestore();
});

test("Alipay: yesterday's bill (served the next day) settles a lost payment and flags a refund the portal thinks failed", async () => {
  const sandbox = t.deps.sandboxes.alipay!;
  const today = businessDate(new Date());
  // Every Alipay notification is refused from here on: the portal learns only what it asks.
  jest.spyOn(t.app.services.payments.notify, 'handleAlipayNotify').mockResolvedValue({ status: 500, body: 'fail' });
  const lostBill = await newBill(t, 6600);
  const lostRes = await pay([lostBill.id], 'alipay_wap');
  sandbox.payUrl(lostRes.body.data.pay.url);
  await eventually(async () => sandbox.ledger.notifications(lostRes.body.data.order.outTradeNo).some((n) => n.attempts.length > 0));
  expect((await orderOf(t, lostRes.body.data.order.id)).status).toBe('created');

  // A refund Alipay made that the portal recorded as failed.
  const refundedRes = await pay([(await newBill(t, 7700)).id], 'alipay_wap');
  const refunded = await orderOf(t, refundedRes.body.data.order.id);
  await t.app.services.payments.settlement.applyPayment(refunded.id, { tradeNo: sandbox.payUrl(refundedRes.body.data.pay.url).trade.tradeNo, amountFen: 7700, paidAt: new Date() });
  const r = await t.request.post(`/api/v1/staff/payments/${refunded.id}/refunds`).set(auth(supervisor)).send({ amountFen: 700, reason: '多缴退还' }).expect(201);
  expect(r.body.data.refund.status).toBe('success');
  await t.orm.em.fork().nativeUpdate(Refund, { id: r.body.data.refund.id }, { status: 'failed' });

  // Alipay publishes a day's bill once the day is over: reconcile from tomorrow (both clocks).
  const tomorrow = new Date(`${addDays(today, 1)}T11:00:00+08:00`);
  jest.useFakeTimers({ now: tomorrow, doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
  const run = await reconcile(today, 'alipay');
  jest.useRealTimers();
  expect(run).toMatchObject({ status: 'done', settled: 1, differences: 2, gatewayPayments: 2, gatewayRefunds: 1, error: null });

  const lost = await orderOf(t, lostRes.body.data.order.id);
  expect(lost).toMatchObject({ status: 'paid', paidAmountFen: 6600, gatewayTradeNo: sandbox.ledger.trade(lost.outTradeNo)!.tradeNo });
  expect(await billOf(t, lostBill.id)).toMatchObject({ status: 'paid', paymentId: lost.id });
  const diffs = (await differences(`date=${today}&gateway=alipay`)).items;
  expect(diffs.map((x) => [x.subject, x.kind, x.outTradeNo, x.resolved]).sort()).toEqual(
    [
      ['payment', 'missing_in_portal', lost.outTradeNo, true],
      ['refund', 'status_mismatch', refunded.outTradeNo, false],
    ].sort(),
  );
  expect(diffs.find((x) => x.subject === 'refund')).toMatchObject({ outRefundNo: r.body.data.refund.outRefundNo, portalStatus: 'failed', gatewayStatus: 'success', gatewayAmountFen: 700 });
});

test('money the gateway took for an order the portal had closed is refunded through the same path, once', async () => {
  const sandbox = t.deps.sandboxes.alipay!;
  const today = businessDate(new Date());
  const res = await pay([(await newBill(t, 8800)).id], 'alipay_wap');
  const order = await orderOf(t, res.body.data.order.id);
  // The buyer has not opened the cashier: Alipay has no trade, so giving up closes it here only.
  await t.request.post(`/api/v1/payments/${order.id}/close`).set(auth(user)).expect(200);
  expect((await orderOf(t, order.id)).status).toBe('closed');
  // The old page is used after all, and every notification is lost.
  jest.spyOn(t.app.services.payments.notify, 'handleAlipayNotify').mockResolvedValue({ status: 500, body: 'fail' });
  sandbox.payUrl(res.body.data.pay.url);

  jest.useFakeTimers({ now: new Date(`${addDays(today, 1)}T11:00:00+08:00`), doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
  const run = await reconcile(today, 'alipay');
  expect(run.status).toBe('done');
  const diff = (await differences(`date=${today}&gateway=alipay`)).items.find((d) => d.outTradeNo === order.outTradeNo);
  expect(diff).toMatchObject({ subject: 'payment', kind: 'status_mismatch', portalStatus: 'closed', gatewayAmountFen: 8800, resolved: true, resolution: 'refunded_late' });
  const refund = await t.orm.em.fork().findOneOrFail(Refund, { orderId: order.id });
  expect(refund).toMatchObject({ outRefundNo: `AR${order.outTradeNo}`, amountFen: 8800, kind: 'auto_late', status: 'success' });
  expect(sandbox.ledger.trade(order.outTradeNo)!.refunds.map((r) => r.refundFen)).toEqual([8800]);
  // Rerunning refunds nothing twice.
  await reconcile(today, 'alipay');
  jest.useRealTimers();
  expect(await t.orm.em.fork().count(Refund, { orderId: order.id })).toBe(1);
  expect(sandbox.ledger.trade(order.outTradeNo)!.refunds).toHaveLength(1);
  expect(await orderOf(t, order.id)).toMatchObject({ status: 'closed', refundedFen: 8800 });
});

test('the daily job runs yesterday once across instances; a failed gateway is retried, a done one is not', async () => {
  const today = businessDate(new Date());
  const a = new ReconciliationService(t.deps, t.app.services.payments, t.app.services.audit);
  const b = new ReconciliationService(t.deps, t.app.services.payments, t.app.services.audit);
  // Before the configured hour (10:00 business time) nothing runs.
  expect(await a.runDue(new Date(`${addDays(today, 1)}T09:59:00+08:00`))).toEqual([]);

  // Seen from tomorrow 11:00 by the business clock: WeChat's bill of today is there, Alipay's is
  // not published yet (its sandbox goes by the real clock), so that run fails and stays due.
  const at = new Date(`${addDays(today, 1)}T11:00:00+08:00`);
  await t.orm.em.fork().nativeDelete(ReconciliationRun, {});
  const [x, y] = await Promise.all([a.runDue(at), b.runDue(at)]);
  // The two days before are caught up as well (empty bills here), each once.
  expect([...x, ...y].filter((r) => r.date !== today).map((r) => `${r.date}:${r.gateway}:${r.status}`).sort()).toEqual(
    [addDays(today, -2), addDays(today, -1)].flatMap((d) => [`${d}:alipay:done`, `${d}:wechatpay:done`]),
  );
  const runs = [...x, ...y].filter((r) => r.date === today);
  expect(runs.map((r) => `${r.gateway}:${r.status}`).sort()).toEqual(['alipay:failed', 'wechatpay:done']);
  expect(runs.find((r) => r.gateway === 'alipay')!.error).toMatch(/BILL_NOT_EXIST|账单/);

  // The same tick on another instance does nothing; a failed gateway waits 15 minutes.
  expect(await b.runDue(at)).toEqual([]);
  const again = await a.runDue(new Date(at.getTime() + 16 * 60_000));
  expect(again.map((r) => `${r.gateway}:${r.status}`)).toEqual(['alipay:failed']);
  const rows = await t.orm.em.fork().find(ReconciliationRun, { billDate: today }, { orderBy: { gateway: 'asc' } });
  expect(await t.orm.em.fork().count(ReconciliationRun, {})).toBe(6);
  expect(rows.map((r) => [r.gateway, r.attempts])).toEqual([
    ['alipay', 2],
    ['wechatpay', 1],
  ]);
});

test('reconciliation is for supervisors; a date not yet over is refused', async () => {
  const agent = await signInStaff(t, 'agent1');
  const today = businessDate(t.clock.now());
  await t.request.post('/api/v1/staff/reconciliation/runs').set(auth(agent)).send({ date: addDays(today, -1) }).expect(403);
  await t.request.get('/api/v1/staff/reconciliation/differences').set(auth(agent)).expect(403);
  const res = await t.request.post('/api/v1/staff/reconciliation/runs').set(auth(supervisor)).send({ date: today }).expect(400);
  expect(res.body.error.code).toBe('VALIDATION_FAILED');
  await t.request.get('/api/v1/staff/reconciliation/differences?kind=nonsense').set(auth(supervisor)).expect(400);
});
