import type { BillingRecord, LedgerEntryView, PaymentOrderView, PrepaidView } from '@openhall/shared';
import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../../test/harness';
import { Account } from '../accounts/account.entity';
import { RecordApplier } from '../billing-records/record-applier';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { eventually, orderOf } from '../payments/payments.test-support';
import { Refund } from '../payments/refund.entity';
import { BalanceEntry } from './balance-entry.entity';
import { AuditLog } from '../audit/audit-log.entity';
import { Bill } from '../billing/bill.entity';
import { ServiceRequest } from './service-request.entity';

/**
 * Prepaid accounts in embedded billing mode (the portal keeps the ledger): the balance page, top-ups
 * through both gateways with one entry per settled order, the amount rules, refunds taken from the
 * balance, the low-balance alert once per crossing, and imported deductions.
 */

let t: TestApp;
let supervisor: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
  supervisor = await signInStaff(t, 'supervisor1');
});

afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

let seq = 0;
/** A subscriber bound to a fresh prepaid account holding `balanceFen`. */
async function prepaidSubscriber(balanceFen: number, opts: { prepaid?: boolean } = {}) {
  seq += 1;
  const em = t.orm.em.fork();
  const account = Object.assign(new Account(), {
    accountNo: String(3_100_000_000 + seq),
    serviceType: 'broadband',
    holderName: '周八',
    holderPhone: '13900000008',
    address: '滨江区江南大道 1 号',
    area: 'binjiang',
    prepaid: opts.prepaid ?? true,
    balanceFen,
    createdAt: new Date(),
  });
  await em.persistAndFlush(account);
  const ip = `10.61.0.${seq}`;
  const phone = `1370001${String(seq).padStart(4, '0')}`;
  const token = await signInBySms(t, phone, ip);
  const headers = { ...auth(token), 'X-Forwarded-For': ip };
  await t.request.post('/api/v1/accounts/bind').set(headers).send({ accountNo: account.accountNo, holderName: '周八' }).expect(201);
  return { account, headers, phone };
}

const viewOf = async (headers: Record<string, string>, id: number) => (await t.request.get(`/api/v1/accounts/${id}/prepaid`).set(headers).expect(200)).body.data as PrepaidView;
const ledgerOf = async (headers: Record<string, string>, id: number) =>
  (await t.request.get(`/api/v1/accounts/${id}/ledger`).set(headers).expect(200)).body.data.items as LedgerEntryView[];
/** Records applied as the inlet applies a chunk of a batch. */
const applyRecords = (records: BillingRecord[]) =>
  t.orm.em.fork().transactional((tx) =>
    new RecordApplier(new Set(t.config.operator.areas.map((a) => a.code)), () => t.clock.now(), t.app.services.balances).applyChunk(
      tx,
      records.map((record, i) => ({ line: i + 1, record })),
    ),
  );
const balanceOf = async (id: number) => Number((await t.orm.em.fork().findOneOrFail(Account, id)).balanceFen);

test('a top-up paid by WeChat is credited once, however often the notification comes, and reaches the billing system', async () => {
  const { account, headers } = await prepaidSubscriber(3500);
  const before = await viewOf(headers, account.id);
  expect(before).toMatchObject({ prepaid: true, balanceFen: 3500, arrearsFen: 0, status: 'active', suspension: null });
  // The account list says which accounts are prepaid, so the clients ask only those for a balance.
  const listed = (await t.request.get('/api/v1/accounts').set(headers).expect(200)).body.data as Array<{ id: number; prepaid: boolean }>;
  expect(listed.find((a) => a.id === account.id)).toMatchObject({ prepaid: true, balanceFen: 3500 });
  expect(before.topUp).toEqual({ presetsFen: [2000, 5000, 10000, 20000], minFen: 1000, maxFen: 500000 });

  const res = await t.request.post(`/api/v1/accounts/${account.id}/top-ups`).set(headers).send({ amountFen: 5000, channel: 'wechat_h5' }).expect(201);
  const order = res.body.data.order as PaymentOrderView;
  expect(order).toMatchObject({ kind: 'topup', amountFen: 5000, status: 'created' });
  const sandbox = t.deps.sandboxes.wechatpay!;
  expect((await sandbox.waitForDelivery(sandbox.pay(order.outTradeNo).id)).state).toBe('acknowledged');
  expect((await sandbox.waitForDelivery(sandbox.redeliver(order.outTradeNo).id)).state).toBe('acknowledged');

  expect(await balanceOf(account.id)).toBe(8500);
  const entries = await ledgerOf(headers, account.id);
  expect(entries).toEqual([expect.objectContaining({ kind: 'topup', amountFen: 5000, balanceAfterFen: 8500, source: 'portal', orderId: order.id, description: '微信支付充值' })]);
  const message = await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: `balance-changed:topup:${order.id}` });
  expect(message.payload).toMatchObject({ entryKey: `topup:${order.id}`, accountNo: account.accountNo, kind: 'topup', amountFen: 5000, outTradeNo: order.outTradeNo });
  await t.app.services.outbox.runOnce(new Date(Date.now() + 3_600_000));
  expect((await t.orm.em.fork().findOneOrFail(OutboxMessage, message.id)).status).toBe('sent');
});

