import { createTestApp, signInStaff, type TestApp } from '../../../test/harness';
import { AlipayGatewayError } from '../../integrations/alipay/alipay.adapter';
import { AuditLog } from '../audit/audit-log.entity';
import { Bill } from '../billing/bill.entity';
import { runOnce } from './payment-expiry.job';
import { refundRetryDelayMs } from './refunds.service';
import { Refund } from './refund.entity';
import { eventually, newBill, orderOf, smsUserWithAccount } from './payments.test-support';

/**
 * An automatic refund the gateway refuses (issue 20) is not left `failed` with a log line: it is
 * sent again with backoff and listed for supervisors until it goes through or one of them resolves
 * it, with a note, in the audit log.
 */

let t: TestApp;
let user: string;
let supervisor: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const MIN = 60_000;

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  user = await smsUserWithAccount(t, '13800000301');
  supervisor = await signInStaff(t, 'supervisor1');
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

test.each([
  [1, 1 * MIN],
  [2, 5 * MIN],
  [3, 30 * MIN],
  [4, 120 * MIN],
  [5, 360 * MIN],
  [12, 360 * MIN],
])('after refusal %i the next try is %i ms later', (refusals, delay) => {
  expect(refundRetryDelayMs(refusals)).toBe(delay);
});

/** The merchant's Alipay balance cannot cover refunds until `fixed()`. */
function refusingAlipay() {
  const gateway = t.deps.payments.alipay.gateway;
  const real = gateway.refund.bind(gateway);
  let refusing = true;
  const spy = jest.spyOn(gateway, 'refund').mockImplementation(async (input) => {
    if (refusing) throw new AlipayGatewayError('ACQ.SELLER_BALANCE_NOT_ENOUGH', '卖家余额不足');
    return real(input);
  });
  return { spy, fixed: () => (refusing = false), restore: () => spy.mockRestore() };
}

/** A bill paid at the counter while its Alipay order was open, then the order paid anyway: a duplicate to refund. */
async function duplicatePayment(amountFen: number): Promise<{ orderId: number; refund: Refund }> {
  const bill = await newBill(t, amountFen);
  const res = await t.request.post('/api/v1/payments').set(auth(user)).send({ billIds: [bill.id], channel: 'alipay_wap' }).expect(201);
  const orderId = res.body.data.order.id as number;
  await t.orm.em.fork().nativeUpdate(Bill, { id: bill.id, status: 'unpaid' }, { status: 'paid', paidChannel: 'counter', paidAt: new Date() });
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  const refund = await eventually(async () => {
    const r = await t.orm.em.fork().findOne(Refund, { orderId });
    return r?.status === 'failed' && r;
  });
  return { orderId, refund };
}

const refundOf = (id: number) => t.orm.em.fork().findOneOrFail(Refund, id);
const failedList = () => t.request.get('/api/v1/staff/refunds?status=failed&resolved=false&pageSize=100').set(auth(supervisor)).expect(200);

