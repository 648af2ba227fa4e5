import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { RecordResult } from '@openhall/shared';
import { createTestApp, onMysql, signInBySms, type TestApp } from '../../../test/harness';
import { signedBatchHeaders, signedReadHeaders } from '../../integrations/billing/billing.protocol';
import { Account } from '../accounts/account.entity';
import { BillLine } from '../billing/bill-line.entity';
import { Bill } from '../billing/bill.entity';
import { Subscription } from '../billing/subscription.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { alipayNotifyFor, eventually, orderOf } from '../payments/payments.test-support';
import { Refund } from '../payments/refund.entity';
import { BillingImport } from './billing-import.entity';
import { CHUNK_RECORDS } from './billing-imports.service';
import { CLOSE_PAID_ELSEWHERE_TOPIC } from './record-applier';

/** The real time: the payment sandboxes expire orders on it. */
const NOW = new Date();
const SECRET = 'sandbox-billing-secret';

let t: TestApp;
let seq = 0;
let accountSeq = 0;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: NOW });
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(NOW));

type Body = { data: Record<string, unknown> & { results?: RecordResult[] }; error?: { code: string; details?: Record<string, unknown> } };

/** Sends records as one signed batch and waits for it to be applied. */
async function push(records: Array<Record<string, unknown>> | string, opts: { batchId?: string; secret?: string; at?: Date; wait?: boolean } = {}) {
  const body = typeof records === 'string' ? records : records.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const batchId = opts.batchId ?? `batch-${process.pid}-${++seq}`;
  const res = await t.request
    .post(`/api/v1/integrations/billing/batches${opts.wait === false ? '' : '?wait=true'}`)
    .set(signedBatchHeaders(opts.secret ?? SECRET, batchId, body, opts.at ?? t.clock.now()))
    .send(body);
  return { status: res.status, body: res.body as Body, batchId };
}

const resultsOf = async (records: Array<Record<string, unknown>> | string, opts?: Parameters<typeof push>[1]) => (await push(records, opts)).body.data.results!;

function accountNo(): string {
  return String(7_000_000_000 + process.pid * 10 + ++accountSeq).slice(0, 10);
}

const account = (no: string, over: Record<string, unknown> = {}) => ({
  type: 'account',
  id: no,
  version: 1,
  holderName: '王小明',
  holderPhone: '13900001111',
  address: '拱墅区湖墅南路 1 号',
  area: 'gongshu',
  serviceType: 'water',
  status: 'active',
  ...over,
});

const bill = (id: string, no: string, over: Record<string, unknown> = {}) => ({
  type: 'bill',
  id,
  version: 1,
  accountNo: no,
  period: '2026-11',
  dueDate: '2026-12-20',
  amountFen: 4350 + 2150,
  lines: [
    { itemCode: 'water', name: '水费', quantity: 15, unit: '立方米', unitPriceFen: 290, amountFen: 4350 },
    { itemCode: 'sewage', name: '污水处理费', quantity: 15, unit: '立方米', unitPriceFen: 143, amountFen: 2150 },
  ],
  ...over,
});

const payment = (id: string, no: string, billIds: string[], amountFen: number, over: Record<string, unknown> = {}) => ({
  type: 'payment',
  id,
  version: 1,
  accountNo: no,
  channel: 'counter',
  paidAt: '2026-12-04T09:30:00+08:00',
  amountFen,
  bills: billIds.map((b) => ({ id: b })),
  ...over,
});

const phones = new WeakMap<Record<string, string>, string>();
const subscriberPhone = (auth: Record<string, string>) => phones.get(auth)!;

/** A subscriber signed in with `no` bound (by the holder name the records gave it). */
async function subscriberOf(no: string, holderName = '王小明'): Promise<Record<string, string>> {
  const phone = `1380013${String(accountSeq).padStart(4, '0')}`;
  const ip = `10.77.${accountSeq % 250}.1`;
  const token = await signInBySms(t, phone, ip);
  const auth = { Authorization: `Bearer ${token}`, 'X-Forwarded-For': ip };
  phones.set(auth, phone);
  await t.request.post('/api/v1/accounts/bind').set(auth).send({ accountNo: no, holderName }).expect(201);
  return auth;
}

