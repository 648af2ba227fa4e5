import path from 'node:path';
import { createTestApp, signInStaff, type TestApp } from '../../../test/harness';
import { answerSignString, signedHeaders, toPrivateKey, type EinvoiceState } from '../../integrations/einvoice/einvoice.protocol';
import { loadOrCreateKeyPair } from '../../sandboxes/key-pair';
import { AuditLog } from '../audit/audit-log.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { eventually, orderOf, smsUserWithAccount } from '../payments/payments.test-support';
import { EINVOICE_ISSUE_TOPIC, INVOICE_CHECK_AFTER_MS } from './invoices.service';
import { COMPANY, billWithLines, invoiceOf, paidOrder, pump } from './invoices.test-support';

/**
 * The e-invoice platform misbehaving, through its sandbox (issue 16): down, slow, silent (no
 * callback: the query finds the result), a callback sent twice, a callback before and after the
 * query, a forged callback, a refusal and its reissue by staff, and a late report about the refused try.
 */

let t: TestApp;
let user: string;
let agent: string;
let supervisor: string;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001', EINVOICE_TIMEOUT_MS: '300' } });
  user = await smsUserWithAccount(t, '13800000401');
  agent = await signInStaff(t, 'agent1');
  supervisor = await signInStaff(t, 'supervisor1');
});

afterAll(async () => {
  t.deps.sandboxes.einvoice?.close();
  await t.deps.sandboxes.close();
  await t.close();
});

beforeEach(() => {
  Object.assign(t.deps.sandboxes.einvoice!.control, { down: false, delayMs: 0, issueDelayMs: 20, callbacks: true, duplicateCallbacks: false, callbackDelayMs: 20, failNext: null });
});

const sandbox = () => t.deps.sandboxes.einvoice!;

async function requested(): Promise<number> {
  const bill = await billWithLines(t);
  const orderId = await paidOrder(t, user, [bill.id]);
  const res = await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title: COMPANY }).expect(201);
  return res.body.data.invoice.id as number;
}

/** A callback signed with the platform's own key (the sandbox keeps it under DATA_DIR), as the platform would send it. */
async function platformCallback(state: EinvoiceState) {
  const key = toPrivateKey(loadOrCreateKeyPair(path.join(t.config.dataDir, 'sandbox', 'einvoice'), 'platform').privateKeyPem);
  const body = JSON.stringify({ eventId: `e-${Math.random()}`, eventType: state.status === 'failed' ? 'INVOICE.FAILED' : 'INVOICE.ISSUED', createdAt: t.clock.now().toISOString(), data: state });
  const headers = signedHeaders(key, t.clock.now(), (ts, nonce) => answerSignString(ts, nonce, body));
  return t.request.post('/api/v1/integrations/einvoice/notify').set({ ...headers, 'Content-Type': 'application/json' }).send(body);
}

async function refund(orderId: number, amountFen: number): Promise<void> {
  const before = Number((await orderOf(t, orderId)).refundedFen);
  await t.request.post(`/api/v1/staff/payments/${orderId}/refunds`).set(auth(supervisor)).send({ amountFen, reason: '用户申请退款' }).expect(201);
  await eventually(async () => Number((await orderOf(t, orderId)).refundedFen) === before + amountFen);
}

const issueMessage = async (serialNo: string) => t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: `einvoice-issue:${serialNo}` });
const audits = async (action: string, id: number) => t.orm.em.fork().count(AuditLog, { action, entityId: String(id) });

test('the platform down: the request waits in the outbox, is retried, and issues once it is back', async () => {
  const id = await requested();
  sandbox().control.down = true;
  await t.app.services.outbox.runOnce(t.clock.now());
  const inv = await invoiceOf(t, id);
  expect(inv).toMatchObject({ status: 'requested', lastError: expect.stringContaining('SYSTEM_BUSY') });
  expect(await issueMessage(inv.serialNo)).toMatchObject({ status: 'pending', attempts: 1 });
  expect(sandbox().invoices.has(inv.serialNo)).toBe(false);
  sandbox().control.down = false;
  await pump(t);
  expect(await invoiceOf(t, id)).toMatchObject({ status: 'issued', lastError: null });
  expect(await issueMessage(inv.serialNo)).toMatchObject({ status: 'sent', attempts: 2 });
});

