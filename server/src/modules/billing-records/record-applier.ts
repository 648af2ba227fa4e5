import type { EntityManager } from '@mikro-orm/knex';
import {
  type AccountRecord,
  type BillCancelRecord,
  type BillingRecord,
  type BillRecord,
  type LedgerRecord,
  type PackageRecord,
  type PaymentRecord,
  type RecordReason,
  type RecordResult,
} from '@openhall/shared';
import { Account } from '../accounts/account.entity';
import { BillLine } from '../billing/bill-line.entity';
import { Bill } from '../billing/bill.entity';
import { Subscription } from '../billing/subscription.entity';
import { enqueueOutbox } from '../outbox/outbox.service';
import { PaymentOrderBill } from '../payments/payment-order-bill.entity';
import { ExternalPayment } from './external-payment.entity';
import { BalanceEntry } from '../prepaid/balance-entry.entity';
import type { BalanceLedger } from '../prepaid/balance-ledger';
import { insertRows, selectIn } from './sql-rows';
import type { LruMap } from '../../lru';

/** Accounts as a run last read or wrote them, by account number (see `RecordApplier.applyChunk`). */
export type AccountCache = LruMap<string, { id: number; status: Account['status']; prepaid: boolean; version: number }>;

/** A record of a batch with the line it came from. */
export interface NumberedRecord {
  line: number;
  record: BillingRecord;
}

/** The outbox topic that closes a portal order whose bills were paid elsewhere (see PaymentsService). */
export const CLOSE_PAID_ELSEWHERE_TOPIC = 'payments.close_paid_elsewhere';

/** Thrown when a row changed under the chunk (another import, a payment settling): the chunk is read and applied again. */
export class ChunkConflict extends Error {
  constructor(what: string) {
    super(`changed while being applied: ${what}`);
    this.name = 'ChunkConflict';
  }
}

interface AccountState {
  id: number | null;
  accountNo: string;
  status: Account['status'];
  prepaid: boolean;
  version: number;
  op: 'insert' | 'update' | null;
  /** The version read from the database (what a conditional UPDATE expects), and the status then. */
  storedVersion: number;
  storedStatus: Account['status'] | null;
  fields: Omit<AccountRecord, 'type' | 'id' | 'version'> | null;
}

interface BillState {
  id: number | null;
  externalId: string;
  accountNo: string;
  accountId: number | null;
  status: Bill['status'];
  version: number;
  storedVersion: number;
  storedStatus: Bill['status'] | null;
  amountFen: number;
  period: string;
  dueDate: string;
  kind: Bill['kind'];
  paymentId: number | null;
  paidChannel: Bill['paidChannel'];
  paidAt: Date | null;
  lateFeeFen: number;
  /** The external payment (by its id) that settled it in this chunk. */
  paidBy: string | null;
  cancelReason: string | null;
  /** New lines (insert, or a correction replacing the old ones). */
  lines: BillRecord['lines'] | null;
  inOpenOrder: boolean;
  op: 'insert' | 'update' | null;
}

interface PackageState {
  id: number | null;
  version: number;
  storedVersion: number;
  record: PackageRecord | null;
  op: 'insert' | 'update' | null;
}

interface PaymentDraft {
  record: PaymentRecord;
  accountNo: string;
}

/** What a chunk read before deciding, and then changed as it decided (keyed by the billing system's ids). */
interface Prefetched {
  accounts: Map<string, AccountState>;
  bills: Map<string, BillState>;
  packages: Map<string, PackageState>;
  /** Payments already taken in, by id: their version. */
  knownPayments: Map<string, number>;
  /** Balance entries already taken in, by the billing system's id: their version. */
  knownEntries: Map<string, number>;
  /** The portal's own balance entries that ledger records book, by key: their account, and the billing id that booked them. */
  portalEntries: Map<string, { accountId: number; billingId: string | null }>;
}

/** A ledger record accepted, applied by the balance ledger once the chunk's rows are written. */
interface LedgerDraft {
  record: LedgerRecord;
}

/** A record's outcome, before its line and ids are added. */
type Decision = Omit<RecordResult, 'line' | 'type' | 'id' | 'version'>;