const owed = async (auth: Record<string, string>) =>
  (await t.request.get('/api/v1/bills?status=unpaid,overdue').set(auth).expect(200)).body.data.items as Array<{ id: number; period: string; amountFen: number }>;
/** A bill's lines, as its detail shows them. */
const linesOf = async (auth: Record<string, string>, billId: number) =>
  (await t.request.get(`/api/v1/bills/${billId}`).set(auth).expect(200)).body.data.lines as Array<{ name: string; amountFen: number }>;
const billRow = (externalId: string) => t.orm.em.fork().findOneOrFail(Bill, { externalId });

describe('the signed inlet', () => {
  test('an account, its package and a bill with lines are applied in one batch; the subscriber binds and sees the bill', async () => {
    const no = accountNo();
    const res = await push([
      account(no, { serviceType: 'tv_broadband' }),
      { type: 'package', id: `S${no}TV`, version: 1, accountNo: no, product: 'tv', packageCode: 'tv_basic', packageName: '有线电视基本收视', monthlyFeeFen: 2650, startedOn: '2026-07-01', expiresOn: '2026-12-31' },
      bill(`B${no}-1`, no),
    ]);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'done', records: 3, accepted: 3, unchanged: 0, rejected: 0, replayed: false });
    expect(res.body.data.results!.map((r) => [r.line, r.type, r.outcome])).toEqual([
      [1, 'account', 'accepted'],
      [2, 'package', 'accepted'],
      [3, 'bill', 'accepted'],
    ]);
    const auth = await subscriberOf(no);
    const [shown] = await owed(auth);
    expect(shown).toMatchObject({ period: '2026-11', amountFen: 6500 });
    expect(await linesOf(auth, shown.id)).toEqual([expect.objectContaining({ name: '水费' }), expect.objectContaining({ name: '污水处理费' })]);
    expect(await t.orm.em.fork().count(Subscription, { externalId: `S${no}TV` })).toBe(1);
  });

  test('the same records again change nothing; a replayed batch id answers the import it made; an older version is ignored and reported', async () => {
    const no = accountNo();
    const first = await push([account(no), bill(`B${no}-1`, no, { version: 3 })]);
    expect(first.body.data.accepted).toBe(2);
    const again = await push([account(no), bill(`B${no}-1`, no, { version: 3 })]);
    expect(again.body.data.results!.map((r) => [r.outcome, r.reason])).toEqual([
      ['unchanged', 'same_version'],
      ['unchanged', 'same_version'],
    ]);
    const replay = await push([account(no)], { batchId: first.batchId });
    expect(replay.status).toBe(200);
    expect(replay.body.data).toMatchObject({ id: first.body.data.id, replayed: true, accepted: 2 });

    const older = await resultsOf([bill(`B${no}-1`, no, { version: 2, amountFen: 1, lines: [{ itemCode: 'water', name: '水费', quantity: 1, unit: '立方米', unitPriceFen: 1, amountFen: 1 }] })]);
    expect(older[0]).toMatchObject({ outcome: 'unchanged', reason: 'older_version', field: 'version' });
    expect(Number((await billRow(`B${no}-1`)).amountFen)).toBe(6500);
  });

  test('a newer version corrects an unpaid bill, lines included, and the bills page and the bill’s detail show the correction at once', async () => {
    const no = accountNo();
    await push([account(no), bill(`B${no}-1`, no)]);
    const auth = await subscriberOf(no);
    expect(await linesOf(auth, (await owed(auth))[0].id)).toHaveLength(2);
    const corrected = bill(`B${no}-1`, no, { version: 2, amountFen: 2900, lines: [{ itemCode: 'water', name: '水费（更正）', quantity: 10, unit: '立方米', unitPriceFen: 290, amountFen: 2900 }] });
    expect((await resultsOf([corrected]))[0].outcome).toBe('accepted');
    const [shown] = await owed(auth);
    expect(shown).toMatchObject({ amountFen: 2900 });
    expect(await linesOf(auth, shown.id)).toEqual([expect.objectContaining({ name: '水费（更正）', amountFen: 2900 })]);
    expect(await t.orm.em.fork().count(BillLine, { billId: shown.id })).toBe(1);
  });

  test('several bills in one period (a supplementary bill) are kept apart', async () => {
    const no = accountNo();
    await push([account(no), bill(`B${no}-1`, no), bill(`B${no}-2`, no, { kind: 'supplementary', amountFen: 500, lines: [{ itemCode: 'water', name: '水费补收', quantity: 1, unit: '项', unitPriceFen: 500, amountFen: 500 }] })]);
    const auth = await subscriberOf(no);
    expect((await owed(auth)).map((b) => b.amountFen).sort()).toEqual([500, 6500]);
  });

  test('bad records are refused one by one, each naming the field and the reason; nothing of them is written', async () => {
    const no = accountNo();
    const closed = accountNo();
    await push([account(no), account(closed, { status: 'closed' })]);
    const results = await resultsOf(
      [
        bill(`X${no}-1`, '7999999999'),
        bill(`X${no}-2`, no, { amountFen: -100 }),
        bill(`X${no}-3`, no, { amountFen: 6500.5 }),
        bill(`X${no}-4`, no, { amountFen: 7000 }),
        bill(`X${no}-5`, closed),
        account(accountNo(), { area: 'atlantis' }),
        { type: 'meter_reading', id: 'm1', version: 1 },
        bill(`X${no}-6`, no, {
          amountFen: 290,
          lines: [
            { itemCode: 'water', name: '水费', quantity: 1, unit: '立方米', unitPriceFen: 290, amountFen: -290 },
            { itemCode: 'water', name: '水费', quantity: 2, unit: '立方米', unitPriceFen: 290, amountFen: 580 },
          ],
        }),
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n{"type": "bill", oops\n',
    );
    expect(results.map((r) => [r.line, r.outcome, r.reason, r.field])).toEqual([
      [1, 'rejected', 'unknown_account', 'accountNo'],
      [2, 'rejected', 'invalid', 'amountFen'],
      [3, 'rejected', 'invalid', 'amountFen'],
      [4, 'rejected', 'invalid', 'amountFen'],
      [5, 'rejected', 'account_closed', 'accountNo'],
      [6, 'rejected', 'unknown_area', 'area'],
      [7, 'rejected', 'invalid', 'type'],
      [8, 'rejected', 'invalid', 'lines.0.amountFen'],
      [9, 'rejected', 'not_json', undefined],
    ]);
    for (const r of results) expect(r.message).toEqual(expect.any(String));
    expect(results[3].message).toContain('7000');
    expect(await t.orm.em.fork().count(Bill, { externalId: { $like: `X${no}%` } })).toBe(0);
  });

  test('forged, stale, unsigned and mislabelled batches are refused and leave nothing behind', async () => {
    const no = accountNo();
    const body = JSON.stringify(account(no)) + '\n';
    const forged = await push(body, { secret: 'someone-elses-secret-000' });
    expect(forged.status).toBe(401);
    expect(forged.body.error).toMatchObject({ code: 'BILLING_SIGNATURE_INVALID', details: { reason: 'bad_signature' } });
    const stale = await push(body, { at: new Date(t.clock.now().getTime() - 6 * 60_000) });
    expect(stale.body.error!.details).toMatchObject({ reason: 'stale' });
    const headers = signedBatchHeaders(SECRET, 'tampered', body, t.clock.now());
    expect((await t.request.post('/api/v1/integrations/billing/batches').set(headers).send(body.replace('王小明', '李小明'))).status).toBe(401);
    expect((await t.request.post('/api/v1/integrations/billing/batches').set({ ...headers, 'Content-Type': 'application/json' }).send(body)).status).toBe(415);
    expect(await t.orm.em.fork().count(Account, { accountNo: no })).toBe(0);
    const dir = path.join(t.config.dataDir, 'imports');
    expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('incoming-')) : []).toEqual([]);
  });

  test('progress and results are signed reads: rejected results alone, as NDJSON', async () => {
    const no = accountNo();
    const { body } = await push([account(no), bill(`B${no}-1`, '7999999999')], { wait: true });
    const id = body.data.id as number;
    const url = `/api/v1/integrations/billing/imports/${id}`;
    expect((await t.request.get(url)).status).toBe(401);
    const progress = await t.request.get(url).set(signedReadHeaders(SECRET, url, t.clock.now())).expect(200);
    expect(progress.body.data).toMatchObject({ status: 'done', records: 2, accepted: 1, rejected: 1, processedBytes: progress.body.data.bytes });
    const resultsUrl = `${url}/results?outcome=rejected`;
    const results = await t.request.get(resultsUrl).set(signedReadHeaders(SECRET, resultsUrl, t.clock.now())).buffer(true).parse((res, cb) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => cb(null, text));
    });
    expect(results.status).toBe(200);
    expect(results.headers['content-type']).toContain('application/x-ndjson');
    const lines = (results.body as string).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ line: 2, outcome: 'rejected', reason: 'unknown_account' })]);
  });

  test('an import stopped mid-batch (the database went away) resumes from its checkpoint, each record applied once', async () => {
    const no = accountNo();
    const records = [account(no), ...Array.from({ length: CHUNK_RECORDS + 500 }, (_, i) => bill(`R${no}-${i}`, no))];
    const svc = t.app.services.billingImports;
    const applier = (svc as unknown as { applier: { applyChunk: (...a: unknown[]) => Promise<unknown> } }).applier;
    const real = applier.applyChunk.bind(applier);
    let calls = 0;
    const spy = jest.spyOn(applier, 'applyChunk').mockImplementation(async (...args: unknown[]) => {
      if (++calls === 2) throw new Error('Connection lost: The server closed the connection.');
      return real(...args);
    });
    try {
      const { body } = await push(records, { wait: false });
      const id = body.data.id as number;
      await svc.waitFor(id);
      const stopped = await t.orm.em.fork().findOneOrFail(BillingImport, id);
      expect(stopped).toMatchObject({ status: 'running', records: CHUNK_RECORDS, accepted: CHUNK_RECORDS, claimedBy: null, error: expect.stringContaining('Connection lost') });
      expect(await svc.resumeStale()).toBe(0); // not before the pause
      t.clock.advance(31_000);
      expect(await svc.resumeStale()).toBe(1);
      const done = await t.orm.em.fork().findOneOrFail(BillingImport, id);
      expect(done).toMatchObject({ status: 'done', records: records.length, accepted: records.length, unchanged: 0, rejected: 0 });
      expect(Number(done.processedBytes)).toBe(Number(done.bytes));
      expect(await t.orm.em.fork().count(Bill, { externalId: { $like: `R${no}-%` } })).toBe(records.length - 1);
      const lines: number[] = [];
      for await (const r of svc.results(id)) lines.push(r.line);
      expect(lines).toEqual(Array.from({ length: records.length }, (_, i) => i + 1));
    } finally {
      spy.mockRestore();
    }
  });
  test(`chunks naming different accounts ${onMysql ? 'run alongside but commit in order' : 'run one after the other'}: when the first fails, the second rolls back with it, and a resume applies each record once`, async () => {
    const [a, b] = [accountNo(), accountNo()];
    await push([account(a), account(b)]);
    const records = [
      ...Array.from({ length: CHUNK_RECORDS }, (_, i) => bill(`K${a}-${i}`, a)),
      ...Array.from({ length: CHUNK_RECORDS }, (_, i) => bill(`K${b}-${i}`, b)),
      ...Array.from({ length: 10 }, (_, i) => bill(`K${a}-x${i}`, a)),
    ];
    const svc = t.app.services.billingImports;
    const applier = (svc as unknown as { applier: { applyChunk: (...a: unknown[]) => Promise<unknown> } }).applier;
    const real = applier.applyChunk.bind(applier);
    let calls = 0;
    let secondStarted = false;
    const spy = jest.spyOn(applier, 'applyChunk').mockImplementation(async (...args: unknown[]) => {
      const call = ++calls;
      if (call === 2) secondStarted = true;
      const result = await real(...args);
      if (call === 1) {
        // The first chunk's statements ran; it fails just before it would commit, after the second has begun (on MySQL).
        for (let i = 0; i < 200 && onMysql && !secondStarted; i++) await new Promise((r) => setTimeout(r, 5));
        throw new Error('Connection lost: The server closed the connection.');
      }
      return result;
    });
    let id: number;
    try {
      id = (await push(records, { wait: false })).body.data.id as number;
      await svc.waitFor(id);
    } finally {
      spy.mockRestore();
    }
    expect(secondStarted).toBe(onMysql);
    const stopped = await t.orm.em.fork().findOneOrFail(BillingImport, id);
    expect(stopped).toMatchObject({ status: 'running', records: 0, processedBytes: 0 });
    expect(await t.orm.em.fork().count(Bill, { externalId: { $like: `K%` } })).toBe(0);
    t.clock.advance(31_000);
    expect(await svc.resumeStale()).toBe(1);
    expect(await t.orm.em.fork().findOneOrFail(BillingImport, id)).toMatchObject({ status: 'done', records: records.length, accepted: records.length });
    expect(await t.orm.em.fork().count(Bill, { externalId: { $like: `K%` } })).toBe(records.length);
    const lines: number[] = [];
    for await (const r of svc.results(id)) lines.push(r.line);
    expect(lines).toEqual(Array.from({ length: records.length }, (_, i) => i + 1));
  });
});

