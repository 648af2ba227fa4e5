import type { BillShareView, PayForAccountView, SharedBillView } from '@openhall/shared';
import { createTestApp, signInBySms, type TestApp } from '../../../test/harness';
import { DEMO_FIXTURES } from '../../seeders/demo.seeder';
import { AuditLog } from '../audit/audit-log.entity';
import { Bill } from '../billing/bill.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { eventually, orderOf } from '../payments/payments.test-support';
import { Account } from '../accounts/account.entity';

/**
 * Paying for someone else: an account by its number (代缴) and bills its holder shared (分享代付),
 * through the same verified settlement as one's own bills.
 */

const { waterOwing, waterPaidUp, tvBroadband } = DEMO_FIXTURES;
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { SANDBOX_NOTIFY_SCALE: '0.001' } });
});
afterAll(async () => {
  await t.deps.sandboxes.close();
  await t.close();
});

let seq = 0;
async function user() {
  seq += 1;
  const ip = `10.70.0.${seq}`;
  const phone = `1350000${String(seq).padStart(4, '0')}`;
  const token = await signInBySms(t, phone, ip);
  return { headers: { Authorization: `Bearer ${token}`, 'X-Forwarded-For': ip }, phone, ip };
}

async function payWithAlipay(res: { body: { data: { order: { id: number }; pay: { url: string } } } }) {
  t.deps.sandboxes.alipay!.payUrl(res.body.data.pay.url);
  await eventually(async () => (await orderOf(t, res.body.data.order.id)).status === 'paid');
}

const billsOf = (accountNo: string) =>
  t.orm.em
    .fork()
    .findOneOrFail(Account, { accountNo })
    .then((a) => t.orm.em.fork().find(Bill, { accountId: a.id }, { orderBy: { period: 'asc' } }));

test('a lookup shows the holder masked, the district and what is owed, nothing more; no account and nothing owed answer alike; each is logged', async () => {
  const payer = await user();
  const res = await t.request.post('/api/v1/pay-for/lookup').set(payer.headers).send({ accountNo: '１０００ ０００ ００１' }).expect(200);
  const view = res.body.data as PayForAccountView;
  expect(view).toMatchObject({ accountNo: waterOwing.accountNo, holderNameMasked: '张*', areaName: '上城区', serviceType: 'water', saved: false });
  expect(view.bills).toHaveLength(waterOwing.unpaidBills);
  expect(view.totalFen).toBe(view.bills.reduce((s, b) => s + b.totalFen, 0));
  const text = JSON.stringify(res.body);
  for (const secret of [waterOwing.holderName, waterOwing.phone, waterOwing.address, '望江']) expect(text).not.toContain(secret);

  const none = await t.request.post('/api/v1/pay-for/lookup').set(payer.headers).send({ accountNo: '1999999999' }).expect(404);
  const paidUp = await t.request.post('/api/v1/pay-for/lookup').set(payer.headers).send({ accountNo: waterPaidUp.accountNo }).expect(404);
  expect(paidUp.body.error).toEqual({ ...none.body.error, requestId: paidUp.body.error.requestId });
  expect(none.body.error.code).toBe('PAY_FOR_NOTHING_OWED');
  await t.request.post('/api/v1/pay-for/lookup').set(payer.headers).send({ accountNo: '12345' }).expect(400);

  const logged = await t.orm.em.fork().find(AuditLog, { action: 'payfor.lookup', entityId: { $in: [waterOwing.accountNo, '1999999999', waterPaidUp.accountNo] } });
  expect(logged.map((l) => [l.entityId, (l.detail as { found: boolean }).found]).sort()).toEqual([
    ['1000000001', true],
    ['1000000002', false],
    ['1999999999', false],
  ]);
});

test('lookups are limited per user and per IP', async () => {
  const payer = await user();
  for (let i = 0; i < 20; i++) await t.request.post('/api/v1/pay-for/lookup').set(payer.headers).send({ accountNo: String(1_900_000_000 + i) }).expect(404);
  const limited = await t.request.post('/api/v1/pay-for/lookup').set(payer.headers).send({ accountNo: waterOwing.accountNo }).expect(429);
  expect(limited.headers['retry-after']).toBeDefined();
  // Keeping an account counts as a lookup: no way around the limit.
  await t.request.post('/api/v1/pay-for/accounts').set(payer.headers).send({ accountNo: waterOwing.accountNo }).expect(429);
});