test('the amount is the server’s: a preset, or a custom amount within the operator’s range; postpaid and other people’s accounts take none', async () => {
  const { account, headers } = await prepaidSubscriber(0);
  const topUp = (amountFen: unknown) => t.request.post(`/api/v1/accounts/${account.id}/top-ups`).set(headers).send({ amountFen, channel: 'alipay_wap' });
  await topUp(1234).expect(201); // custom, within 10.00–5000.00
  for (const bad of [999, 500_001]) {
    const res = await topUp(bad).expect(400);
    expect(res.body.error).toMatchObject({ code: 'TOPUP_AMOUNT_INVALID', details: { minFen: 1000, maxFen: 500000 } });
  }
  for (const bad of [0, -100, 12.5, '5000']) expect((await topUp(bad).expect(400)).body.error.code).toBe('VALIDATION_FAILED');

  const postpaid = await prepaidSubscriber(0, { prepaid: false });
  const res = await t.request.post(`/api/v1/accounts/${postpaid.account.id}/top-ups`).set(postpaid.headers).send({ amountFen: 5000, channel: 'alipay_wap' }).expect(409);
  expect(res.body.error.code).toBe('ACCOUNT_NOT_PREPAID');
  await t.request.post(`/api/v1/accounts/${account.id}/top-ups`).set(postpaid.headers).send({ amountFen: 5000, channel: 'alipay_wap' }).expect(404);
  await t.request.get(`/api/v1/accounts/${account.id}/ledger`).set(postpaid.headers).expect(404);
});

test('a staff refund of a top-up comes off the balance when asked for, and is refused once the balance is spent', async () => {
  const { account, headers } = await prepaidSubscriber(0);
  const res = await t.request.post(`/api/v1/accounts/${account.id}/top-ups`).set(headers).send({ amountFen: 10000, channel: 'alipay_wap' }).expect(201);
  const order = res.body.data.order as PaymentOrderView;
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  await eventually(async () => (await balanceOf(account.id)) === 10000);

  const refund = (amountFen: number) => t.request.post(`/api/v1/staff/payments/${order.id}/refunds`).set(auth(supervisor)).send({ amountFen, reason: '用户多充' });
  await refund(4000).expect(201);
  expect(await balanceOf(account.id)).toBe(6000);
  // Spent down (a deduction imported meanwhile): what is left cannot pay back the rest.
  await t.orm.em.fork().nativeUpdate(Account, { id: account.id }, { balanceFen: 1000 });
  const refused = await refund(6000).expect(409);
  expect(refused.body.error).toMatchObject({ code: 'TOPUP_BALANCE_SPENT', details: { balanceFen: 1000 } });
  expect(await t.orm.em.fork().count(Refund, { orderId: order.id })).toBe(1);
  await eventually(async () => (await orderOf(t, order.id)).refundedFen === 4000);
  const kinds = (await ledgerOf(headers, account.id)).map((e) => [e.kind, e.amountFen]);
  expect(kinds).toEqual([
    ['refund', -4000],
    ['topup', 10000],
  ]);
});

