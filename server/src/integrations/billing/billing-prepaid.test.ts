import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BillingRecord, LedgerEntryView, PaymentOrderView, PrepaidView } from '@openhall/shared';
import { createTestApp, signInBySms, type TestApp } from '../../../test/harness';
import { Account } from '../../modules/accounts/account.entity';
import { OutboxMessage } from '../../modules/outbox/outbox-message.entity';
import { eventually } from '../../modules/payments/payments.test-support';
import { BalanceEntry } from '../../modules/prepaid/balance-entry.entity';
import { HttpBillingSystem, type BalanceChangedMessage, type ServiceRequestMessage } from './billing.adapter';
import { BillingSandbox } from '../../sandboxes/billing/billing.sandbox';

/**
 * Prepaid accounts in external mode against the billing-system sandbox over real HTTP: the billing
 * system keeps the ledger and states the balance; the portal's top-ups are booked there once and
 * echoed through the inlet; deductions below zero suspend the account; stop, reopen and restoration
 * are asked for and done or refused with a reason.
 */
const SECRET = 'sandbox-billing-secret';

let t: TestApp;
let sandbox: BillingSandbox;
let sandboxUrl: string;
let server: http.Server;
let boss: HttpBillingSystem;
let seq = 0;

beforeAll(async () => {
  sandbox = new BillingSandbox({ secret: SECRET, openhallUrl: () => t.baseUrl });
  const listening = await sandbox.listen(0);
  server = listening.server;
  sandboxUrl = listening.baseUrl;
  t = await createTestApp({ seed: false, env: { BILLING_MODE: 'external', BILLING_URL: sandboxUrl, BILLING_TIMEOUT_MS: '1000' } });
  boss = new HttpBillingSystem(sandboxUrl, SECRET);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.deps.sandboxes.close();
  await t.close();
});
beforeEach(() => {
  sandbox.fail = false;
  sandbox.delayMs = 0;
  sandbox.holdPushes = false;
});

const holder = { holderName: '周八', holderPhone: '13912345678' };

/** A prepaid account holding `balanceFen` at the billing system (its history: one counter top-up), pushed to OpenHall. */
async function prepaidAccount(balanceFen: number): Promise<string> {
  const no = String(3_200_000_000 + (process.pid % 100_000) * 100 + ++seq);
  const records: BillingRecord[] = [
    { type: 'account', id: no, version: 1, ...holder, address: '滨江区江南大道 1 号', area: 'binjiang', serviceType: 'broadband', status: 'active', concession: null, prepaid: true },
    { type: 'ledger', id: `L${no}001`, version: 1, accountNo: no, kind: 'topup', amountFen: balanceFen, balanceAfterFen: balanceFen, occurredAt: new Date(Date.now() - 86_400_000).toISOString(), description: '营业厅现金充值' },
  ];
  sandbox.load(records);
  expect((await sandbox.push(records)).body.data!.accepted).toBe(2);
  return no;
}

/** A subscriber who has bound the account: their headers and the portal's id of the account. */
async function subscriberOf(accountNo: string): Promise<{ auth: Record<string, string>; accountId: number }> {
  const phone = `1370088${String(++seq).padStart(4, '0')}`;
  const ip = `10.89.${seq % 250}.1`;
  const auth = { Authorization: `Bearer ${await signInBySms(t, phone, ip)}`, 'X-Forwarded-For': ip };
  await t.request.post('/api/v1/accounts/bind').set(auth).send({ accountNo, holderName: holder.holderName }).expect(201);
  return { auth, accountId: (await portalAccount(accountNo)).id };
}

