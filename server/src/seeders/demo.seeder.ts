import type { EntityName, RequiredEntityData } from '@mikro-orm/core';
import type { AppConfig } from '../config';
import type { Em, Orm } from '../db';
import { hashPasswordsApart } from '../modules/auth/password';
import { Account } from '../modules/accounts/account.entity';
import { Bill } from '../modules/billing/bill.entity';
import { BillLine } from '../modules/billing/bill-line.entity';
import { Subscription } from '../modules/billing/subscription.entity';
import { FeeSchedule } from '../modules/content/fee-schedule.entity';
import { Guide } from '../modules/content/guide.entity';
import { Hall } from '../modules/content/hall.entity';
import { publishOperatorProfile } from './operator-profile';
import { MaterialPrice } from '../modules/content/material-price.entity';
import { Notice } from '../modules/content/notice.entity';
import { StaffUser } from '../modules/staff/staff-user.entity';
import { buildDemoAccounts } from './demo-accounts';
import { buildPriceBook } from './demo-billing';
import { loadDemoContent, noticeTimes } from './demo-content';
import { DEMO_STAFF } from './demo-fixtures';
import { demoBillId, demoLedgerId, demoPackageId, demoPaymentChannel, demoPaymentId } from './demo-records';
import { ExternalPayment } from '../modules/billing-records/external-payment.entity';
import { BalanceEntry } from '../modules/prepaid/balance-entry.entity';

export { DEMO_FIXTURES, DEMO_STAFF, DEMO_ACCOUNT_MIX } from './demo-fixtures';

/** Rows written by one seed run (all zero when the demo data was already there). */
export interface SeedSummary {
  skipped: boolean;
  staff: number;
  accounts: number;
  bills: number;
  billLines: number;
  subscriptions: number;
  halls: number;
  feeSchedules: number;
  materials: number;
  guides: number;
  notices: number;
  commitments: number;
  hotlines: number;
}

/** The staff user whose presence means "the demo data is loaded". */
const MARKER_USERNAME = 'admin1';
/** Rows per INSERT: well under SQLite's 32766 bound parameters and MySQL's packet limit. */
const BATCH_ROWS = 500;
const DAY = 86_400_000;

function emptySummary(skipped: boolean): SeedSummary {
  return {
    skipped,
    staff: 0,
    accounts: 0,
    bills: 0,
    billLines: 0,
    subscriptions: 0,
    halls: 0,
    feeSchedules: 0,
    materials: 0,
    guides: 0,
    notices: 0,
    commitments: 0,
    hotlines: 0,
  };
}

async function insertBatched<T extends object>(em: Em, entity: EntityName<T>, rows: RequiredEntityData<T>[]): Promise<number> {
  for (let i = 0; i < rows.length; i += BATCH_ROWS) await em.insertMany<T>(entity, rows.slice(i, i + BATCH_ROWS) as T[]);
  return rows.length;
}

/**
 * The first id to give new rows of a table. Ids are assigned here rather than by the database so
 * bills can name their account and lines their bill without reading ids back after each batch.
 */
async function nextId(em: Em, table: string): Promise<number> {
  const rows = await em.execute<{ m: number | string | null }[]>(`select max(id) as m from ${table}`);
  return Number(rows[0]?.m ?? 0) + 1;
}

/**
 * Loads the demo operator: published content (operator.json and config/demo/*.json), staff users,
 * 200 accounts with 12 months of bills and their TV/broadband packages. Deterministic for a given
 * `now` (see demo-billing.ts for the billing rules), written in one transaction, and skipped
 * without writing anything when the demo staff user admin1 already exists.
 */