test('the low-balance alert fires once per fall below the threshold, and again only after the balance rose to it', async () => {
  const { account, headers, phone } = await prepaidSubscriber(5000);
  const view = await viewOf(headers, account.id);
  expect(view.lowBalance).toEqual({ thresholdFen: 2000, isDefault: true, defaultFen: 2000, below: false });
  await t.request.put(`/api/v1/accounts/${account.id}/low-balance-threshold`).set(headers).send({ thresholdFen: 3000 }).expect(200);

  const deduct = (id: string, amountFen: number) =>
    applyRecords([
      { type: 'ledger', id, version: 1, accountNo: account.accountNo, kind: amountFen < 0 ? 'deduction' : 'adjustment', amountFen, occurredAt: new Date().toISOString(), description: '宽带月租' },
    ]);
  const alerts = async () => (await t.orm.em.fork().find(OutboxMessage, { topic: 'notification.send', dedupeKey: { $like: 'notify-send:low-balance:%' } })).filter((m) => (m.payload as { vars: { accountNo: string } }).vars.accountNo === account.accountNo);

  await deduct(`D${account.accountNo}1`, -2500); // 5000 → 2500: below 3000
  await deduct(`D${account.accountNo}2`, -500); // 2000: still below, no second alert
  expect((await alerts()).map((m) => (m.payload as { vars: Record<string, string> }).vars)).toEqual([expect.objectContaining({ balance: '25.00', threshold: '30.00' })]);
  expect((await viewOf(headers, account.id)).lowBalance).toMatchObject({ thresholdFen: 3000, isDefault: false, below: true });
  await deduct(`D${account.accountNo}3`, 2000); // 4000: above again, re-armed
  await deduct(`D${account.accountNo}4`, -1500); // 2500: a second fall, a second alert
  expect(await alerts()).toHaveLength(2);
  expect(await balanceOf(account.id)).toBe(2500);
  // The alert goes out by SMS to an H5 user.
  await t.app.services.outbox.runOnce(new Date(Date.now() + 3_600_000));
  expect(t.deps.sandboxes.sms!.list(phone).some((m) => m.text.includes('已低于提醒金额30.00元'))).toBe(true);
  // Back to the operator's default.
  await t.request.put(`/api/v1/accounts/${account.id}/low-balance-threshold`).set(headers).send({ thresholdFen: null }).expect(200);
  expect((await viewOf(headers, account.id)).lowBalance).toMatchObject({ thresholdFen: 2000, isDefault: true, below: false });
  await t.request.put(`/api/v1/accounts/${account.id}/low-balance-threshold`).set(headers).send({ thresholdFen: -1 }).expect(400);
});

test('imported entries are facts: the same again changes nothing, a changed one is refused; an unknown account and a postpaid one are named', async () => {
  const { account } = await prepaidSubscriber(1000);
  const entry = { type: 'ledger' as const, id: `E${account.accountNo}`, version: 1, accountNo: account.accountNo, kind: 'deduction' as const, amountFen: -300, occurredAt: new Date().toISOString(), description: '宽带月租' };
  const results = await applyRecords([
    entry,
    entry,
    { ...entry, version: 2, amountFen: -400 },
    { ...entry, id: 'E-unknown', accountNo: '3999999999' },
  ]);
  expect(results.map((r) => [r.outcome, r.reason ?? null])).toEqual([
    ['accepted', null],
    ['unchanged', 'same_version'],
    ['rejected', 'entry_immutable'],
    ['rejected', 'unknown_account'],
  ]);
  expect(await balanceOf(account.id)).toBe(700);
  expect(await t.orm.em.fork().count(BalanceEntry, { accountId: account.id })).toBe(1);
  const postpaid = await prepaidSubscriber(0, { prepaid: false });
  const [refused] = await applyRecords([{ ...entry, id: `E${postpaid.account.accountNo}`, accountNo: postpaid.account.accountNo }]);
  expect(refused).toMatchObject({ outcome: 'rejected', reason: 'not_prepaid', field: 'accountNo' });
});