const portalAccount = (accountNo: string) => t.orm.em.fork().findOneOrFail(Account, { accountNo });
const portalBalance = async (accountNo: string) => Number((await portalAccount(accountNo)).balanceFen);
const viewOf = async (auth: Record<string, string>, accountId: number) => (await t.request.get(`/api/v1/accounts/${accountId}/prepaid`).set(auth).expect(200)).body.data as PrepaidView;
const historyOf = async (auth: Record<string, string>, accountId: number) =>
  ((await t.request.get(`/api/v1/accounts/${accountId}/ledger`).set(auth).expect(200)).body.data.items as LedgerEntryView[]).map((e) => [e.kind, e.amountFen, e.source]);
const outboxOf = (dedupeKey: string) => t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey });
/** One pass of the outbox (whatever is due). */
const deliver = (aheadMs = 1_000) => t.app.services.outbox.runOnce(new Date(Date.now() + aheadMs));

/** A top-up paid through the Alipay sandbox and credited in the portal (not yet told to the billing system). */
async function topUp(auth: Record<string, string>, accountId: number, amountFen: number): Promise<PaymentOrderView> {
  const res = await t.request.post(`/api/v1/accounts/${accountId}/top-ups`).set(auth).send({ amountFen, channel: 'alipay_wap' }).expect(201);
  const order = res.body.data.order as PaymentOrderView;
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  await eventually(() => t.orm.em.fork().findOne(BalanceEntry, { portalKey: `topup:${order.id}` }));
  return order;
}

test('a portal top-up is booked once by the billing system, echoed through the inlet, and both then show the same balance', async () => {
  const no = await prepaidAccount(3500);
  const { auth, accountId } = await subscriberOf(no);
  const order = await topUp(auth, accountId, 5000);
  // The portal counts its own top-up at once; the billing system has not heard of it yet.
  expect(await portalBalance(no)).toBe(8500);
  expect(sandbox.balance(no)).toBe(3500);

  await deliver();
  const key = `balance-changed:topup:${order.id}`;
  expect(await outboxOf(key)).toMatchObject({ status: 'sent' });
  const booked = sandbox.ledger(no).filter((e) => e.portalEntry === `topup:${order.id}`);
  expect(booked).toEqual([expect.objectContaining({ kind: 'topup', amountFen: 5000, balanceAfterFen: 8500 })]);
  // The echo came back through the inlet: the portal's entry is booked under the billing system's id.
  expect(await t.orm.em.fork().findOneOrFail(BalanceEntry, { portalKey: `topup:${order.id}` })).toMatchObject({ billingId: booked[0].id });
  expect(await portalAccount(no)).toMatchObject({ billingBalanceFen: 8500, balanceFen: 8500 });
  expect((await viewOf(auth, accountId)).balanceFen).toBe(sandbox.balance(no));
  expect(await historyOf(auth, accountId)).toEqual([
    ['topup', 5000, 'portal'],
    ['topup', 3500, 'billing'],
  ]);

  // The message again (a lost answer), and the same entry under another key: booked once, nothing pushed.
  const message = (await outboxOf(key)).payload as unknown as BalanceChangedMessage;
  const pushes = sandbox.stats.pushes;
  await boss.recordBalanceChange(message, key);
  await boss.recordBalanceChange(message, `${key}:again`);
  expect(sandbox.ledger(no).filter((e) => e.portalEntry === `topup:${order.id}`)).toHaveLength(1);
  expect(sandbox.balance(no)).toBe(8500);
  expect(sandbox.stats.pushes).toBe(pushes);
  expect(await portalBalance(no)).toBe(8500);
});