test('the platform slow: OpenHall gives up waiting, retries under the same serial number, and the platform issues one invoice', async () => {
  // No callback: the result can only come back through OpenHall's own requests.
  sandbox().control.callbacks = false;
  const id = await requested();
  const { serialNo } = await invoiceOf(t, id);
  sandbox().control.delayMs = 800; // past EINVOICE_TIMEOUT_MS=300
  await t.app.services.outbox.runOnce(t.clock.now());
  expect((await invoiceOf(t, id)).lastError).toContain('TIMEOUT');
  // The slow request did arrive: the platform has it.
  await new Promise((r) => setTimeout(r, 900));
  await sandbox().idle();
  expect(sandbox().invoices.get(serialNo)?.state.status).toBe('issued');
  sandbox().control.delayMs = 0;
  const duplicatesBefore = sandbox().stats.duplicates;
  await pump(t);
  expect(sandbox().stats.duplicates).toBe(duplicatesBefore + 1);
  expect([...sandbox().invoices.keys()].filter((k) => k === serialNo)).toHaveLength(1);
  expect(await invoiceOf(t, id)).toMatchObject({ status: 'issued', invoiceNo: sandbox().invoices.get(serialNo)!.state.invoiceNo });
  expect(await audits('invoice.issued', id)).toBe(1);
});

test('a callback delivered twice is applied once', async () => {
  sandbox().control.duplicateCallbacks = true;
  const id = await requested();
  await pump(t);
  const { serialNo } = await invoiceOf(t, id);
  const inv = sandbox().invoices.get(serialNo)!;
  expect(inv.callbacks.length).toBeGreaterThanOrEqual(2);
  expect(inv.callbacks.every((c) => c.status === 200)).toBe(true);
  expect(await audits('invoice.issued', id)).toBe(1);
  expect(await t.orm.em.fork().count(OutboxMessage, { dedupeKey: { $like: `einvoice-pdf:${id}:%` } })).toBe(1);
});

test('no callback: the query finds the result once it is due; the callback arriving after changes nothing', async () => {
  sandbox().control.callbacks = false;
  const id = await requested();
  await pump(t);
  const waiting = await invoiceOf(t, id);
  expect(waiting).toMatchObject({ status: 'requested', checkAt: expect.any(Date) });
  // Not due yet: nothing asked.
  expect(await t.app.services.invoices.checkPending()).toBe(0);
  t.clock.advance(INVOICE_CHECK_AFTER_MS + 1000);
  expect(await t.app.services.invoices.checkPending()).toBe(1);
  expect(await invoiceOf(t, id)).toMatchObject({ status: 'issued', checkAt: null });
  // The callback, late.
  const answer = await sandbox().deliverCallback(sandbox().invoices.get(waiting.serialNo)!);
  expect(answer).toMatchObject({ status: 200, body: JSON.stringify({ code: 'SUCCESS' }) });
  expect(await audits('invoice.issued', id)).toBe(1);
});

test('the callback before the query: the query that follows finds it done', async () => {
  sandbox().control.callbacks = false;
  const id = await requested();
  await pump(t);
  const { serialNo } = await invoiceOf(t, id);
  await sandbox().deliverCallback(sandbox().invoices.get(serialNo)!);
  expect(await invoiceOf(t, id)).toMatchObject({ status: 'issued', checkAt: null });
  t.clock.advance(INVOICE_CHECK_AFTER_MS + 1000);
  expect(await t.app.services.invoices.checkPending()).toBe(0);
  expect(await audits('invoice.issued', id)).toBe(1);
});

test('a forged or replayed-late callback is refused before it is read', async () => {
  sandbox().control.callbacks = false;
  const id = await requested();
  await pump(t);
  const { serialNo } = await invoiceOf(t, id);
  const state = { ...sandbox().invoices.get(serialNo)!.state, status: 'issued', invoiceNo: '26332999999999999999', issuedAt: new Date().toISOString() };
  const body = JSON.stringify({ eventId: 'forged', eventType: 'INVOICE.ISSUED', createdAt: new Date().toISOString(), data: state });
  const unsigned = await t.request.post('/api/v1/integrations/einvoice/notify').set('Content-Type', 'application/json').send(body);
  expect(unsigned.status).toBe(401);
  const stale = await t.request
    .post('/api/v1/integrations/einvoice/notify')
    .set({ 'Content-Type': 'application/json', 'X-Einv-Timestamp': String(Math.floor(t.clock.now().getTime() / 1000) - 3600), 'X-Einv-Nonce': 'abc', 'X-Einv-Signature': 'AAAA' })
    .send(body);
  expect(stale.status).toBe(401);
  expect(await invoiceOf(t, id)).toMatchObject({ status: 'requested', invoiceNo: null });
});