describe('emergency stop, reopening and restoration (embedded: the portal is the record)', () => {
  const runOutbox = () => t.app.services.outbox.runOnce(new Date(Date.now() + 3_600_000));
  const accountOf = (id: number) => t.orm.em.fork().findOneOrFail(Account, id);

  test('a stop is sent, confirmed with the time it took effect, notified and audited; a second stop or a double submit is refused', async () => {
    const { account, headers } = await prepaidSubscriber(5000);
    const stop = await t.request.post(`/api/v1/accounts/${account.id}/emergency-suspension`).set(headers).send({ reason: 'lost_device' }).expect(202);
    expect(stop.body.data).toMatchObject({ kind: 'suspend', status: 'pending', effectiveAt: null });
    const again = await t.request.post(`/api/v1/accounts/${account.id}/emergency-suspension`).set(headers).send({}).expect(409);
    expect(again.body.error.code).toBe('SERVICE_REQUEST_PENDING');
    await runOutbox();
    const [done] = (await t.request.get(`/api/v1/accounts/${account.id}/service-requests`).set(headers).expect(200)).body.data;
    expect(done).toMatchObject({ id: stop.body.data.id, status: 'done', effectiveAt: expect.any(String) });
    expect(await accountOf(account.id)).toMatchObject({ status: 'suspended', suspendedFor: 'request' });
    expect((await viewOf(headers, account.id)).suspension).toMatchObject({ reason: 'request' });
    const notice = await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: `notify-send:service-request:${done.id}` });
    expect(notice.payload).toMatchObject({ event: 'service_status', vars: { accountNo: account.accountNo, action: '紧急停机' } });
    const refused = await t.request.post(`/api/v1/accounts/${account.id}/emergency-suspension`).set(headers).send({}).expect(409);
    expect(refused.body.error.code).toBe('SERVICE_STATE_CONFLICT');
    // Staff see it, with the account (holder masked), and the audit log has both sides.
    const staff = (await t.request.get('/api/v1/staff/service-requests?kind=suspend&status=done&pageSize=100').set(auth(supervisor)).expect(200)).body.data.items;
    expect(staff).toEqual(expect.arrayContaining([expect.objectContaining({ id: done.id, accountNo: account.accountNo, holderNameMasked: '周*', reason: 'lost_device' })]));
    await t.request.get('/api/v1/staff/service-requests').set(headers).expect(401); // a subscriber's session is no staff session
    const audit = await t.orm.em.fork().find(AuditLog, { entityType: 'account', entityId: String(account.id) }, { orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['account.bind', 'service.suspend', 'service.suspend_done']);
  });

  test('reopening needs a fresh code sent to the registered phone: a wrong code or a sign-in code does not do', async () => {
    const { account, headers, phone } = await prepaidSubscriber(5000);
    await t.request.post(`/api/v1/accounts/${account.id}/reopen/code`).set(headers).expect(409); // not stopped
    await t.request.post(`/api/v1/accounts/${account.id}/emergency-suspension`).set(headers).send({ reason: 'moving' }).expect(202);
    await runOutbox();

    const sent = await t.request.post(`/api/v1/accounts/${account.id}/reopen/code`).set(headers).expect(200);
    expect(sent.body.data).toEqual({ phoneMasked: '139****0008', expiresInSeconds: 300 });
    const text = t.deps.sandboxes.sms!.list('13900000008')[0].text;
    expect(text).toContain(`户号${account.accountNo}复机`);
    const code = /验证码(\d{6})/.exec(text)![1];
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await t.request.post(`/api/v1/accounts/${account.id}/reopen`).set(headers).send({ code: wrong }).expect(400)).body.error.code).toBe('SMS_CODE_INVALID');
    // A sign-in code to the same phone is not a reopening code (a minute later: one code a minute per phone).
    t.clock.advance(61_000);
    await t.request.post('/api/v1/auth/sms/send').set('X-Forwarded-For', '10.62.0.1').send({ phone: '13900000008' }).expect(200);
    const loginCode = /(\d{6})/.exec(t.deps.sandboxes.sms!.list('13900000008')[0].text)![1];
    expect((await t.request.post(`/api/v1/accounts/${account.id}/reopen`).set(headers).send({ code: loginCode }).expect(400)).body.error.code).toBe('SMS_CODE_INVALID');

    t.clock.advance(61_000);
    await t.request.post(`/api/v1/accounts/${account.id}/reopen/code`).set(headers).expect(200);
    const fresh = /验证码(\d{6})/.exec(t.deps.sandboxes.sms!.list('13900000008')[0].text)![1];
    const reopen = await t.request.post(`/api/v1/accounts/${account.id}/reopen`).set(headers).send({ code: fresh }).expect(202);
    expect(reopen.body.data).toMatchObject({ kind: 'reopen', status: 'pending' });
    await runOutbox();
    expect(await accountOf(account.id)).toMatchObject({ status: 'active', suspendedFor: null, suspendedAt: null });
    expect(phone).not.toBe('13900000008'); // the code went to the account's phone, not the signed-in one
  });

  test('a top-up that clears the arrears of an account suspended for them asks for restoration once, on a restoration ticket resolved when it is done', async () => {
    const { account, headers } = await prepaidSubscriber(-2800);
    await t.orm.em.fork().nativeUpdate(Account, { id: account.id }, { status: 'suspended', suspendedFor: 'arrears', suspendedAt: new Date(Date.now() - 86_400_000) });
    expect(await viewOf(headers, account.id)).toMatchObject({ arrearsFen: 2800, status: 'suspended', suspension: { reason: 'arrears' } });
    const reopen = await t.request.post(`/api/v1/accounts/${account.id}/reopen/code`).set(headers).expect(409);
    expect(reopen.body.error.message).toContain('充值缴清欠费后将自动复机');

    // 20.00 is not enough: still owing, nothing asked.
    const topUp = async (amountFen: number) => {
      const res = await t.request.post(`/api/v1/accounts/${account.id}/top-ups`).set(headers).send({ amountFen, channel: 'alipay_wap' }).expect(201);
      t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
      await eventually(async () => (await orderOf(t, res.body.data.order.id)).status === 'paid');
    };
    await topUp(2000);
    expect((await viewOf(headers, account.id)).latestRequest).toBeNull();
    await topUp(5000);
    const view = await viewOf(headers, account.id);
    expect(view).toMatchObject({ balanceFen: 4200, arrearsFen: 0, status: 'suspended', latestRequest: { kind: 'restore', status: 'pending', ticketId: expect.any(Number) } });
    const ticketId = view.latestRequest!.ticketId!;
    const ticket = (await t.request.get(`/api/v1/tickets/${ticketId}`).set(headers).expect(200)).body.data;
    expect(ticket).toMatchObject({ type: 'restoration', status: 'submitted' });
    // A third top-up while the restoration is pending asks nothing more.
    await topUp(2000);
    await runOutbox();
    expect(await accountOf(account.id)).toMatchObject({ status: 'active', suspendedFor: null });
    expect((await t.request.get(`/api/v1/tickets/${ticketId}`).set(headers).expect(200)).body.data.status).toBe('resolved');
    const requests = (await t.request.get(`/api/v1/accounts/${account.id}/service-requests`).set(headers).expect(200)).body.data;
    expect(requests.map((r: { kind: string; status: string }) => [r.kind, r.status])).toEqual([['restore', 'done']]);
  });

  test('money taken at the counter (an imported entry) clears the arrears too, and the restoration is filed for the account’s user', async () => {
    const { account, headers } = await prepaidSubscriber(-1000);
    await t.orm.em.fork().nativeUpdate(Account, { id: account.id }, { status: 'suspended', suspendedFor: 'arrears', suspendedAt: new Date() });
    await applyRecords([{ type: 'ledger', id: `C${account.accountNo}`, version: 1, accountNo: account.accountNo, kind: 'topup', amountFen: 3000, occurredAt: new Date().toISOString(), description: '营业厅现金充值' }]);
    const view = await viewOf(headers, account.id);
    expect(view).toMatchObject({ balanceFen: 2000, latestRequest: { kind: 'restore', status: 'pending', ticketId: expect.any(Number) } });
    await runOutbox();
    expect(await accountOf(account.id)).toMatchObject({ status: 'active' });
  });
});