test('a refused automatic refund is retried after 1 min, 5 min…, listed for supervisors meanwhile, and goes through once the gateway takes it', async () => {
  const gateway = refusingAlipay();
  try {
    const { orderId, refund } = await duplicatePayment(3300);
    expect(refund).toMatchObject({ kind: 'auto_duplicate', attempts: 1, lastError: expect.stringContaining('ACQ.SELLER_BALANCE_NOT_ENOUGH') });
    expect(new Date(refund.nextAttemptAt!).getTime() - t.clock.now().getTime()).toBeGreaterThan(55_000);

    // Not due yet: nothing is sent; the housekeeping counts it.
    const calls = gateway.spy.mock.calls.length;
    const early = await runOnce(t.app.services.payments);
    expect(early.failedRefundsRetried).toBe(0);
    expect(early.failedRefundsUnresolved).toBeGreaterThanOrEqual(1);
    expect(gateway.spy.mock.calls.length).toBe(calls);

    t.clock.advance(61_000);
    expect((await runOnce(t.app.services.payments)).failedRefundsRetried).toBe(1);
    const second = await refundOf(refund.id);
    expect(second).toMatchObject({ status: 'failed', attempts: 2 });
    expect(new Date(second.nextAttemptAt!).getTime() - t.clock.now().getTime()).toBeGreaterThan(4 * MIN);

    const listed = (await failedList()).body.data.items as Array<Record<string, unknown>>;
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: refund.id, orderId, kind: 'auto_duplicate', status: 'failed', attempts: 2, amountFen: 3300, channel: 'alipay_wap', outTradeNo: (await orderOf(t, orderId)).outTradeNo, resolvedBy: null }),
      ]),
    );
    const agent = await signInStaff(t, 'agent1');
    await t.request.get('/api/v1/staff/refunds?status=failed').set(auth(agent)).expect(403);
    const waiting = (await t.request.get('/api/v1/staff/metrics').set(auth(supervisor)).expect(200)).body.data.refusedRefundsUnresolved as number;
    expect(waiting).toBeGreaterThanOrEqual(1);

    // The balance is topped up: the next try pays the subscriber back.
    gateway.fixed();
    t.clock.advance(5 * MIN + 1_000);
    expect((await runOnce(t.app.services.payments)).failedRefundsRetried).toBe(1);
    expect(await refundOf(refund.id)).toMatchObject({ status: 'success', attempts: 2, nextAttemptAt: null });
    expect(await orderOf(t, orderId)).toMatchObject({ status: 'refunded', refundedFen: 3300 });
    expect(t.deps.sandboxes.alipay!.ledger.trade((await orderOf(t, orderId)).outTradeNo)!.refunds).toHaveLength(1);
    expect(((await failedList()).body.data.items as Array<{ id: number }>).map((r) => r.id)).not.toContain(refund.id);
    expect((await t.request.get('/api/v1/staff/metrics').set(auth(supervisor)).expect(200)).body.data.refusedRefundsUnresolved).toBe(waiting - 1);
  } finally {
    gateway.restore();
  }
});

test('a supervisor resolves a refused refund with a note: audited, never retried again, and only once', async () => {
  const gateway = refusingAlipay();
  try {
    const { orderId, refund } = await duplicatePayment(4400);
    const url = `/api/v1/staff/refunds/${refund.id}/resolve`;
    await t.request.post(url).set(auth(supervisor)).send({ note: '' }).expect(400);
    const done = await t.request.post(url).set(auth(supervisor)).send({ note: '已在营业厅现金退还用户' }).expect(200);
    expect(done.body.data).toMatchObject({ id: refund.id, status: 'failed', nextAttemptAt: null, resolutionNote: '已在营业厅现金退还用户', resolvedBy: { name: expect.any(String), jobNo: expect.any(String) } });
    expect(await t.orm.em.fork().count(AuditLog, { action: 'payment.refund_resolved', entityId: String(orderId) })).toBe(1);

    const again = await t.request.post(url).set(auth(supervisor)).send({ note: '再处理一次' }).expect(409);
    expect(again.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(done.body.data.resolvedBy.name) });
    expect(((await failedList()).body.data.items as Array<{ id: number }>).map((r) => r.id)).not.toContain(refund.id);
    const resolved = await t.request.get('/api/v1/staff/refunds?status=failed&resolved=true').set(auth(supervisor)).expect(200);
    expect((resolved.body.data.items as Array<{ id: number }>).map((r) => r.id)).toContain(refund.id);

    // Hours later nothing is sent for it any more.
    gateway.fixed();
    const calls = gateway.spy.mock.calls.length;
    t.clock.advance(7 * 3_600_000);
    await runOnce(t.app.services.payments);
    expect(gateway.spy.mock.calls.length).toBe(calls);
    expect(await refundOf(refund.id)).toMatchObject({ status: 'failed' });

    // A refund that went through needs no resolving.
    const ok = await t.orm.em.fork().findOneOrFail(Refund, { status: 'success' }, { orderBy: { id: 'desc' } });
    const notFailed = await t.request.post(`/api/v1/staff/refunds/${ok.id}/resolve`).set(auth(supervisor)).send({ note: '误点' }).expect(409);
    expect(notFailed.body.error.code).toBe('CONFLICT');
    await t.request.post('/api/v1/staff/refunds/999999/resolve').set(auth(supervisor)).send({ note: '不存在' }).expect(404);
  } finally {
    gateway.restore();
  }
});