test('refused (the buyer’s credit code): the reason and what to do; staff reissue it (audit-logged); a late report about the refused try changes nothing', async () => {
  sandbox().control.failNext = { code: 'BUYER_INVALID', reason: '购买方纳税人识别号与名称不匹配' };
  const id = await requested();
  await pump(t);
  const view = (await t.request.get(`/api/v1/invoices/${id}`).set(auth(user)).expect(200)).body.data;
  expect(view).toMatchObject({
    state: 'failed',
    stateName: '开具失败',
    failure: { code: 'BUYER_INVALID', reason: '购买方纳税人识别号与名称不匹配', action: expect.stringContaining('修改抬头'), changeTitle: true },
  });
  const failures = await t.request.get('/api/v1/staff/invoices?state=failed').set(auth(agent)).expect(200);
  expect(failures.body.data.items.map((i: { id: number }) => i.id)).toContain(id);
  const firstSerial = (await invoiceOf(t, id)).serialNo;

  const res = await t.request.post(`/api/v1/staff/invoices/${id}/reissue`).set(auth(agent)).send({ note: '已与用户核对名称，重新开具' }).expect(200);
  expect(res.body.data).toMatchObject({ state: 'requested', attempts: 2, reissuedBy: { name: expect.any(String), note: '已与用户核对名称，重新开具' } });
  await t.request.post(`/api/v1/staff/invoices/${id}/reissue`).set(auth(agent)).send({ note: '再来一次' }).expect(409);
  expect(await audits('invoice.reissue', id)).toBe(1);
  await pump(t);
  const issued = await invoiceOf(t, id);
  expect(issued).toMatchObject({ status: 'issued', serialNo: `${firstSerial.replace(/-1$/, '')}-2` });
  // The first try's failure, delivered again now: it names the old serial number, so nothing moves.
  await sandbox().deliverCallback(sandbox().invoices.get(firstSerial)!);
  expect(await invoiceOf(t, id)).toMatchObject({ status: 'issued', invoiceNo: issued.invoiceNo });
  // A try the platform lost (it restarted): the query finds nothing and it is sent again, same serial number.
  const lostId = await requested();
  sandbox().control.callbacks = false;
  await pump(t);
  const lost = await invoiceOf(t, lostId);
  sandbox().invoices.delete(lost.serialNo);
  t.clock.advance(INVOICE_CHECK_AFTER_MS + 1000);
  await t.app.services.invoices.checkPending();
  await sandbox().idle();
  expect(sandbox().invoices.get(lost.serialNo)?.state.status).toBe('issued');
  t.clock.advance(INVOICE_CHECK_AFTER_MS + 1000);
  await t.app.services.invoices.checkPending();
  expect((await invoiceOf(t, lostId)).status).toBe('issued');
  expect(await t.orm.em.fork().count(OutboxMessage, { topic: EINVOICE_ISSUE_TOPIC, dedupeKey: `einvoice-issue:${lost.serialNo}` })).toBe(1);
});

test('a subscriber fixes a refused title by asking again under the right one: the refused invoice is cancelled', async () => {
  sandbox().control.failNext = { code: 'BUYER_INVALID', reason: '购买方名称有误' };
  const bill = await billWithLines(t);
  const orderId = await paidOrder(t, user, [bill.id]);
  const first = (await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title: { ...COMPANY, name: '腾讯' } }).expect(201)).body.data.invoice.id as number;
  await pump(t);
  expect((await invoiceOf(t, first)).status).toBe('failed');
  const second = await t.request.post('/api/v1/invoices').set(auth(user)).send({ orderId, title: COMPANY }).expect(201);
  expect(second.body.data.invoice.id).not.toBe(first);
  expect(await invoiceOf(t, first)).toMatchObject({ status: 'cancelled', liveOrderId: null });
  await pump(t);
  expect((await invoiceOf(t, second.body.data.invoice.id)).status).toBe('issued');
});

test('out of order: a “processing” report after the result, and a “failed” one after “issued”, change nothing', async () => {
  const id = await requested();
  await pump(t);
  const inv = await invoiceOf(t, id);
  expect(inv.status).toBe('issued');
  const base: EinvoiceState = { serialNo: inv.serialNo, kind: 'blue', status: 'processing', invoiceNo: null, issuedAt: null, totalFen: inv.totalFen, taxFen: inv.taxFen, failCode: null, failReason: null };
  expect((await platformCallback(base)).body).toEqual({ code: 'SUCCESS' });
  expect((await platformCallback({ ...base, status: 'failed', failCode: 'REJECTED', failReason: '迟到的失败' })).body).toEqual({ code: 'SUCCESS' });
  expect(await invoiceOf(t, id)).toMatchObject({ status: 'issued', invoiceNo: inv.invoiceNo, checkAt: null, failCode: null });
  // A verified callback about a serial number nobody here knows is acknowledged, and changes nothing.
  expect((await platformCallback({ ...base, serialNo: 'OH999999-1-1', status: 'issued', invoiceNo: '26332000000000000000' })).status).toBe(200);
  expect(await audits('invoice.failed', id)).toBe(0);
});