/**
 * Applies a chunk of billing-system records in one transaction, in line order, each record whole or
 * not at all: every check is made against what the chunk has read and decided so far, before any
 * row is written, so a record that is refused leaves nothing behind, and the writes of the records
 * accepted go out together at the end (inserts in batches, changes conditional on the version that
 * was read: a row changed meanwhile by another import throws `ChunkConflict`, and the chunk is applied
 * again from scratch).
 *
 * The rules (each refusal names the field and says what to do):
 * - Same id, same version: `unchanged`. An older version than the one held: `unchanged`, reported.
 * - An account needs a known area; a package, bill or payment needs a known account; a closed
 *   account takes no new bill.
 * - A newer bill version replaces the bill (amount, due date, lines) only while it is unpaid and in
 *   no open portal order; a cancellation (冲正) likewise.
 * - A payment taken elsewhere settles unpaid bills of its account: its amount must be the bills'
 *   amounts plus the late fees it lists. A bill it settles that sits in an open portal order is
 *   still settled (the money was taken), and the order is queued to be closed at its gateway; any
 *   money that still arrives for it is refunded by the payment path.
 */
export class RecordApplier {
  constructor(
    private readonly areas: ReadonlySet<string>,
    private readonly now: () => Date,
    /** Where `ledger` records go (and which billing mode the balances follow). */
    private readonly ledger: BalanceLedger,
  ) {}

  /**
   * Applies the records in the caller's transaction and answers each one's result. `accounts`, the
   * accounts a run has already read or written (kept by the caller across its chunks, and dropped
   * when a chunk fails), spares reading the same account again for each of its bills.
   */
  async applyChunk(tx: EntityManager, records: readonly NumberedRecord[], accounts?: AccountCache): Promise<RecordResult[]> {
    const now = this.now();
    const state = await this.prefetch(tx, records, accounts);
    const payments: PaymentDraft[] = [];
    const ledger: LedgerDraft[] = [];
    const results = records.map(({ line, record }): RecordResult => ({ line, type: record.type, id: record.id, version: record.version, ...this.decide(record, state, payments, ledger) }));
    await this.write(tx, state, payments, ledger, now);
    for (const a of state.accounts.values()) accounts?.set(a.accountNo, { id: a.id!, status: a.status, prepaid: a.prepaid, version: a.version });
    return results;
  }

  // ---- reading ----