describe('money taken elsewhere', () => {
  async function accountWithBill(): Promise<{ no: string; auth: Record<string, string>; billId: number; externalId: string }> {
    const no = accountNo();
    const externalId = `B${no}-1`;
    await push([account(no), bill(externalId, no)]);
    const auth = await subscriberOf(no);
    return { no, auth, billId: (await billRow(externalId)).id, externalId };
  }

  test('a bill paid at the counter leaves the owed list at once, shows where it was paid, and cannot be paid again', async () => {
    const { no, auth, billId, externalId } = await accountWithBill();
    const [r] = await resultsOf([payment(`P${no}-1`, no, [externalId], 6500)]);
    expect(r.outcome).toBe('accepted');
    expect(await owed(auth)).toEqual([]);
    const detail = (await t.request.get(`/api/v1/bills/${billId}`).set(auth).expect(200)).body.data;
    expect(detail).toMatchObject({ status: 'paid', payment: null, paidElsewhere: { channel: 'counter', channelName: '营业厅窗口' } });
    const pay = await t.request.post('/api/v1/payments').set(auth).send({ billIds: [billId], channel: 'alipay_wap' }).expect(409);
    expect(pay.body.error).toMatchObject({ code: 'BILL_ALREADY_PAID', message: expect.stringContaining('营业厅窗口') });
    // The same payment again changes nothing; a second payment for the bill is refused.
    expect((await resultsOf([payment(`P${no}-1`, no, [externalId], 6500)]))[0].outcome).toBe('unchanged');
    expect((await resultsOf([payment(`P${no}-2`, no, [externalId], 6500, { channel: 'bank' })]))[0]).toMatchObject({ outcome: 'rejected', reason: 'already_paid' });
  });

  test('a payment must match its bills and late fees; a bill paid through the portal is reported, not paid again', async () => {
    const { no, auth, billId, externalId } = await accountWithBill();
    expect((await resultsOf([payment(`P${no}-x`, no, [externalId], 6400)]))[0]).toMatchObject({ outcome: 'rejected', reason: 'amount_mismatch', field: 'amountFen' });
    expect((await resultsOf([payment(`P${no}-y`, no, [externalId], 6600, { bills: [{ id: externalId, lateFeeFen: 100 }] })]))[0].outcome).toBe('accepted');
    expect(Number((await billRow(externalId)).lateFeeFen)).toBe(100);

    const other = await accountWithBill();
    const order = await t.request.post('/api/v1/payments').set(other.auth).send({ billIds: [other.billId], channel: 'alipay_wap' }).expect(201);
    t.deps.sandboxes.alipay!.payUrl(order.body.data.pay.url);
    await eventually(async () => (await billRow(other.externalId)).status === 'paid');
    const [r] = await resultsOf([payment(`P${other.no}-1`, other.no, [other.externalId], 6500)]);
    expect(r).toMatchObject({ outcome: 'rejected', reason: 'paid_here', field: 'bills.0.id' });
    void auth;
    void billId;
  });

  test('a counter payment while the subscriber’s order is open: the order is closed at its gateway, and money that still arrives is refunded once, saying why', async () => {
    const { no, auth, billId, externalId } = await accountWithBill();
    const created = await t.request.post('/api/v1/payments').set(auth).send({ billIds: [billId], channel: 'alipay_wap' }).expect(201);
    const orderId = created.body.data.order.id as number;
    t.deps.sandboxes.alipay!.openPayUrl(created.body.data.pay.url); // the payer is at the cashier

    const [r] = await resultsOf([payment(`P${no}-1`, no, [externalId], 6500)]);
    expect(r.outcome).toBe('accepted');
    expect(await owed(auth)).toEqual([]);
    const close = await t.orm.em.fork().findOneOrFail(OutboxMessage, { topic: CLOSE_PAID_ELSEWHERE_TOPIC, dedupeKey: `close-paid-elsewhere:${orderId}` });
    expect(close.status).toBe('pending');
    await t.app.services.outbox.runOnce(new Date(Date.now() + 1_000));
    expect((await orderOf(t, orderId)).status).toBe('closed');
    expect(t.deps.sandboxes.alipay!.ledger.trade(created.body.data.order.outTradeNo)?.status).toBe('TRADE_CLOSED');

    // The payer had the cashier open: Alipay's notification arrives anyway, twice.
    const notify = alipayNotifyFor(t, { outTradeNo: created.body.data.order.outTradeNo, amountFen: 6500 });
    for (let i = 0; i < 2; i++) {
      const answer = await t.request.post('/api/v1/payments/notify/alipay').type('form').send(notify);
      expect(answer.text).toBe('success');
    }
    const refunds = await t.orm.em.fork().find(Refund, { orderId });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ kind: 'auto_duplicate', amountFen: 6500, reason: expect.stringContaining('已在营业厅窗口缴清') });
    expect(refunds[0].reason).toContain('65.00 元将原路退回');
    expect((await billRow(externalId)).paymentId).toBeNull();
    // The payer is told why, once, in words (the H5 payer by SMS).
    await t.app.services.outbox.runOnce(new Date(Date.now() + 1_000));
    const told = t.deps.sandboxes.sms!.list(subscriberPhone(auth)).filter((m) => m.text.includes('原路退回'));
    expect(told).toHaveLength(1);
    expect(told[0].text).toContain('已在营业厅窗口缴清');
    expect(told[0].text).toContain('65.00元');
  });

  test('money for an order whose bill was paid at the counter before it could be closed is refunded as a duplicate', async () => {
    const { no, auth, billId, externalId } = await accountWithBill();
    const created = await t.request.post('/api/v1/payments').set(auth).send({ billIds: [billId], channel: 'alipay_wap' }).expect(201);
    const orderId = created.body.data.order.id as number;
    await resultsOf([payment(`P${no}-1`, no, [externalId], 6500, { channel: 'bank' })]);
    t.deps.sandboxes.alipay!.payUrl(created.body.data.pay.url);
    const refund = await eventually(() => t.orm.em.fork().findOne(Refund, { orderId }));
    expect(refund).toMatchObject({ kind: 'auto_duplicate', reason: expect.stringContaining('已在银行代扣缴清') });
    expect((await billRow(externalId)).paidChannel).toBe('bank');
  });

  test('a cancellation (冲正) removes an unpaid bill; it is refused while the bill is being paid here, and once it is paid', async () => {
    const a = await accountWithBill();
    expect((await resultsOf([{ type: 'bill_cancel', id: a.externalId, version: 2, reason: '抄表错误' }]))[0].outcome).toBe('accepted');
    expect(await owed(a.auth)).toEqual([]);
    await t.request.get(`/api/v1/bills/${a.billId}`).set(a.auth).expect(404);
    const pay = await t.request.post('/api/v1/payments').set(a.auth).send({ billIds: [a.billId], channel: 'alipay_wap' }).expect(409);
    expect(pay.body.error.code).toBe('BILL_CANCELLED');

    const b = await accountWithBill();
    await t.request.post('/api/v1/payments').set(b.auth).send({ billIds: [b.billId], channel: 'alipay_wap' }).expect(201);
    const refused = await resultsOf([
      { type: 'bill_cancel', id: b.externalId, version: 2, reason: '抄表错误' },
      bill(b.externalId, b.no, { version: 2, amountFen: 100, lines: [{ itemCode: 'water', name: '水费', quantity: 1, unit: '项', unitPriceFen: 100, amountFen: 100 }] }),
    ]);
    expect(refused.map((r) => r.reason)).toEqual(['in_open_order', 'in_open_order']);

    const c = await accountWithBill();
    await resultsOf([payment(`P${c.no}-1`, c.no, [c.externalId], 6500)]);
    expect((await resultsOf([{ type: 'bill_cancel', id: c.externalId, version: 2, reason: '抄表错误' }]))[0]).toMatchObject({ outcome: 'rejected', reason: 'already_paid' });
  });
});