test('what the billing system cannot take is refused with a 4xx and not remembered: a refund arriving before its top-up goes through once that is booked', async () => {
  const no = await prepaidAccount(3500);
  const { auth, accountId } = await subscriberOf(no);
  const order = await topUp(auth, accountId, 5000);
  const supervisor = await (await import('../../modules/tickets/tickets.fixtures')).createStaff(t, `prepaid${process.pid}`, 'supervisor', '陈静', 'KF2997');
  await t.request.post(`/api/v1/staff/payments/${order.id}/refunds`).set(supervisor.auth).send({ amountFen: 2000, reason: '用户多充' }).expect(201);
  expect(await portalBalance(no)).toBe(6500);
  const refunds = await t.orm.em.fork().find(OutboxMessage, { topic: 'billing.balance_changed', dedupeKey: { $like: 'balance-changed:refund:%' } });
  const refundMessage = refunds.find((m) => m.payload.orderId === order.id)!;
  const refund = refundMessage.payload as unknown as BalanceChangedMessage;

  // The refund overtaking its top-up: refused for now.
  await expect(boss.recordBalanceChange(refund, refundMessage.dedupeKey)).rejects.toThrow(/HTTP 409/);
  // Malformed, or about an account the billing system does not have: refused, for an operator to see.
  await expect(boss.recordBalanceChange({ ...refund, entryKey: 'bonus:1' }, 'balance-changed:bonus:1')).rejects.toThrow(/HTTP 422/);
  await expect(boss.recordBalanceChange({ ...refund, accountNo: '3999999999', entryKey: 'topup:999999' }, 'balance-changed:topup:999999')).rejects.toThrow(/HTTP 404/);
  expect(sandbox.balance(no)).toBe(3500);

  // In order, both are booked and echoed; the refused key was not spent.
  await deliver();
  expect(await outboxOf(refundMessage.dedupeKey)).toMatchObject({ status: 'sent' });
  expect(sandbox.ledger(no).map((e) => [e.kind, e.amountFen, e.balanceAfterFen, e.portalEntry ?? null])).toEqual([
    ['topup', 3500, 3500, null],
    ['topup', 5000, 8500, `topup:${order.id}`],
    ['refund', -2000, 6500, refund.entryKey],
  ]);
  expect(await portalAccount(no)).toMatchObject({ billingBalanceFen: 6500, balanceFen: 6500 });
  expect(await t.orm.em.fork().count(BalanceEntry, { accountId, source: 'portal', billingId: null })).toBe(0);
});

test('echoes and deductions arriving in reverse order still converge on the billing system’s balance', async () => {
  const no = await prepaidAccount(1000);
  const { auth, accountId } = await subscriberOf(no);
  sandbox.holdPushes = true;
  const order = await topUp(auth, accountId, 5000);
  await deliver();
  expect(await outboxOf(`balance-changed:topup:${order.id}`)).toMatchObject({ status: 'sent' });
  await sandbox.deduct(no, 3000, '2026年12月宽带月租');
  await sandbox.deduct(no, 4000, '2027年01月宽带月租');
  expect(sandbox.balance(no)).toBe(-1000);
  expect(await portalBalance(no)).toBe(6000); // nothing has arrived yet

  // Newest first: the second deduction (with the suspension), the first, then the echo of the top-up.
  const released = await sandbox.releaseHeld(true);
  expect(released.batches).toBe(3);
  expect(released.results.map((r) => r?.rejected)).toEqual([0, 0, 0]);
  expect(await portalBalance(no)).toBe(-1000);
  const view = await viewOf(auth, accountId);
  expect(view).toMatchObject({ balanceFen: -1000, arrearsFen: 1000, status: 'suspended', suspension: { reason: 'arrears' } });
  expect(await historyOf(auth, accountId)).toEqual([
    ['deduction', -4000, 'billing'],
    ['deduction', -3000, 'billing'],
    ['topup', 5000, 'portal'],
    ['topup', 1000, 'billing'],
  ]);
});

test('the billing system down: the top-up waits in the outbox, is retried, and lands later', async () => {
  const no = await prepaidAccount(2000);
  const { auth, accountId } = await subscriberOf(no);
  const order = await topUp(auth, accountId, 5000);
  const key = `balance-changed:topup:${order.id}`;
  sandbox.fail = true;
  await deliver();
  expect(await outboxOf(key)).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('HTTP 500') });
  expect(sandbox.balance(no)).toBe(2000);
  expect(await portalBalance(no)).toBe(7000);

  sandbox.fail = false;
  await deliver(3_600_000);
  expect(await outboxOf(key)).toMatchObject({ status: 'sent', attempts: 2 });
  expect(sandbox.balance(no)).toBe(7000);
  expect(await portalAccount(no)).toMatchObject({ billingBalanceFen: 7000, balanceFen: 7000 });
  expect(sandbox.ledger(no).filter((e) => e.portalEntry === `topup:${order.id}`)).toHaveLength(1);
});