  private async prefetch(tx: EntityManager, records: readonly NumberedRecord[], cache?: AccountCache): Promise<Prefetched> {
    const accountNos = new Set<string>();
    const billIds = new Set<string>();
    const packageIds = new Set<string>();
    const paymentIds = new Set<string>();
    const entryIds = new Set<string>();
    const portalKeys = new Set<string>();
    for (const { record: r } of records) {
      if (r.type === 'account') accountNos.add(r.id);
      else if (r.type === 'package') {
        accountNos.add(r.accountNo);
        packageIds.add(r.id);
      } else if (r.type === 'bill') {
        accountNos.add(r.accountNo);
        billIds.add(r.id);
      } else if (r.type === 'bill_cancel') billIds.add(r.id);
      else if (r.type === 'ledger') {
        accountNos.add(r.accountNo);
        entryIds.add(r.id);
        if (r.portalEntry) portalKeys.add(r.portalEntry);
      } else {
        accountNos.add(r.accountNo);
        paymentIds.add(r.id);
        for (const b of r.bills) billIds.add(b.id);
      }
    }
    const accounts = new Map<string, AccountState>();
    const accountNoById = new Map<number, string>();
    const unknown: string[] = [];
    for (const no of accountNos) {
      const kept = cache?.get(no);
      if (!kept) unknown.push(no);
      else {
        accounts.set(no, { id: kept.id, accountNo: no, status: kept.status, prepaid: kept.prepaid, version: kept.version, storedVersion: kept.version, storedStatus: kept.status, op: null, fields: null });
        accountNoById.set(kept.id, no);
      }
    }
    for (const a of await selectIn(tx, Account, ['id', 'accountNo', 'status', 'prepaid', 'sourceVersion'], 'accountNo', unknown)) {
      const version = Number(a.sourceVersion);
      accounts.set(a.accountNo, { id: a.id, accountNo: a.accountNo, status: a.status, prepaid: Boolean(a.prepaid), version, storedVersion: version, storedStatus: a.status, op: null, fields: null });
      accountNoById.set(a.id, a.accountNo);
    }
    const bills = new Map<string, BillState>();
    if (billIds.size > 0) {
      const rows = await selectIn(
        tx,
        Bill,
        ['id', 'externalId', 'accountId', 'status', 'sourceVersion', 'amountFen', 'period', 'dueDate', 'kind', 'paymentId', 'paidChannel', 'paidAt', 'lateFeeFen', 'cancelReason'],
        'externalId',
        [...billIds],
      );
      const missingAccounts = rows.map((b) => b.accountId).filter((id) => !accountNoById.has(id));
      if (missingAccounts.length > 0) {
        for (const a of await selectIn(tx, Account, ['id', 'accountNo'], 'id', missingAccounts)) {
          accountNoById.set(a.id, a.accountNo);
        }
      }
      const open = new Set(
        (await selectIn(tx, PaymentOrderBill, ['billId'], 'billId', rows.map((b) => b.id), { openLock: 1 })).map((l) => l.billId),
      );
      for (const b of rows) {
        const version = Number(b.sourceVersion);
        bills.set(b.externalId!, {
          id: b.id,
          externalId: b.externalId!,
          accountNo: accountNoById.get(b.accountId) ?? '',
          accountId: b.accountId,
          status: b.status,
          storedStatus: b.status,
          version,
          storedVersion: version,
          amountFen: Number(b.amountFen),
          period: b.period,
          dueDate: b.dueDate,
          kind: b.kind,
          paymentId: b.paymentId,
          paidChannel: b.paidChannel,
          paidAt: b.paidAt,
          lateFeeFen: Number(b.lateFeeFen),
          paidBy: null,
          cancelReason: b.cancelReason,
          lines: null,
          inOpenOrder: open.has(b.id),
          op: null,
        });
      }
    }
    const packages = new Map<string, PackageState>();
    if (packageIds.size > 0) {
      for (const p of await selectIn(tx, Subscription, ['id', 'externalId', 'sourceVersion'], 'externalId', [...packageIds])) {
        const version = Number(p.sourceVersion);
        packages.set(p.externalId!, { id: p.id, version, storedVersion: version, record: null, op: null });
      }
    }
    const knownPayments = new Map<string, number>();
    if (paymentIds.size > 0) {
      for (const p of await selectIn(tx, ExternalPayment, ['externalId', 'sourceVersion'], 'externalId', [...paymentIds])) {
        knownPayments.set(p.externalId, Number(p.sourceVersion));
      }
    }
    const knownEntries = new Map<string, number>();
    if (entryIds.size > 0) {
      for (const e of await selectIn(tx, BalanceEntry, ['billingId', 'billingVersion'], 'billingId', [...entryIds])) knownEntries.set(e.billingId!, Number(e.billingVersion));
    }
    const portalEntries = new Map<string, { accountId: number; billingId: string | null }>();
    if (portalKeys.size > 0) {
      for (const e of await selectIn(tx, BalanceEntry, ['portalKey', 'accountId', 'billingId'], 'portalKey', [...portalKeys])) portalEntries.set(e.portalKey!, { accountId: e.accountId, billingId: e.billingId });
    }
    return { accounts, bills, packages, knownPayments, knownEntries, portalEntries };
  }

  // ---- deciding ----

  private decide(record: BillingRecord, s: Prefetched, payments: PaymentDraft[], ledger: LedgerDraft[]): Decision {
    switch (record.type) {
      case 'account':
        return this.decideAccount(record, s.accounts);
      case 'package':
        return this.decidePackage(record, s.accounts, s.packages);
      case 'bill':
        return this.decideBill(record, s.accounts, s.bills);
      case 'bill_cancel':
        return this.decideCancel(record, s.bills);
      case 'payment':
        return this.decidePayment(record, s.accounts, s.bills, s.knownPayments, payments);
      case 'ledger':
        return this.decideLedger(record, s, ledger);
    }
  }

