import { businessDate, addDays } from '@openhall/shared';
import { createTestApp, DEMO_STAFF_PASSWORDS, signInStaff, type TestApp } from '../../test/harness';
import { loadConfig } from '../config';
import { Account } from '../modules/accounts/account.entity';
import { Bill } from '../modules/billing/bill.entity';
import { BillLine } from '../modules/billing/bill-line.entity';
import { Subscription } from '../modules/billing/subscription.entity';
import { BalanceEntry } from '../modules/prepaid/balance-entry.entity';
import { Guide } from '../modules/content/guide.entity';
import { Hall } from '../modules/content/hall.entity';
import { Notice } from '../modules/content/notice.entity';
import { StaffUser } from '../modules/staff/staff-user.entity';
import { buildDemoAccounts } from './demo-accounts';
import { buildPriceBook } from './demo-billing';
import { loadDemoContent } from './demo-content';
import { DEMO_FIXTURES, DEMO_STAFF, seedDemo } from './demo.seeder';
import { demoBillingRecords } from './demo-records';
import { signedBatchHeaders } from '../integrations/billing/billing.protocol';

/** 25 Nov 2026, 10:00 in Shanghai: after the 20th, so last month's bill is already overdue. */
const NOW = new Date('2026-11-25T10:00:00+08:00');
const TODAY = businessDate(NOW);

/** Everything about an account's bills that the demo promises is stable, keyed by account number. */
async function billSnapshot(t: TestApp): Promise<Record<string, string[]>> {
  const em = t.orm.em.fork();
  const accounts = await em.find(Account, {}, { orderBy: { accountNo: 'asc' } });
  const bills = await em.find(Bill, {}, { orderBy: { accountId: 'asc', period: 'asc' } });
  const noById = new Map(accounts.map((a) => [a.id, a.accountNo]));
  const out: Record<string, string[]> = {};
  for (const b of bills) {
    const no = noById.get(b.accountId)!;
    (out[no] ??= []).push(`${b.period} ${b.amountFen} ${b.status} ${b.lateFeeFen} ${b.dueDate} ${b.paidAt?.toISOString() ?? '-'}`);
  }
  return out;
}

async function billsOf(t: TestApp, accountNo: string): Promise<Bill[]> {
  const em = t.orm.em.fork();
  const account = await em.findOneOrFail(Account, { accountNo });
  return em.find(Bill, { accountId: account.id }, { orderBy: { period: 'asc' } });
}

async function rowCounts(t: TestApp): Promise<Record<string, number>> {
  const em = t.orm.em.fork();
  const tables = ['staff_user', 'account', 'bill', 'bill_line', 'subscription', 'hall', 'fee_schedule', 'material_price', 'guide', 'notice', 'commitment', 'hotline'];
  const out: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await em.execute<{ n: number | string }[]>(`select count(*) as n from ${table}`);
    out[table] = Number(row.n);
  }
  return out;
}