export async function seedDemo(orm: Orm, config: AppConfig, opts: { now: Date }): Promise<SeedSummary> {
  const { now } = opts;
  const em = orm.em.fork();
  if ((await em.count(StaffUser, { username: MARKER_USERNAME })) > 0) return emptySummary(true);

  // Everything that can fail or take time is done before the transaction opens. The password
  // hashes are computed while the accounts are generated, in a process of their own (scrypt's
  // memory would stay in this one: see hashPasswordsApart).
  const hashing = hashPasswordsApart(DEMO_STAFF.map((s) => s.password));
  hashing.catch(() => undefined);
  const content = loadDemoContent(config.configDir);
  const prices = buildPriceBook(content.feeSchedules);
  const accounts = buildDemoAccounts(config.operator, prices, now);
  const passwordHashes = await hashing;

  return em.transactional(async (tx) => {
    // A second process may have seeded while we were hashing.
    if ((await tx.count(StaffUser, { username: MARKER_USERNAME })) > 0) return emptySummary(true);
    const summary = emptySummary(false);

    summary.staff = await insertBatched(
      tx,
      StaffUser,
      DEMO_STAFF.map((s, i) => ({
        username: s.username,
        name: s.name,
        jobNo: s.jobNo,
        role: s.role,
        passwordHash: passwordHashes[i],
        active: true,
        createdAt: new Date(now.getTime() - 30 * DAY),
      })),
    );

    // ---- published content ----
    const published = await publishOperatorProfile(tx, config, now);
    summary.commitments = published.commitments;
    summary.hotlines = published.hotlines;
    summary.halls = await insertBatched(tx, Hall, content.halls.map((h) => ({ ...h, updatedAt: now })));
    summary.feeSchedules = await insertBatched(tx, FeeSchedule, content.feeSchedules.map((s) => ({ ...s, updatedAt: now })));
    summary.materials = await insertBatched(tx, MaterialPrice, content.materials.map((m) => ({ ...m, updatedAt: now })));
    summary.guides = await insertBatched(tx, Guide, content.guides.map((g) => ({ ...g, updatedAt: now })));
    summary.notices = await insertBatched(
      tx,
      Notice,
      content.notices.map((n) => {
        const t = noticeTimes(n, now);
        return { kind: n.kind, title: n.title, body: n.body, area: n.area, ...t, updatedAt: t.publishedAt };
      }),
    );

    // ---- accounts, bills, packages ----
    // As the billing system holds them (demo-records.ts): its ids, version 1, and a payment taken
    // elsewhere (bank withholding, the counter) for every bill shown as paid.
    let accountId = await nextId(tx, 'account');
    let billId = await nextId(tx, 'bill');
    let lineId = await nextId(tx, 'bill_line');
    let subscriptionId = await nextId(tx, 'subscription');
    let paymentId = await nextId(tx, 'external_payment');
    const accountRows: RequiredEntityData<Account>[] = [];
    const billRows: RequiredEntityData<Bill>[] = [];
    const lineRows: RequiredEntityData<BillLine>[] = [];
    const subscriptionRows: RequiredEntityData<Subscription>[] = [];
    const paymentRows: RequiredEntityData<ExternalPayment>[] = [];
    const entryRows: RequiredEntityData<BalanceEntry>[] = [];
    for (const a of accounts) {
      const { bills, subscriptions, prepaid, ...account } = a;
      const id = accountId++;
      const newest = prepaid?.ledger.at(-1);
      accountRows.push({
        id,
        ...account,
        status: prepaid?.suspendedAt ? 'suspended' : 'active',
        sourceVersion: 1,
        prepaid: prepaid !== null,
        suspendedFor: prepaid?.suspendedFor ?? null,
        suspendedAt: prepaid?.suspendedAt ?? null,
        billingBalanceFen: newest ? newest.balanceAfterFen : null,
        billingBalanceAt: newest ? newest.occurredAt : null,
      });
      prepaid?.ledger.forEach((e, i) =>
        entryRows.push({
          accountId: id,
          source: 'billing',
          ...e,
          orderId: null,
          portalKey: null,
          billingId: demoLedgerId(a.accountNo, i),
          billingVersion: 1,
          billingBookedAt: e.occurredAt,
          createdAt: e.occurredAt,
        }),
      );
      for (const { lines, ...bill } of bills) {
        const bid = billId++;
        const externalId = demoBillId(a.accountNo, bill.period);
        let paid: Pick<Bill, 'paidChannel' | 'externalPaymentId'> = { paidChannel: null, externalPaymentId: null };
        if (bill.status === 'paid' && bill.paidAt) {
          const channel = demoPaymentChannel(a);
          paid = { paidChannel: channel, externalPaymentId: paymentId };
          paymentRows.push({ id: paymentId++, externalId: demoPaymentId(externalId), accountId: id, channel, amountFen: bill.amountFen + bill.lateFeeFen, paidAt: bill.paidAt, sourceVersion: 1, createdAt: bill.paidAt });
        }
        billRows.push({ id: bid, accountId: id, paymentId: null, externalId, sourceVersion: 1, kind: 'regular', ...paid, ...bill });
        for (const l of lines) lineRows.push({ id: lineId++, billId: bid, ...l });
      }
      for (const s of subscriptions) subscriptionRows.push({ id: subscriptionId++, accountId: id, externalId: demoPackageId(a.accountNo, s.product), sourceVersion: 1, ...s });
    }
    summary.accounts = await insertBatched(tx, Account, accountRows);
    await insertBatched(tx, ExternalPayment, paymentRows);
    summary.bills = await insertBatched(tx, Bill, billRows);
    summary.billLines = await insertBatched(tx, BillLine, lineRows);
    summary.subscriptions = await insertBatched(tx, Subscription, subscriptionRows);
    await insertBatched(tx, BalanceEntry, entryRows);
    return summary;
  });
}