  private decideAccount(r: AccountRecord, accounts: Map<string, AccountState>): Decision {
    if (!this.areas.has(r.area)) return rejected('unknown_area', 'area', `区域 ${r.area} 不在本单位的区域配置中（config/operator.json areas）`);
    const held = accounts.get(r.id);
    const { type: _t, id: _i, version: _v, ...fields } = r;
    if (!held) {
      accounts.set(r.id, { id: null, accountNo: r.id, status: r.status, prepaid: r.prepaid ?? false, version: r.version, storedVersion: 0, storedStatus: null, op: 'insert', fields });
      return accepted();
    }
    const stale = versionCheck(held.version, r.version);
    if (stale) return stale;
    Object.assign(held, { status: r.status, prepaid: r.prepaid ?? false, version: r.version, fields, op: held.op ?? 'update' });
    return accepted();
  }

  /**
   * A balance entry of a prepaid account: facts like payments (a repeat changes nothing, a change is
   * refused). In external mode it must state the balance after it. One that books a portal entry
   * must name one of this account's that nothing else booked.
   */
  private decideLedger(r: LedgerRecord, s: Prefetched, ledger: LedgerDraft[]): Decision {
    const heldVersion = s.knownEntries.get(r.id);
    if (heldVersion !== undefined) {
      if (r.version <= heldVersion) return versionCheck(heldVersion, r.version)!;
      return rejected('entry_immutable', 'version', `余额流水 ${r.id} 已入账，不能修改；如需更正请发送一笔调账（adjustment）`);
    }
    const account = s.accounts.get(r.accountNo);
    if (!account) return rejected('unknown_account', 'accountNo', `户号 ${r.accountNo} 不存在`);
    if (!account.prepaid) return rejected('not_prepaid', 'accountNo', `户号 ${r.accountNo} 不是预付费账户，请先在户号档案中标明 prepaid`);
    if (this.ledger.external && (r.balanceAfterFen === undefined || r.balanceAfterFen === null)) {
      return rejected('invalid', 'balanceAfterFen', '请提供本笔流水后的账户余额（balanceAfterFen，分）');
    }
    if (r.portalEntry) {
      const own = s.portalEntries.get(r.portalEntry);
      if (!own || own.accountId !== account.id) return rejected('unknown_entry', 'portalEntry', `网上营业厅没有户号 ${r.accountNo} 的流水 ${r.portalEntry}`);
      if (own.billingId !== null) return rejected('already_booked', 'portalEntry', `流水 ${r.portalEntry} 已由 ${own.billingId} 入账`);
      own.billingId = r.id;
    }
    s.knownEntries.set(r.id, r.version);
    ledger.push({ record: r });
    return accepted();
  }

  private decidePackage(r: PackageRecord, accounts: Map<string, AccountState>, packages: Map<string, PackageState>): Decision {
    const account = accounts.get(r.accountNo);
    if (!account) return rejected('unknown_account', 'accountNo', `户号 ${r.accountNo} 不存在，请先发送该户号的档案`);
    if (r.expiresOn < r.startedOn) return rejected('invalid', 'expiresOn', '到期日不能早于开通日');
    const held = packages.get(r.id);
    if (!held) {
      packages.set(r.id, { id: null, version: r.version, storedVersion: 0, record: r, op: 'insert' });
      return accepted();
    }
    const stale = versionCheck(held.version, r.version);
    if (stale) return stale;
    Object.assign(held, { version: r.version, record: r, op: held.op ?? 'update' });
    return accepted();
  }