test('a postpaid account suspended for arrears is restored once no overdue bill is left: paid here or at the counter', async () => {
  const { account, headers } = await prepaidSubscriber(0, { prepaid: false });
  const em = t.orm.em.fork();
  const billOf = (period: string, dueDate: string) =>
    Object.assign(new Bill(), { accountId: account.id, externalId: `B${account.accountNo}${period}`, sourceVersion: 1, kind: 'regular', period, dueDate, amountFen: 3000, status: 'unpaid', lateFeeFen: 0, createdAt: new Date() });
  const overdue = [billOf('2026-08', '2026-09-20'), billOf('2026-09', '2026-10-20')];
  await em.persistAndFlush(overdue);
  await em.nativeUpdate(Account, { id: account.id }, { status: 'suspended', suspendedFor: 'arrears', suspendedAt: new Date() });

  // One of the two paid here: still owing, nothing asked.
  const res = await t.request.post('/api/v1/payments').set(headers).send({ billIds: [overdue[0].id], channel: 'alipay_wap' }).expect(201);
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  await eventually(async () => (await orderOf(t, res.body.data.order.id)).status === 'paid');
  expect(await t.orm.em.fork().count(ServiceRequest, { accountId: account.id })).toBe(0);
  // The other at the hall counter: the arrears are cleared, the restoration is asked for.
  await applyRecords([
    { type: 'payment', id: `P${account.accountNo}`, version: 1, accountNo: account.accountNo, channel: 'counter', paidAt: new Date().toISOString(), amountFen: 3000, bills: [{ id: overdue[1].externalId!, lateFeeFen: 0 }] },
  ]);
  const [restore] = await t.orm.em.fork().find(ServiceRequest, { accountId: account.id });
  expect(restore).toMatchObject({ kind: 'restore', status: 'pending', ticketId: expect.any(Number) });
  await t.app.services.outbox.runOnce(new Date(Date.now() + 3_600_000));
  expect(await t.orm.em.fork().findOneOrFail(Account, account.id)).toMatchObject({ status: 'active', suspendedFor: null });
});
