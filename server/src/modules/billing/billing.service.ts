import type { EntityManager } from '@mikro-orm/knex';
import {
  billStatuses,
  billStatusOf,
  businessDate,
  computeLateFeeFen,
  offlinePaymentChannelNames,
  type ArrearsView,
  type BillDetailView,
  type BillPaymentView,
  type BillsQuery,
  type BillStatus,
  type BillView,
  type ItemizedBillView,
  type LateFeeRule,
  type LateFeeSuspension,
  type Page,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { BillLine } from './bill-line.entity';
import { Bill } from './bill.entity';
import { dateOrNull, placeholders } from '../../read-db';
import { LruMap } from '../../lru';
import { DISPUTED_SQL, lateFeeSuspensions, mayHaveSuspensions } from './late-fee-suspensions';
import { requireBound, requireOwnBill } from '../access/access';

/** A row of the bills page: a bill as stored. */
interface BillPageRow extends Record<string, unknown> {
  id: number;
  account_id: number;
  period: string;
  due_date: string;
  status: ShownStatus;
  amount_fen: number | string;
  late_fee_fen: number | string;
  paid_at: unknown;
  disputed?: number | string;
}
/** The stored statuses a subscriber is shown: a cancelled bill (冲正) was never owed and is not shown. */
type ShownStatus = Exclude<Bill['status'], 'cancelled'>;
const SHOWN_SQL = "('unpaid', 'paid')";
/** A bill as its view needs it: an entity, or a row read without one (which knows whether it is disputed). */
type BillRow = Pick<Bill, 'id' | 'accountId' | 'period' | 'dueDate' | 'amountFen' | 'lateFeeFen' | 'paidAt'> & { status: ShownStatus; disputed?: boolean };
type BillLineRow = Pick<BillLine, 'id' | 'itemCode' | 'name' | 'quantity' | 'unit' | 'unitPriceFen' | 'amountFen'>;

/**
 * The portal payment that settled a bill, or null (unpaid, or paid at a hall, a bank or elsewhere):
 * read by the payments module, which holds the orders (services.ts).
 */
export type BillPaymentReader = (bill: Bill) => Promise<BillPaymentView | null>;

/**
 * Bills as their owners see them: listing, detail with the settling payment, arrears.
 * Every method checks on its first line that the user has bound the account (or the bill's
 * account); otherwise it answers 404, so ids reveal nothing about other people's bills.
 */
export class BillingService {
  /**
   * Account numbers, which never change: kept so the bills tab is one statement on the bills
   * themselves (whose status does change) and nothing else.
   */
  private readonly accountNoCache = new LruMap<number, string>(100_000);

  constructor(
    private readonly deps: AppDeps,
    private readonly paymentOf: BillPaymentReader,
  ) {}

  private get em(): EntityManager {
    return this.deps.orm.em;
  }

  /** Today's business date (Asia/Shanghai): what "overdue" and live late fees are measured against. */
  private today(): string {
    return businessDate(this.deps.clock.now());
  }

  /**
   * The user's bills, newest period first, without their lines (the detail has them). One statement
   * on the bills answers the usual request (only of accounts the user has bound); account numbers,
   * which never change, come from memory once read, and then the views are made in one pass without
   * waiting on anything else. The total is counted only when the first page is full; an empty answer
   * for a given account checks that the account is the user's (404 otherwise); disputes are read only
   * for disputed bills carrying a late fee.
   */
  async listBills(userId: number, query: BillsQuery): Promise<Page<BillView>> {
    const today = this.today();
    const statement = billsPageStatement(query.accountId !== undefined, query.status);
    const params: (string | number)[] = query.accountId !== undefined ? [userId, query.accountId] : [userId];
    for (let i = 0; i < statement.todayParams; i++) params.push(today);
    const offset = (query.page - 1) * query.pageSize;
    const rows = await this.deps.readDb.rows<BillPageRow>(statement.select, [...params, query.pageSize, offset]);
    const bills = rows.map(billOfRow);
    if (bills.length === 0 && query.accountId !== undefined) await requireBound(this.em, userId, query.accountId);
    // A first page that is not full holds everything there is.
    const total =
      offset === 0 && bills.length < query.pageSize ? bills.length : Number((await this.deps.readDb.rows<{ n: number }>(statement.count, params))[0].n);
    const items = this.keptViews(bills, today) ?? (await this.readViews(bills, today));
    return { items, page: query.page, pageSize: query.pageSize, total };
  }

  /** Views for some bills, reading the account numbers not kept (at once) and any disputes. */
  private async readViews(bills: BillRow[], today: string): Promise<BillView[]> {
    return this.toViews(bills, today, await this.accountNumbers([...new Set(bills.map((b) => b.accountId))]));
  }

  /** One of the user's bills with its lines, live late fee and the payment that settled it. */
  async getBill(userId: number, billId: number): Promise<BillDetailView> {
    const bill = (await requireOwnBill(this.em, userId, billId)) as Bill & { status: ShownStatus };
    const view = await this.itemizedView(bill, await this.accountNumbers([bill.accountId]));
    return { ...view, payment: await this.paymentOf(bill), paidElsewhere: await this.paidElsewhereOf(bill) };
  }

  /** What an account owes today: unpaid amounts, late fees as of today, the oldest unpaid period. */
  async getArrears(userId: number, accountId: number): Promise<ArrearsView> {
    await requireBound(this.em, userId, accountId);
    const today = this.today();
    const rule = this.deps.config.operator.lateFee;
    const unpaid = await this.em.find(Bill, { accountId, status: 'unpaid' }, { orderBy: { period: 'asc' } });
    const suspended = await lateFeeSuspensions(this.deps.readDb, unpaid, today, rule);
    let principalFen = 0;
    let lateFeeFen = 0;
    let overdueBills = 0;
    for (const b of unpaid) {
      const amount = Number(b.amountFen);
      principalFen += amount;
      lateFeeFen += computeLateFeeFen(amount, b.dueDate, today, rule, suspended.get(b.id));
      if (b.dueDate < today) overdueBills++;
    }
    return {
      accountId,
      principalFen,
      lateFeeFen,
      totalDueFen: principalFen + lateFeeFen,
      unpaidBills: unpaid.length,
      overdueBills,
      oldestUnpaidPeriod: unpaid[0]?.period ?? null,
    };
  }

  /**
   * A bill as its receipt shows it (its lines, the late fee as of today for one still owed): the
   * payments module's receipts build on it.
   */
  receiptView(bill: Bill, accountNo: string): Promise<ItemizedBillView> {
    return this.itemizedView(bill as BillRow, new Map([[bill.accountId, accountNo]]));
  }

  /** One bill's view with its lines, read in their order (a correction from the billing system replaces them). */
  private async itemizedView(bill: BillRow, accountNo: Map<number, string>): Promise<ItemizedBillView> {
    const [view] = await this.toViews([bill], this.today(), accountNo);
    const lines = (await this.deps.readDb.entities(
      BillLine,
      'select `id`, `item_code`, `name`, `quantity`, `unit`, `unit_price_fen`, `amount_fen` from `bill_line` where `bill_id` = ? order by `id` asc',
      [bill.id],
    )) as BillLineRow[];
    return {
      ...view,
      lines: lines.map((l) => ({ id: l.id, itemCode: l.itemCode, name: l.name, quantity: Number(l.quantity), unit: l.unit, unitPriceFen: Number(l.unitPriceFen), amountFen: Number(l.amountFen) })),
    };
  }

  /** Where a bill paid outside the portal was paid (counter, bank withholding…), or null. */
  private async paidElsewhereOf(bill: Bill): Promise<BillDetailView['paidElsewhere']> {
    if (bill.status !== 'paid' || bill.paidChannel === null) return null;
    return { channel: bill.paidChannel, channelName: offlinePaymentChannelNames[bill.paidChannel], paidAt: bill.paidAt?.toISOString() ?? null };
  }

  /** Account numbers by account id: kept ones from memory (an account's number never changes), the rest in one query. */
  private accountNumbers(accountIds: number[]): Promise<Map<number, string>> {
    if (accountIds.length === 0) return Promise.resolve(new Map());
    return this.accountNoCache.getMany(accountIds, async (missing) => {
      const rows = await this.deps.readDb.rows<{ id: number; account_no: string }>(
        `select \`id\`, \`account_no\` from \`account\` where \`id\` in (${placeholders(missing.length)})`,
        missing,
      );
      return new Map(rows.map((r) => [Number(r.id), String(r.account_no)]));
    });
  }

  /**
   * Views for some bills when everything besides their rows is in memory: every account number
   * kept, and no bill that a dispute could lower the late fee of (see `mayHaveSuspensions`).
   * Undefined otherwise: `readViews` reads what is missing.
   */
  private keptViews(bills: readonly BillRow[], today: string): BillView[] | undefined {
    const rule = this.deps.config.operator.lateFee;
    const views: BillView[] = [];
    for (const b of bills) {
      const accountNo = this.accountNoCache.get(b.accountId);
      if (accountNo === undefined || mayHaveSuspensions(b, today, rule)) return undefined;
      views.push(billViewOf(b, today, rule, accountNo, undefined));
    }
    return views;
  }

  /** Views for some bills, given their account numbers: amounts and live late fees as of `today`. */
  private async toViews(bills: BillRow[], today: string, accountNo: Map<number, string>): Promise<BillView[]> {
    if (bills.length === 0) return [];
    const rule = this.deps.config.operator.lateFee;
    // Days under an open dispute of the bill carry no late fee.
    const suspended = await lateFeeSuspensions(this.deps.readDb, bills, today, rule);
    return bills.map((b) => billViewOf(b, today, rule, accountNo.get(b.accountId) ?? '', suspended.get(b.id)));
  }
}

function billOfRow(r: BillPageRow): BillRow {
  return {
    id: Number(r.id),
    accountId: Number(r.account_id),
    period: r.period,
    dueDate: r.due_date,
    status: r.status,
    amountFen: Number(r.amount_fen),
    lateFeeFen: Number(r.late_fee_fen),
    paidAt: dateOrNull(r.paid_at),
    disputed: r.disputed === undefined ? undefined : Number(r.disputed) > 0,
  };
}

/** A bill as its owner sees it. Unpaid bills carry no stored late fee: it grows daily, so it is computed as of `today`. */
function billViewOf(b: BillRow, today: string, rule: LateFeeRule, accountNo: string, suspensions: LateFeeSuspension[] | undefined): BillView {
  const amountFen = Number(b.amountFen);
  const lateFeeFen = b.status === 'paid' ? Number(b.lateFeeFen) : computeLateFeeFen(amountFen, b.dueDate, today, rule, suspensions);
  return {
    id: b.id,
    accountId: b.accountId,
    accountNo,
    period: b.period,
    dueDate: b.dueDate,
    status: billStatusOf(b.status, b.dueDate, today),
    amountFen,
    lateFeeFen,
    totalFen: amountFen + lateFeeFen,
    paidAt: b.paidAt ? new Date(b.paidAt).toISOString() : null,
  };
}

/** The bills page's statements for one shape of request; `todayParams` is how many times today's date follows the ids. */
interface BillsPageStatement {
  select: string;
  count: string;
  todayParams: number;
}

const billsPageStatements = new Map<string, BillsPageStatement>();

/**
 * The bills page's SELECT and COUNT for a request with or without an account and with some displayed
 * statuses: written once for each of the few shapes there are. Each displayed status is a condition
 * on the stored status and the due date. Parameters: the user, the account (when given), today as
 * often as `todayParams` says, then (for the SELECT) the page size and offset.
 */
function billsPageStatement(byAccount: boolean, shown: readonly BillStatus[] | undefined): BillsPageStatement {
  const statuses = new Set(shown ?? billStatuses);
  const key = `${byAccount}:${billStatuses.filter((s) => statuses.has(s)).join(',')}`;
  let statement = billsPageStatements.get(key);
  if (statement) return statement;
  const conditions = ['`account_binding`.`user_id` = ?'];
  if (byAccount) conditions.push('`bill`.`account_id` = ?');
  let todayParams = 0;
  if (statuses.size === billStatuses.length) conditions.push(`\`bill\`.\`status\` in ${SHOWN_SQL}`);
  else {
    const or: string[] = [];
    if (statuses.has('paid')) or.push("`bill`.`status` = 'paid'");
    if (statuses.has('unpaid')) {
      or.push("(`bill`.`status` = 'unpaid' and `bill`.`due_date` >= ?)");
      todayParams++;
    }
    if (statuses.has('overdue')) {
      or.push("(`bill`.`status` = 'unpaid' and `bill`.`due_date` < ?)");
      todayParams++;
    }
    conditions.push(`(${or.join(' or ')})`);
  }
  const where = `from \`bill\` join \`account_binding\` on \`account_binding\`.\`account_id\` = \`bill\`.\`account_id\` where ${conditions.join(' and ')}`;
  statement = {
    select:
      'select `bill`.`id`, `bill`.`account_id`, `bill`.`period`, `bill`.`due_date`, `bill`.`status`, `bill`.`amount_fen`, `bill`.`late_fee_fen`, `bill`.`paid_at`' +
      // Only an overdue bill can carry a late fee, which a dispute may lower. The column costs
      // MariaDB about 40 µs a statement, so it is read only when overdue bills are asked for.
      (statuses.has('overdue') ? `, ${DISPUTED_SQL} as \`disputed\` ` : ' ') +
      `${where} order by \`bill\`.\`period\` desc, \`bill\`.\`account_id\` asc, \`bill\`.\`id\` desc limit ? offset ?`,
    count: `select count(*) as \`n\` ${where}`,
    todayParams,
  };
  billsPageStatements.set(key, statement);
  return statement;
}