  private decideBill(r: BillRecord, accounts: Map<string, AccountState>, bills: Map<string, BillState>): Decision {
    const account = accounts.get(r.accountNo);
    if (!account) return rejected('unknown_account', 'accountNo', `户号 ${r.accountNo} 不存在，请先发送该户号的档案`);
    const held = bills.get(r.id);
    if (!held) {
      if (account.status === 'closed') return rejected('account_closed', 'accountNo', `户号 ${r.accountNo} 已销户，不能再出新账单`);
      bills.set(r.id, {
        id: null,
        externalId: r.id,
        accountNo: r.accountNo,
        accountId: account.id,
        status: 'unpaid',
        storedStatus: null,
        version: r.version,
        storedVersion: 0,
        amountFen: r.amountFen,
        period: r.period,
        dueDate: r.dueDate,
        kind: r.kind,
        paymentId: null,
        paidChannel: null,
        paidAt: null,
        lateFeeFen: 0,
        paidBy: null,
        cancelReason: null,
        lines: r.lines,
        inOpenOrder: false,
        op: 'insert',
      });
      return accepted();
    }
    const stale = versionCheck(held.version, r.version);
    if (stale) return stale;
    if (held.accountNo !== r.accountNo) return rejected('bill_of_other_account', 'accountNo', `账单 ${r.id} 属于户号 ${held.accountNo}，不能改到其他户号`);
    const refused = this.unchangeable(held, '更正');
    if (refused) return refused;
    Object.assign(held, { version: r.version, amountFen: r.amountFen, period: r.period, dueDate: r.dueDate, kind: r.kind, lines: r.lines, op: held.op ?? 'update' });
    return accepted();
  }

  private decideCancel(r: BillCancelRecord, bills: Map<string, BillState>): Decision {
    const held = bills.get(r.id);
    if (!held) return rejected('unknown_bill', 'id', `账单 ${r.id} 不存在`);
    const stale = versionCheck(held.version, r.version);
    if (stale) return stale;
    const refused = this.unchangeable(held, '冲正');
    if (refused) return refused;
    Object.assign(held, { version: r.version, status: 'cancelled', cancelReason: r.reason, op: held.op ?? 'update' });
    return accepted();
  }

  /** Why a bill can no longer be replaced or cancelled (paid, cancelled, being paid), or null. */
  private unchangeable(held: BillState, action: string): Decision | null {
    if (held.status === 'paid') {
      return held.paymentId !== null
        ? rejected('paid_here', 'id', `账单 ${held.externalId} 已通过网上营业厅缴清，不能${action}；如需调整请走退费流程`)
        : rejected('already_paid', 'id', `账单 ${held.externalId} 已缴清，不能${action}`);
    }
    if (held.status === 'cancelled') return rejected('cancelled', 'id', `账单 ${held.externalId} 已冲正，不能再${action}`);
    if (held.inOpenOrder) return rejected('in_open_order', 'id', `账单 ${held.externalId} 正在网上营业厅支付中（订单最长 15 分钟后关闭），请稍后重发`);
    return null;
  }

  private decidePayment(r: PaymentRecord, accounts: Map<string, AccountState>, bills: Map<string, BillState>, known: Map<string, number>, payments: PaymentDraft[]): Decision {
    const heldVersion = known.get(r.id);
    if (heldVersion !== undefined) {
      // A payment, once taken, is a fact: a repeat changes nothing, a change is refused.
      if (r.version <= heldVersion) return versionCheck(heldVersion, r.version)!;
      return rejected('payment_immutable', 'version', `缴费记录 ${r.id} 已入账，不能修改；撤销缴费请走退费或冲正流程`);
    }
    const account = accounts.get(r.accountNo);
    if (!account) return rejected('unknown_account', 'accountNo', `户号 ${r.accountNo} 不存在`);
    const seen = new Set<string>();
    let owed = 0;
    const settled: BillState[] = [];
    for (const [i, b] of r.bills.entries()) {
      const field = `bills.${i}.id`;
      if (seen.has(b.id)) return rejected('duplicate_in_payment', field, `账单 ${b.id} 在本笔缴费中出现了两次`);
      seen.add(b.id);
      const bill = bills.get(b.id);
      if (!bill) return rejected('unknown_bill', field, `账单 ${b.id} 不存在，请先发送账单`);
      if (bill.accountNo !== r.accountNo) return rejected('bill_of_other_account', field, `账单 ${b.id} 不属于户号 ${r.accountNo}`);
      if (bill.status === 'cancelled') return rejected('cancelled', field, `账单 ${b.id} 已冲正，不能缴费`);
      if (bill.status === 'paid') {
        return bill.paymentId !== null
          ? rejected('paid_here', field, `账单 ${b.id} 已通过网上营业厅缴清（重复收费，请为用户退回本笔款项）`)
          : rejected('already_paid', field, `账单 ${b.id} 已由另一笔缴费缴清`);
      }
      owed += bill.amountFen + b.lateFeeFen;
      settled.push(bill);
    }
    if (owed !== r.amountFen) return rejected('amount_mismatch', 'amountFen', `缴费金额 ${r.amountFen} 分与所缴账单金额加滞纳金合计 ${owed} 分不符`);
    const paidAt = new Date(r.paidAt);
    for (const [i, bill] of settled.entries()) {
      Object.assign(bill, { status: 'paid', paidChannel: r.channel, paidAt, lateFeeFen: r.bills[i].lateFeeFen, paidBy: r.id, op: bill.op ?? 'update' });
    }
    known.set(r.id, r.version);
    payments.push({ record: r, accountNo: r.accountNo });
    return accepted();
  }