test('paying by account number: the payer’s own order settles the holder’s bill; a bill of another account is not found', async () => {
  const payer = await user();
  const [overdue] = (await billsOf(tvBroadband.accountNo)).filter((b) => b.status === 'unpaid');
  const wrong = await t.request.post('/api/v1/pay-for/payments').set(payer.headers).send({ accountNo: waterOwing.accountNo, billIds: [overdue.id], channel: 'alipay_wap' }).expect(404);
  expect(wrong.body.error.code).toBe('NOT_FOUND');
  const res = await t.request.post('/api/v1/pay-for/payments').set(payer.headers).send({ accountNo: tvBroadband.accountNo, billIds: [overdue.id], channel: 'alipay_wap' }).expect(201);
  await payWithAlipay(res);
  expect((await t.orm.em.fork().findOneOrFail(Bill, overdue.id)).status).toBe('paid');
  const order = await t.request.get(`/api/v1/payments/${res.body.data.order.id}`).set(payer.headers).expect(200);
  expect(order.body.data).toMatchObject({ status: 'paid', kind: 'bills' });
});

test('accounts I pay for are kept without binding and forgotten on request', async () => {
  const payer = await user();
  const kept = await t.request.post('/api/v1/pay-for/accounts').set(payer.headers).send({ accountNo: waterOwing.accountNo }).expect(201);
  expect(kept.body.data).toMatchObject({ accountNo: waterOwing.accountNo, saved: true });
  await t.request.post('/api/v1/pay-for/accounts').set(payer.headers).send({ accountNo: waterOwing.accountNo }).expect(201); // again: still once
  const list = (await t.request.get('/api/v1/pay-for/accounts').set(payer.headers).expect(200)).body.data as PayForAccountView[];
  expect(list.map((a) => [a.accountNo, a.holderNameMasked])).toEqual([[waterOwing.accountNo, '张*']]);
  expect((await t.request.get('/api/v1/accounts').set(payer.headers).expect(200)).body.data).toEqual([]);
  await t.request.delete(`/api/v1/pay-for/accounts/${waterOwing.accountNo}`).set(payer.headers).expect(204);
  expect((await t.request.get('/api/v1/pay-for/accounts').set(payer.headers).expect(200)).body.data).toEqual([]);
});