describe('demo seed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it('loads 200 postpaid accounts of every service type, each with 12 monthly bills ending this month, and 2 prepaid ones whose history adds up', async () => {
    const em = t.orm.em.fork();
    const accounts = await em.find(Account, { prepaid: false });
    expect(accounts.length).toBeGreaterThanOrEqual(200);
    expect(new Set(accounts.map((a) => a.serviceType))).toEqual(new Set(['water', 'tv', 'broadband', 'tv_broadband']));
    expect(accounts.some((a) => a.concession === 'low_income')).toBe(true);
    const snapshot = await billSnapshot(t);
    for (const a of accounts) {
      const bills = snapshot[a.accountNo];
      expect(bills).toHaveLength(12);
      expect(bills[11].startsWith('2026-11 ')).toBe(true);
      expect(bills[0].startsWith('2025-12 ')).toBe(true);
    }
    const prepaid = await em.find(Account, { prepaid: true }, { orderBy: { accountNo: 'asc' } });
    expect(prepaid.map((a) => [a.accountNo, a.status, a.suspendedFor, Number(a.balanceFen), Number(a.billingBalanceFen)])).toEqual([
      [DEMO_FIXTURES.prepaidActive.accountNo, 'active', null, 3500, 3500],
      [DEMO_FIXTURES.prepaidSuspended.accountNo, 'suspended', 'arrears', -2800, -2800],
    ]);
    for (const a of prepaid) {
      const entries = await em.find(BalanceEntry, { accountId: a.id }, { orderBy: { occurredAt: 'asc' } });
      expect(entries.reduce((s, e) => s + Number(e.amountFen), 0)).toBe(Number(a.balanceFen));
      expect(Number(entries.at(-1)!.balanceAfterFen)).toBe(Number(a.balanceFen));
      expect(snapshot[a.accountNo]).toBeUndefined();
    }
  });

  it('prices every bill as the sum of its lines, in whole fen', async () => {
    const em = t.orm.em.fork();
    const bills = await em.find(Bill, {});
    const lines = await em.find(BillLine, {});
    const sums = new Map<number, number>();
    const problems: string[] = [];
    for (const l of lines) {
      if (!Number.isInteger(l.amountFen) || l.amountFen < 0 || l.amountFen !== l.quantity * l.unitPriceFen) problems.push(`line ${l.id}: ${l.amountFen}`);
      sums.set(l.billId, (sums.get(l.billId) ?? 0) + l.amountFen);
    }
    for (const b of bills) {
      if (!(b.amountFen > 0) || sums.get(b.id) !== b.amountFen) problems.push(`bill ${b.id}: ${b.amountFen} ≠ lines ${sums.get(b.id)}`);
      if (b.status === 'unpaid' && (b.paidAt !== null || b.lateFeeFen !== 0)) problems.push(`unpaid bill ${b.id} has a payment`);
      if (b.status === 'paid' && !(b.paidAt && b.paidAt.getTime() <= NOW.getTime())) problems.push(`paid bill ${b.id} paid at ${b.paidAt?.toISOString()}`);
    }
    expect(problems).toEqual([]);
    // Some bills are overdue, not only the fixed account's.
    expect(bills.filter((b) => b.status === 'unpaid' && b.dueDate < TODAY).length).toBeGreaterThan(10);
  });

  it(`gives ${DEMO_FIXTURES.waterOwing.holderName} (${DEMO_FIXTURES.waterOwing.accountNo}) two unpaid water bills, one of them overdue`, async () => {
    const fx = DEMO_FIXTURES.waterOwing;
    const account = await t.orm.em.fork().findOneOrFail(Account, { accountNo: fx.accountNo });
    expect(account).toMatchObject({ serviceType: 'water', holderName: '张三', holderPhone: '13800000001' });
    const bills = await billsOf(t, fx.accountNo);
    const unpaid = bills.filter((b) => b.status === 'unpaid');
    expect(unpaid.map((b) => b.period)).toEqual(['2026-09', '2026-11']);
    expect(unpaid.filter((b) => b.dueDate < TODAY).map((b) => b.period)).toEqual(['2026-09']);
    expect(bills.filter((b) => b.status === 'paid')).toHaveLength(10);
    const lines = await t.orm.em.fork().find(BillLine, { billId: unpaid[0].id });
    expect(lines.map((l) => l.itemCode).sort()).toEqual(expect.arrayContaining(['sewage', 'water']));
  });

  it(`gives ${DEMO_FIXTURES.tvBroadband.holderName} (${DEMO_FIXTURES.tvBroadband.accountNo}) one unpaid bill not yet due and a package expiring within 30 days`, async () => {
    const fx = DEMO_FIXTURES.tvBroadband;
    const em = t.orm.em.fork();
    const account = await em.findOneOrFail(Account, { accountNo: fx.accountNo });
    expect(account).toMatchObject({ serviceType: 'tv_broadband', holderName: '李四', holderPhone: '13800000002' });
    const unpaid = (await billsOf(t, fx.accountNo)).filter((b) => b.status === 'unpaid');
    expect(unpaid).toHaveLength(1);
    expect(unpaid[0].dueDate >= TODAY).toBe(true);
    const subs = await em.find(Subscription, { accountId: account.id }, { orderBy: { expiresOn: 'asc' } });
    expect(subs.map((s) => [s.product, s.expiresOn])).toEqual([
      ['tv', addDays(TODAY, 20)],
      ['broadband', addDays(TODAY, 75)],
    ]);
    expect(subs[0].expiresOn <= addDays(TODAY, 30)).toBe(true);
  });

  it(`leaves ${DEMO_FIXTURES.waterPaidUp.holderName} (${DEMO_FIXTURES.waterPaidUp.accountNo}) with nothing owed`, async () => {
    const account = await t.orm.em.fork().findOneOrFail(Account, { accountNo: DEMO_FIXTURES.waterPaidUp.accountNo });
    expect(account).toMatchObject({ serviceType: 'water', holderName: '王五', holderPhone: '13800000003' });
    const bills = await billsOf(t, DEMO_FIXTURES.waterPaidUp.accountNo);
    expect(bills.every((b) => b.status === 'paid' && b.paidAt !== null)).toBe(true);
  });

  it('spreads TV and broadband package expiries over the next 90 days', async () => {
    const subs = await t.orm.em.fork().find(Subscription, {});
    expect(subs.length).toBeGreaterThan(100);
    expect(subs.every((s) => s.expiresOn > TODAY && s.expiresOn <= addDays(TODAY, 90))).toBe(true);
    const soon = subs.filter((s) => s.expiresOn <= addDays(TODAY, 30)).length;
    expect(soon).toBeGreaterThan(10);
    expect(soon).toBeLessThan(subs.length - 10);
  });

  it('lets each demo staff user sign in with the README password, in the right role', async () => {
    const staff = await t.orm.em.fork().find(StaffUser, {}, { orderBy: { username: 'asc' } });
    expect(staff.map((s) => [s.username, s.role])).toEqual([
      ['admin1', 'admin'],
      ['agent1', 'agent'],
      ['agent2', 'agent'],
      ['supervisor1', 'supervisor'],
    ]);
    for (const s of DEMO_STAFF) {
      if (DEMO_STAFF_PASSWORDS[s.username]) expect(s.password).toBe(DEMO_STAFF_PASSWORDS[s.username]);
      const token = await signInStaff(t, s.username, s.password);
      const me = await t.request.get('/api/v1/staff/me').set('Authorization', `Bearer ${token}`).expect(200);
      expect(me.body.data).toMatchObject({ username: s.username, role: s.role, jobNo: s.jobNo, name: s.name });
    }
  });

  it('publishes the operator content, maintenance announced at least 24 hours ahead', async () => {
    const em = t.orm.em.fork();
    expect(await em.count(Hall, {})).toBeGreaterThanOrEqual(5);
    expect(await em.count(Guide, {})).toBeGreaterThanOrEqual(6);
    const notices = await em.find(Notice, {});
    expect(notices.some((n) => n.startsAt > NOW)).toBe(true);
    for (const n of notices) expect(n.startsAt.getTime() - n.publishedAt.getTime()).toBeGreaterThanOrEqual(24 * 3_600_000);
    const counts = await rowCounts(t);
    expect(counts.commitment).toBe(t.config.operator.commitments.length);
    expect(counts.hotline).toBe(t.config.operator.hotlines.length);
  });

  it('skips a second run and changes nothing', async () => {
    const before = await rowCounts(t);
    const bills = await billSnapshot(t);
    const summary = await seedDemo(t.orm, t.config, { now: new Date('2027-03-01T00:00:00Z') });
    expect(summary).toMatchObject({ skipped: true, accounts: 0, bills: 0 });
    expect(await rowCounts(t)).toEqual(before);
    expect(await billSnapshot(t)).toEqual(bills);
  });

  it('seeds the same bills into a second fresh database for the same now', async () => {
    const other = await createTestApp({ now: NOW });
    try {
      expect(await billSnapshot(other)).toEqual(await billSnapshot(t));
      expect(await rowCounts(other)).toEqual(await rowCounts(t));
    } finally {
      await other.close();
    }
  });
});