  // ---- writing ----

  private async write(tx: EntityManager, s: Prefetched, payments: PaymentDraft[], ledger: LedgerDraft[], now: Date): Promise<void> {
    // Accounts first: everything else names them.
    const newAccounts = [...s.accounts.values()].filter((a) => a.op === 'insert');
    const accountIds = await insertRows(
      tx,
      Account,
      newAccounts.map((a) => ({ accountNo: a.accountNo, ...accountColumns(a), balanceFen: 0, idNumber: null, createdAt: now, updatedAt: now })),
      { props: ['id', 'accountNo'], key: 'accountNo' },
    );
    const idOfNo = new Map(accountIds.map((a) => [a.accountNo, a.id]));
    for (const a of newAccounts) a.id = idOfNo.get(a.accountNo)!;
    for (const a of s.accounts.values()) {
      if (a.op !== 'update') continue;
      const n = await tx.nativeUpdate(Account, { id: a.id!, sourceVersion: a.storedVersion }, { ...accountColumns(a), updatedAt: now });
      if (n !== 1) throw new ChunkConflict(`account ${a.accountNo}`);
    }
    const accountId = (no: string) => s.accounts.get(no)?.id ?? null;

    // Payments taken elsewhere, before the bills that point to them.
    const paymentIdOf = new Map<string, number>();
    const paymentIds = await insertRows(
      tx,
      ExternalPayment,
      payments.map((p) => ({ externalId: p.record.id, accountId: accountId(p.accountNo)!, channel: p.record.channel, amountFen: p.record.amountFen, paidAt: new Date(p.record.paidAt), sourceVersion: p.record.version, createdAt: now })),
      { props: ['id', 'externalId'], key: 'externalId' },
    );
    for (const p of paymentIds) paymentIdOf.set(p.externalId, p.id);

    const newBills = [...s.bills.values()].filter((b) => b.op === 'insert');
    const billIds = await insertRows(
      tx,
      Bill,
      newBills.map((b) => ({ accountId: accountId(b.accountNo)!, externalId: b.externalId, ...billColumns(b, paymentIdOf), paymentId: null, createdAt: now, updatedAt: now })),
      { props: ['id', 'externalId'], key: 'externalId' },
    );
    const idOfBill = new Map(billIds.map((b) => [b.externalId!, b.id]));
    const linesOf: Array<{ billId: number; lines: BillRecord['lines'] }> = [];
    for (const b of newBills) {
      b.id = idOfBill.get(b.externalId)!;
      linesOf.push({ billId: b.id, lines: b.lines! });
    }
    const closeOrders: number[] = [];
    for (const b of s.bills.values()) {
      if (b.op !== 'update') continue;
      // Only from the state read: unpaid at the version read (a portal payment settling it meanwhile makes this fail).
      const n = await tx.nativeUpdate(Bill, { id: b.id!, sourceVersion: b.storedVersion, status: b.storedStatus! }, { ...billColumns(b, paymentIdOf), updatedAt: now });
      if (n !== 1) throw new ChunkConflict(`bill ${b.externalId}`);
      if (b.lines) {
        await tx.nativeDelete(BillLine, { billId: b.id! });
        linesOf.push({ billId: b.id!, lines: b.lines });
      }
      if (b.paidBy !== null && b.inOpenOrder) closeOrders.push(b.id!);
    }
    await insertRows(tx, BillLine, linesOf.flatMap(({ billId, lines }) => lines.map((l) => ({ billId, ...l }))));

    const packages = [...s.packages.values()].filter((p) => p.op !== null);
    await insertRows(
      tx,
      Subscription,
      packages.filter((p) => p.op === 'insert').map((p) => ({ accountId: accountId(p.record!.accountNo)!, externalId: p.record!.id, ...packageColumns(p.record!), createdAt: now })),
    );
    for (const p of packages) {
      if (p.op !== 'update') continue;
      const n = await tx.nativeUpdate(Subscription, { id: p.id!, sourceVersion: p.storedVersion }, { accountId: accountId(p.record!.accountNo)!, ...packageColumns(p.record!) });
      if (n !== 1) throw new ChunkConflict(`package ${p.record!.id}`);
    }

    // Portal orders holding bills that were just paid elsewhere: closed at their gateway from the outbox.
    if (closeOrders.length > 0) {
      const orders = await selectIn(tx, PaymentOrderBill, ['orderId'], 'billId', closeOrders, { openLock: 1 });
      const orderIds = [...new Set(orders.map((o) => o.orderId))];
      await enqueueOutbox(
        tx,
        orderIds.map((orderId) => ({ topic: CLOSE_PAID_ELSEWHERE_TOPIC, dedupeKey: `close-paid-elsewhere:${orderId}`, payload: { orderId } })),
        now,
      );
    }

    // Balances, entry by entry in line order, each with its account locked.
    for (const { record } of ledger) await this.ledger.addBillingEntry(tx, accountId(record.accountNo)!, record, now);
    // Bills paid elsewhere may clear the arrears a suspended postpaid account owed.
    for (const no of new Set(payments.map((p) => p.accountNo))) {
      if (s.accounts.get(no)?.status === 'suspended') await this.ledger.afterChange(tx, accountId(no)!, now);
    }
    // Service status the billing system changed: requests it answers, restorations it made.
    for (const a of s.accounts.values()) {
      if (a.op === 'update' && a.storedStatus !== a.status) await this.ledger.statusChanged(tx, a.id!, a.storedStatus!, a.status, now);
    }
  }
}

