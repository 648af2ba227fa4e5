import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import {
  billStatuses,
  billStatusOf,
  businessDate,
  computeLateFeeFen,
  paymentChannelNames,
  type ArrearsView,
  type BillDetailView,
  type BillLineView,
  type BillPaymentView,
  type BillsQuery,
  type BillView,
  type Page,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Account } from '../accounts/account.entity';
import { PaymentOrder } from '../payments/payment-order.entity';
import { BillLine } from './bill-line.entity';
import { Bill } from './bill.entity';
import { renderReceiptHtml } from './billing.receipt';
import { lateFeeSuspensions } from './bill-disputes.service';

/**
 * Bills as their owners see them: listing, detail with the settling payment, arrears, receipts.
 * Every method checks on its first line that the user has bound the account (or the bill's
 * account); otherwise it answers 404, so ids reveal nothing about other people's bills.
 */
export class BillingService {
  constructor(private readonly deps: AppDeps) {}

  private get em(): EntityManager {
    return this.deps.orm.em;
  }

  /** Today's business date (Asia/Shanghai): what "overdue" and live late fees are measured against. */
  private today(): string {
    return businessDate(this.deps.clock.now());
  }

  /** The user's bills, newest period first; one query each for the page, its lines and its accounts. */
  async listBills(userId: number, query: BillsQuery): Promise<Page<BillView>> {
    const accountIds = await this.ownAccountIds(userId, query.accountId);
    const empty = { items: [], page: query.page, pageSize: query.pageSize, total: 0 };
    if (accountIds.length === 0) return empty;
    const today = this.today();
    // Each displayed status is a condition on the stored status and the due date.
    const statuses = new Set(query.status ?? billStatuses);
    const or: FilterQuery<Bill>[] = [];
    if (statuses.has('paid')) or.push({ status: 'paid' });
    if (statuses.has('unpaid')) or.push({ status: 'unpaid', dueDate: { $gte: today } });
    if (statuses.has('overdue')) or.push({ status: 'unpaid', dueDate: { $lt: today } });
    const where: FilterQuery<Bill> = statuses.size === billStatuses.length ? { accountId: { $in: accountIds } } : { accountId: { $in: accountIds }, $or: or };
    const [bills, total] = await this.em.findAndCount(Bill, where, {
      orderBy: { period: 'desc', accountId: 'asc', id: 'desc' },
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    return { items: await this.toViews(bills, today), page: query.page, pageSize: query.pageSize, total };
  }

  /** One of the user's bills with its lines, live late fee and the payment that settled it. */
  async getBill(userId: number, billId: number): Promise<BillDetailView> {
    const bill = await this.requireOwnBill(userId, billId);
    const [view] = await this.toViews([bill], this.today());
    return { ...view, payment: await this.paymentOf(bill) };
  }

  /** What an account owes today: unpaid amounts, late fees as of today, the oldest unpaid period. */
  async getArrears(userId: number, accountId: number): Promise<ArrearsView> {
    await this.requireOwnAccount(userId, accountId);
    const today = this.today();
    const rule = this.deps.config.operator.lateFee;
    const unpaid = await this.em.find(Bill, { accountId, status: 'unpaid' }, { orderBy: { period: 'asc' } });
    const suspended = await lateFeeSuspensions(this.em, unpaid.map((b) => b.id));
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

  /** The print-ready receipt (缴费凭证) of one of the user's paid bills; 409 while it is unpaid. */
  async renderReceipt(userId: number, billId: number, nonce: string): Promise<string> {
    const bill = await this.requireOwnBill(userId, billId);
    if (bill.status !== 'paid') throw new AppError('BILL_NOT_PAID', 409, '该账单尚未缴费，缴费后才能打印缴费凭证');
    const account = await this.em.findOneOrFail(Account, bill.accountId);
    const [view] = await this.toViews([bill], this.today(), [account]);
    return renderReceiptHtml({
      operatorName: this.deps.config.operator.name,
      hotline: this.deps.config.operator.hotlines.find((h) => h.kind === 'service')?.number ?? null,
      account,
      bill: view,
      payment: await this.paymentOf(bill),
      printedAt: this.deps.clock.now(),
      nonce,
    });
  }

  /** The ids of the user's bound accounts, or just `accountId` after checking it is one of them. */
  private async ownAccountIds(userId: number, accountId: number | undefined): Promise<number[]> {
    if (accountId !== undefined) {
      await this.requireOwnAccount(userId, accountId);
      return [accountId];
    }
    const bindings = await this.em.find(AccountBinding, { userId }, { fields: ['accountId'] });
    return bindings.map((b) => b.accountId);
  }

  private async requireOwnAccount(userId: number, accountId: number): Promise<void> {
    if ((await this.em.count(AccountBinding, { userId, accountId })) === 0) throw new NotFoundError('户号');
  }

  /** The bill if its account is bound to the user; 404 otherwise, exactly like a bill that does not exist. */
  private async requireOwnBill(userId: number, billId: number): Promise<Bill> {
    const bill = await this.em.findOne(Bill, billId);
    if (!bill || (await this.em.count(AccountBinding, { userId, accountId: bill.accountId })) === 0) throw new NotFoundError('账单');
    return bill;
  }

  /** The portal payment that settled a bill, or null (unpaid, or paid at a hall, bank or elsewhere). */
  private async paymentOf(bill: Bill): Promise<BillPaymentView | null> {
    if (bill.status !== 'paid' || bill.paymentId === null) return null;
    const order = await this.em.findOne(PaymentOrder, bill.paymentId);
    if (!order) return null;
    return {
      orderId: order.id,
      channel: order.channel,
      channelName: paymentChannelNames[order.channel] ?? order.channel,
      outTradeNo: order.outTradeNo,
      gatewayTradeNo: order.gatewayTradeNo,
      paidAt: (order.paidAt ?? bill.paidAt)?.toISOString() ?? null,
    };
  }

  /** Views for some bills: their lines and accounts are read in one query each, never one per bill. */
  private async toViews(bills: Bill[], today: string, knownAccounts?: Account[]): Promise<BillView[]> {
    if (bills.length === 0) return [];
    const em = this.em;
    const billIds = bills.map((b) => b.id);
    const lines = await em.find(BillLine, { billId: { $in: billIds } }, { orderBy: { billId: 'asc', id: 'asc' } });
    const accounts = knownAccounts ?? (await em.find(Account, { id: { $in: [...new Set(bills.map((b) => b.accountId))] } }, { fields: ['id', 'accountNo'] }));
    const accountNo = new Map(accounts.map((a) => [a.id, a.accountNo]));
    const linesByBill = new Map<number, BillLineView[]>();
    for (const l of lines) {
      const list = linesByBill.get(l.billId) ?? [];
      list.push({ id: l.id, itemCode: l.itemCode, name: l.name, quantity: Number(l.quantity), unit: l.unit, unitPriceFen: Number(l.unitPriceFen), amountFen: Number(l.amountFen) });
      linesByBill.set(l.billId, list);
    }
    const rule = this.deps.config.operator.lateFee;
    // Days under an open dispute of the bill carry no late fee.
    const suspended = await lateFeeSuspensions(em, billIds);
    return bills.map((b) => {
      const amountFen = Number(b.amountFen);
      // Unpaid bills carry no stored late fee: it grows daily, so it is computed as of today.
      const lateFeeFen = b.status === 'paid' ? Number(b.lateFeeFen) : computeLateFeeFen(amountFen, b.dueDate, today, rule, suspended.get(b.id));
      return {
        id: b.id,
        accountId: b.accountId,
        accountNo: accountNo.get(b.accountId) ?? '',
        period: b.period,
        dueDate: b.dueDate,
        status: billStatusOf(b.status, b.dueDate, today),
        amountFen,
        lateFeeFen,
        totalFen: amountFen + lateFeeFen,
        paidAt: b.paidAt ? new Date(b.paidAt).toISOString() : null,
        lines: linesByBill.get(b.id) ?? [],
      };
    });
  }
}