describe('the demo operator as its billing system holds it', () => {
  it('the billing records the sandbox is seeded with are already in the seeded portal: a full push changes nothing', async () => {
    const t = await createTestApp({ now: NOW });
    try {
      const prices = buildPriceBook(loadDemoContent(t.config.configDir).feeSchedules);
      const records = demoBillingRecords(buildDemoAccounts(t.config.operator, prices, NOW));
      const body = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
      const res = await t.request.post('/api/v1/integrations/billing/batches?wait=true').set(signedBatchHeaders(t.config.billing.secret, 'demo-full', body, t.clock.now())).send(body).expect(200);
      expect(res.body.data).toMatchObject({ status: 'done', records: records.length, unchanged: records.length, accepted: 0, rejected: 0 });
      expect(records.length).toBeGreaterThan(2_400 + 200);
    } finally {
      await t.close();
    }
  });
});

describe('demo data generation', () => {
  const config = loadConfig({ ...process.env, NODE_ENV: 'test', DATABASE_URL: '' });
  const prices = buildPriceBook(loadDemoContent(config.configDir).feeSchedules);

  // Month edges: the 1st just after midnight, the due day itself, the day after, new year's eve.
  it.each(['2026-12-01T00:05:00+08:00', '2026-11-20T23:59:00+08:00', '2026-11-21T00:00:00+08:00', '2026-12-31T23:30:00+08:00', '2027-01-01T08:00:00+08:00'])(
    'keeps the fixed accounts true whenever it runs (%s)',
    (iso) => {
      const now = new Date(iso);
      const today = businessDate(now);
      const all = buildDemoAccounts(config.operator, prices, now);
      expect(new Set(all.map((a) => a.accountNo)).size).toBe(202);
      const accounts = all.filter((a) => a.prepaid === null);
      expect(accounts).toHaveLength(200);
      for (const a of all.filter((x) => x.prepaid !== null)) {
        expect(a.prepaid!.ledger.every((e) => e.occurredAt.getTime() <= now.getTime())).toBe(true);
        expect(a.prepaid!.ledger.at(-1)!.balanceAfterFen).toBe(a.balanceFen);
      }
      const byNo = new Map(accounts.map((a) => [a.accountNo, a]));
      const owing = byNo.get(DEMO_FIXTURES.waterOwing.accountNo)!.bills.filter((b) => b.status === 'unpaid');
      expect(owing).toHaveLength(2);
      expect(owing.filter((b) => b.dueDate < today)).toHaveLength(1);
      const tv = byNo.get(DEMO_FIXTURES.tvBroadband.accountNo)!;
      expect(tv.bills.filter((b) => b.status === 'unpaid' && b.dueDate >= today)).toHaveLength(1);
      expect(tv.bills.filter((b) => b.status === 'unpaid')).toHaveLength(1);
      expect(byNo.get(DEMO_FIXTURES.waterPaidUp.accountNo)!.bills.every((b) => b.status === 'paid')).toBe(true);
      const problems: string[] = [];
      for (const a of accounts) {
        if (a.bills.length !== 12 || a.bills[11].period !== today.slice(0, 7)) problems.push(`${a.accountNo}: ${a.bills.map((b) => b.period).join(',')}`);
        for (const b of a.bills) {
          const created = b.createdAt.getTime();
          const paid = b.paidAt?.getTime();
          if (created > now.getTime() || (paid !== undefined && (paid < created || paid > now.getTime()))) {
            problems.push(`${a.accountNo} ${b.period}: issued ${b.createdAt.toISOString()}, paid ${b.paidAt?.toISOString()}`);
          }
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it('generates the same accounts, amounts and bill states on any day of the same month', () => {
    const summary = (now: Date) =>
      buildDemoAccounts(config.operator, prices, now).map((a) => [a.accountNo, a.holderName, a.address, a.bills.map((b) => `${b.period}:${b.amountFen}:${b.status}`).join(' ')]);
    expect(summary(new Date('2026-11-02T09:00:00+08:00'))).toEqual(summary(new Date('2026-11-29T18:00:00+08:00')));
  });

  it('charges the low-income concession and the higher water tiers', () => {
    const accounts = buildDemoAccounts(config.operator, prices, NOW);
    const lines = accounts.flatMap((a) => a.bills.flatMap((b) => b.lines));
    expect(lines.some((l) => l.name.includes('第二阶梯'))).toBe(true);
    expect(lines.some((l) => l.name.includes('困难用户优惠'))).toBe(true);
    // Bills paid after their due date carry the late fee settled with them.
    expect(accounts.some((a) => a.bills.some((b) => b.status === 'paid' && b.lateFeeFen > 0))).toBe(true);
  });
});