function accountColumns(a: AccountState) {
  const f = a.fields!;
  const suspended = a.status === 'suspended';
  return {
    status: a.status,
    sourceVersion: a.version,
    holderName: f.holderName,
    holderPhone: f.holderPhone,
    address: f.address,
    area: f.area,
    serviceType: f.serviceType,
    concession: f.concession,
    prepaid: f.prepaid ?? false,
    suspendedFor: suspended ? (f.suspendedFor ?? 'other') : null,
    suspendedAt: suspended && f.suspendedAt ? new Date(f.suspendedAt) : null,
  };
}

function billColumns(b: BillState, paymentIdOf: Map<string, number>) {
  return {
    sourceVersion: b.version,
    kind: b.kind,
    period: b.period,
    dueDate: b.dueDate,
    amountFen: b.amountFen,
    status: b.status,
    lateFeeFen: b.lateFeeFen,
    paidAt: b.paidAt,
    paidChannel: b.paidChannel,
    externalPaymentId: b.paidBy !== null ? paymentIdOf.get(b.paidBy)! : null,
    cancelReason: b.cancelReason,
  };
}

function packageColumns(r: PackageRecord) {
  return { sourceVersion: r.version, product: r.product, packageCode: r.packageCode, packageName: r.packageName, monthlyFeeFen: r.monthlyFeeFen, startedOn: r.startedOn, expiresOn: r.expiresOn };
}

function accepted(): Decision {
  return { outcome: 'accepted' };
}

function rejected(reason: RecordReason, field: string, message: string): Decision {
  return { outcome: 'rejected', reason, field, message };
}

/** A record not newer than the one held: unchanged, and said why. Null when it is newer. */
function versionCheck(held: number, given: number): Decision | null {
  if (given > held) return null;
  if (given === held) return { outcome: 'unchanged', reason: 'same_version' };
  return { outcome: 'unchanged', reason: 'older_version', field: 'version', message: `已有更新的版本 ${held}，版本 ${given} 已忽略` };
}