describe('shared bills', () => {
  /** A holder of a fresh account with two unpaid bills. */
  async function holderWithBills() {
    seq += 1;
    const em = t.orm.em.fork();
    const account = Object.assign(new Account(), {
      accountNo: String(1_800_000_000 + seq),
      serviceType: 'water',
      holderName: '吴九',
      holderPhone: '13900000009',
      address: '西湖区文三路 9 号',
      area: 'xihu',
      createdAt: new Date(),
    });
    await em.persistAndFlush(account);
    const bills = ['2026-10', '2026-11'].map((period) =>
      Object.assign(new Bill(), { accountId: account.id, externalId: `B${account.accountNo}${period}`, sourceVersion: 1, kind: 'regular', period, dueDate: '2099-12-20', amountFen: 4200, status: 'unpaid', lateFeeFen: 0, createdAt: new Date() }),
    );
    await em.persistAndFlush(bills);
    const holder = await user();
    await t.request.post('/api/v1/accounts/bind').set(holder.headers).send({ accountNo: account.accountNo, holderName: '吴九' }).expect(201);
    return { account, bills, holder };
  }

  const share = async (headers: Record<string, string>, billIds: number[]) => (await t.request.post('/api/v1/bill-shares').set(headers).send({ billIds }).expect(201)).body.data as BillShareView;
  const opened = async (token: string) => (await t.request.get(`/api/v1/shares/${token}`).expect(200)).body.data as SharedBillView;

  test('anyone with the link sees the amount and the holder masked; another user pays it; the holder is told who (masked); it cannot be paid again', async () => {
    const { account, bills, holder } = await holderWithBills();
    const s = await share(holder.headers, bills.map((b) => b.id));
    expect(s).toMatchObject({ status: 'active', amountFen: 8400, periods: ['2026-10', '2026-11'], accountNo: account.accountNo });
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const seen = await opened(s.token);
    expect(seen).toMatchObject({ status: 'active', holderNameMasked: '吴*', areaName: '西湖区', totalFen: 8400 });
    expect(JSON.stringify(seen)).not.toContain('文三路');
    await t.request.get('/api/v1/shares/not-a-token').expect(400);
    await t.request.get(`/api/v1/shares/${'x'.repeat(32)}`).expect(404);

    const payer = await user();
    await t.request.post(`/api/v1/shares/${s.token}/pay`).send({ channel: 'alipay_wap' }).expect(401); // paying needs a sign-in
    const res = await t.request.post(`/api/v1/shares/${s.token}/pay`).set(payer.headers).send({ channel: 'alipay_wap' }).expect(201);
    expect(res.body.data.order.amountFen).toBe(8400);
    await payWithAlipay(res);
    expect((await opened(s.token)).status).toBe('paid');
    const mine = (await t.request.get('/api/v1/bill-shares').set(holder.headers).expect(200)).body.data as BillShareView[];
    expect(mine[0]).toMatchObject({ id: s.id, status: 'paid', paidByMasked: `${payer.phone.slice(0, 3)}****${payer.phone.slice(7)}` });
    const notice = await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: `notify-send:share-paid:${s.id}` });
    expect(notice.payload).toMatchObject({ event: 'share_paid', vars: { accountNo: account.accountNo, amount: '84.00', payer: mine[0].paidByMasked } });
    const again = await t.request.post(`/api/v1/shares/${s.token}/pay`).set((await user()).headers).send({ channel: 'alipay_wap' }).expect(409);
    expect(again.body.error.code).toBe('SHARE_NOT_PAYABLE');
  });

  test('two people paying one shared bill at once: one order is made, the other is told it is being paid', async () => {
    const { bills, holder } = await holderWithBills();
    const s = await share(holder.headers, [bills[0].id]);
    const [a, b] = [await user(), await user()];
    const answers = await Promise.all([a, b].map((p) => t.request.post(`/api/v1/shares/${s.token}/pay`).set(p.headers).send({ channel: 'alipay_wap' })));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(answers.find((r) => r.status === 409)!.body.error.code).toBe('BILL_IN_OPEN_ORDER');
  });

  test('a share ends after seven days, when a bill changes, or when withdrawn; only its holder can share or withdraw', async () => {
    const { bills, holder } = await holderWithBills();
    const stranger = await user();
    await t.request.post('/api/v1/bill-shares').set(stranger.headers).send({ billIds: [bills[0].id] }).expect(404);

    const s1 = await share(holder.headers, [bills[0].id]);
    t.clock.advance(7 * 86_400_000 + 1000);
    expect((await opened(s1.token)).status).toBe('expired');
    const late = await t.request.post(`/api/v1/shares/${s1.token}/pay`).set(stranger.headers).send({ channel: 'alipay_wap' }).expect(409);
    expect(late.body.error.message).toContain('已失效');

    const s2 = await share(holder.headers, [bills[1].id]);
    await t.orm.em.fork().nativeUpdate(Bill, { id: bills[1].id }, { amountFen: 5000, sourceVersion: 2 }); // corrected by the billing system
    expect((await opened(s2.token)).status).toBe('expired');
    await t.orm.em.fork().nativeUpdate(Bill, { id: bills[1].id }, { amountFen: 4200, sourceVersion: 1 });

    const s3 = await share(holder.headers, [bills[1].id]);
    await t.request.post(`/api/v1/bill-shares/${s3.id}/withdraw`).set(stranger.headers).expect(404);
    expect((await t.request.post(`/api/v1/bill-shares/${s3.id}/withdraw`).set(holder.headers).expect(200)).body.data.status).toBe('withdrawn');
    expect((await opened(s3.token)).status).toBe('withdrawn');
    await t.request.post(`/api/v1/bill-shares/${s3.id}/withdraw`).set(holder.headers).expect(409);
  });
});