test('the sandbox’s controls: a deduction below zero suspends the account for arrears in the portal; a counter top-up is pushed; balances are listed', async () => {
  const no = await prepaidAccount(3000);
  const { auth, accountId } = await subscriberOf(no);
  const control = async (command: string, body: unknown) => {
    const res = await fetch(`${sandboxUrl}/control/${command}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { data: Record<string, unknown>; error?: string } };
  };

  expect((await control('deduct', { accountNo: no, amountFen: 2000, description: '2026年12月宽带月租' })).status).toBe(200);
  expect(await viewOf(auth, accountId)).toMatchObject({ balanceFen: 1000, status: 'active', suspension: null });
  const below = await control('deduct', { accountNo: no, amountFen: 5000 });
  expect(below.body.data.account).toMatchObject({ status: 'suspended', suspendedFor: 'arrears' });
  const entry = below.body.data.entry as { occurredAt: string };
  expect(await viewOf(auth, accountId)).toMatchObject({ balanceFen: -4000, arrearsFen: 4000, status: 'suspended', suspension: { reason: 'arrears', since: entry.occurredAt } });

  // Money at the counter clears the arrears; the restoration is the portal's to ask for.
  const paid = await control('counter-topup', { accountNo: no, amountFen: 4000 });
  expect(paid.body.data.entry).toMatchObject({ kind: 'topup', amountFen: 4000, balanceAfterFen: 0, description: '营业厅窗口充值' });
  expect(await portalBalance(no)).toBe(0);
  expect(sandbox.account(no)).toMatchObject({ status: 'suspended', suspendedFor: 'arrears' });

  const summary = (await (await fetch(`${sandboxUrl}/control`)).json()) as { data: { prepaid: unknown[] } };
  expect(summary.data.prepaid).toContainEqual({ accountNo: no, balanceFen: 0, status: 'suspended', suspendedFor: 'arrears', suspendedAt: entry.occurredAt });
  for (const [command, body] of [
    ['deduct', { accountNo: '3999999999', amountFen: 100 }],
    ['deduct', { accountNo: no, amountFen: -100 }],
    ['counter-topup', { accountNo: no, amountFen: 12.5 }],
  ] as const) {
    expect((await control(command, body)).status).toBe(400);
  }
  expect(sandbox.balance(no)).toBe(0);
});

test('service requests through HttpBillingSystem: stop and reopen are done and pushed; restoration is refused while in arrears and done once cleared; a key answers the same twice', async () => {
  const no = await prepaidAccount(1000);
  const ask = (action: ServiceRequestMessage['action']) => {
    const requestId = 900_000 + ++seq;
    const message: ServiceRequestMessage = { requestId, accountNo: no, action, reason: action === 'suspend' ? 'lost_device' : null, requestedAt: new Date().toISOString() };
    return [message, `service-request:${requestId}`] as const;
  };

  const suspend = ask('suspend');
  const stopped = await boss.requestService(...suspend);
  expect(stopped).toEqual({ done: true, effectiveAt: expect.any(String) });
  const { effectiveAt } = stopped as { effectiveAt: string };
  expect(sandbox.account(no)).toMatchObject({ version: 2, status: 'suspended', suspendedFor: 'request', suspendedAt: effectiveAt });
  const portal = await portalAccount(no);
  expect(portal).toMatchObject({ status: 'suspended', suspendedFor: 'request' });
  expect(new Date(portal.suspendedAt!).toISOString()).toBe(effectiveAt);
  // The same key again: the same answer, nothing changed.
  expect(await boss.requestService(...suspend)).toEqual(stopped);
  expect(sandbox.account(no)!.version).toBe(2);
  expect(await boss.requestService(...ask('suspend'))).toEqual({ done: false, refusal: expect.stringContaining('已处于停机状态') });

  expect(await boss.requestService(...ask('reopen'))).toEqual({ done: true, effectiveAt: expect.any(String) });
  expect(await portalAccount(no)).toMatchObject({ status: 'active', suspendedFor: null, suspendedAt: null });
  expect(await boss.requestService(...ask('reopen'))).toEqual({ done: false, refusal: expect.stringContaining('未停机') });

  await sandbox.deduct(no, 1500);
  expect(await portalAccount(no)).toMatchObject({ status: 'suspended', suspendedFor: 'arrears' });
  expect(await boss.requestService(...ask('reopen'))).toEqual({ done: false, refusal: expect.stringContaining('欠费') });
  const restore = ask('restore');
  const refused = await boss.requestService(...restore);
  expect(refused).toEqual({ done: false, refusal: expect.stringContaining('仍欠费 5.00 元') });

  await sandbox.counterTopup(no, 500);
  // That key is spent: still the refusal. A new request is done, and the account pushed active.
  expect(await boss.requestService(...restore)).toEqual(refused);
  const restored = ask('restore');
  expect(await boss.requestService(...restored)).toEqual({ done: true, effectiveAt: expect.any(String) });
  expect(sandbox.account(no)).toMatchObject({ status: 'active', suspendedFor: null });
  expect(await portalAccount(no)).toMatchObject({ status: 'active', suspendedFor: null });
  await expect(boss.requestService({ ...restored[0], accountNo: '3999999999' }, 'service-request:999999')).rejects.toThrow(/HTTP 404/);
});

test('balances, entries and answers are kept across a restart of the sandbox', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'billing-sandbox-'));
  const stateFile = path.join(dir, 'state.json');
  const no = String(3_299_000_000 + (process.pid % 100_000) * 10 + (++seq % 10));
  const first = new BillingSandbox({ secret: SECRET, openhallUrl: () => t.baseUrl, stateFile });
  first.load([{ type: 'account', id: no, version: 1, ...holder, address: '滨江区', area: 'binjiang', serviceType: 'broadband', status: 'active', concession: null, prepaid: true }]);
  first.holdPushes = true; // this account is not the portal's
  const message: BalanceChangedMessage = { entryKey: 'topup:424242', accountNo: no, kind: 'topup', amountFen: 2000, occurredAt: new Date().toISOString(), description: '支付宝充值', orderId: 424242, outTradeNo: null };
  const stop: ServiceRequestMessage = { requestId: 424242, accountNo: no, action: 'suspend', reason: null, requestedAt: new Date().toISOString() };
  const one = await first.listen(0);
  await new HttpBillingSystem(one.baseUrl, SECRET).recordBalanceChange(message, 'balance-changed:topup:424242');
  const stopped = await new HttpBillingSystem(one.baseUrl, SECRET).requestService(stop, 'service-request:424242');
  await new Promise((r) => one.server.close(r));

  const second = new BillingSandbox({ secret: SECRET, openhallUrl: () => t.baseUrl, stateFile });
  second.holdPushes = true;
  const two = await second.listen(0);
  try {
    const again = new HttpBillingSystem(two.baseUrl, SECRET);
    await again.recordBalanceChange(message, 'balance-changed:topup:424242');
    expect(await again.requestService(stop, 'service-request:424242')).toEqual(stopped);
    expect(second.balance(no)).toBe(2000);
    expect(second.ledger(no)).toHaveLength(1);
    expect(second.account(no)).toMatchObject({ version: 2, status: 'suspended', suspendedFor: 'request' });
  } finally {
    await new Promise((r) => two.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