test('the outbox gave up on a request (the platform was down for a day): the result check sends it, once', async () => {
  const id = await requested();
  const { serialNo } = await invoiceOf(t, id);
  await t.orm.em.fork().nativeUpdate(OutboxMessage, { dedupeKey: `einvoice-issue:${serialNo}` }, { status: 'dead', attempts: 20 });
  await pump(t);
  expect(sandbox().invoices.has(serialNo)).toBe(false);
  t.clock.advance(INVOICE_CHECK_AFTER_MS + 1000);
  expect(await t.app.services.invoices.checkPending()).toBe(1);
  await sandbox().idle();
  expect(await invoiceOf(t, id)).toMatchObject({ status: 'issued' });
  expect([...sandbox().invoices.keys()].filter((k) => k === serialNo)).toHaveLength(1);
});

test('a refused reversal (红冲) is listed for staff, who reissue it; the invoice for what is left waits for it', async () => {
  const id = await requested();
  await pump(t);
  const orderId = (await invoiceOf(t, id)).orderId;
  sandbox().control.failNext = { code: 'REJECTED', reason: '该发票已被购买方确认用途，需先撤销确认', kind: 'red' };
  await refund(orderId, 850);
  await pump(t);
  const original = await invoiceOf(t, id);
  expect(original).toMatchObject({ status: 'issued', reversalStatus: 'requested', redFailCode: 'REJECTED', replacedByInvoiceId: expect.any(Number) });
  // The replacement is held: not at the platform while the original still stands.
  const replacement = await invoiceOf(t, original.replacedByInvoiceId!);
  expect(replacement).toMatchObject({ status: 'requested', totalFen: 3000, checkAt: null });
  expect(sandbox().invoices.has(replacement.serialNo)).toBe(false);
  // The subscriber reads 红冲中; staff see why among the failures.
  expect((await t.request.get(`/api/v1/invoices/${id}`).set(auth(user)).expect(200)).body.data).toMatchObject({ state: 'reversing', stateName: '红冲中' });
  const failures = (await t.request.get('/api/v1/staff/invoices?state=failed').set(auth(agent)).expect(200)).body.data.items;
  expect(failures.find((i: { id: number }) => i.id === id)).toMatchObject({ state: 'reversing', reversalFailure: { code: 'REJECTED', reason: expect.stringContaining('撤销确认') }, reversalAttempts: 1 });

  const res = await t.request.post(`/api/v1/staff/invoices/${id}/reissue`).set(auth(agent)).send({ note: '购买方已撤销用途确认，重新红冲' }).expect(200);
  expect(res.body.data).toMatchObject({ state: 'reversing', reversalFailure: null, reversalAttempts: 2 });
  await t.request.post(`/api/v1/staff/invoices/${id}/reissue`).set(auth(agent)).send({ note: '再来一次' }).expect(409);
  await pump(t, 10);
  expect(await invoiceOf(t, id)).toMatchObject({ reversalStatus: 'reversed', redSerialNo: expect.stringMatching(/-2$/) });
  const after = await invoiceOf(t, replacement.id);
  expect(after).toMatchObject({ status: 'issued', totalFen: 3000 });
  expect(new Date(after.issuedAt!).getTime()).toBeGreaterThanOrEqual(new Date((await invoiceOf(t, id)).reversedAt!).getTime());
  expect(await audits('invoice.reissue_reversal', id)).toBe(1);
  expect(await audits('invoice.reversed', id)).toBe(1);
});

test('two partial refunds before the first reversal is done: the held invoice is repriced, not issued and reversed', async () => {
  const id = await requested();
  await pump(t);
  const orderId = (await invoiceOf(t, id)).orderId;
  sandbox().control.down = true;
  await refund(orderId, 850);
  await refund(orderId, 1000);
  const original = await invoiceOf(t, id);
  const held = await invoiceOf(t, original.replacedByInvoiceId!);
  expect(held).toMatchObject({ status: 'requested', totalFen: 2000, reversalStatus: null, liveOrderId: orderId });
  sandbox().control.down = false;
  await pump(t, 10);
  expect(await invoiceOf(t, id)).toMatchObject({ reversalStatus: 'reversed' });
  expect(await invoiceOf(t, held.id)).toMatchObject({ status: 'issued', totalFen: 2000, reversalStatus: null });
  const reversals = await t.orm.em.fork().find(OutboxMessage, { topic: 'einvoice.reverse' });
  expect(reversals.filter((m) => m.payload.invoiceId === held.id)).toEqual([]);
  expect(reversals.filter((m) => m.payload.invoiceId === id)).toHaveLength(1);
});
