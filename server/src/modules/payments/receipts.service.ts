import type { EntityManager } from '@mikro-orm/knex';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import { isBound } from '../access/access';
import { Account } from '../accounts/account.entity';
import { Bill } from '../billing/bill.entity';
import type { BillingService } from '../billing/billing.service';
import { PaymentOrderBill } from './payment-order-bill.entity';
import { PaymentOrder } from './payment-order.entity';
import { billPaymentView } from './payment-views';
import { renderOrderReceiptHtml, renderReceiptHtml, type ReceiptRefund } from './receipt.html';
import { Refund } from './refund.entity';

/**
 * Receipts (缴费凭证) of what the portal's payments paid: of one bill, and of one bill order. Pages,
 * not JSON (receipt.html.ts); the bills in them as the billing module shows them.
 */
export class ReceiptsService {
  constructor(
    private readonly deps: AppDeps,
    private readonly billing: BillingService,
  ) {}

  private get em(): EntityManager {
    return this.deps.orm.em;
  }

  /**
   * The print-ready receipt (缴费凭证) of one of the user's paid bills, saying what was refunded of
   * its portal payment. A bill owed again because its portal payment was refunded in full answers
   * that payment's receipt marked void (已退款 · 本凭证作废), so the subscriber reads what happened;
   * 409 for a bill that was never paid. Someone who paid the bill for its holder (代缴, a shared
   * bill) gets the receipt of their own order's payment of it, and nothing about any other payment
   * (404 like any bill not theirs); the holder is shown masked there as on every receipt.
   */
  async renderReceipt(userId: number, billId: number, nonce: string): Promise<string> {
    const bill = await this.em.findOne(Bill, billId);
    if (!bill || bill.status === 'cancelled') throw new NotFoundError('账单');
    const bound = await isBound(this.em, userId, bill.accountId);
    // The payment whose refund reopened this bill last (bill-settlement.ts reverses bills), if any.
    let reversed: PaymentOrderBill | null = null;
    let orderId: number | null = null;
    if (bound) {
      reversed = bill.status === 'paid' ? null : await this.em.findOne(PaymentOrderBill, { billId: bill.id, reversal: 'reopened' }, { orderBy: { reversedAt: 'desc', id: 'desc' } });
      if (bill.status !== 'paid' && !reversed) throw new AppError('BILL_NOT_PAID', 409, '该账单尚未缴费，缴费后才能打印缴费凭证');
      orderId = reversed ? reversed.orderId : bill.paymentId;
    } else {
      const paidByMe = bill.status === 'paid' && bill.paymentId !== null && (await this.em.count(PaymentOrder, { id: bill.paymentId, userId })) > 0;
      if (paidByMe) orderId = bill.paymentId;
      else {
        // The payer's own payment of it, refunded in full since: its receipt, marked void.
        const mine = (await this.em.find(PaymentOrder, { userId, kind: 'bills', refundedFen: { $gt: 0 } }, { fields: ['id'] })).map((o) => o.id);
        reversed = mine.length > 0 ? await this.em.findOne(PaymentOrderBill, { billId: bill.id, orderId: { $in: mine }, reversal: 'reopened' }, { orderBy: { reversedAt: 'desc', id: 'desc' } }) : null;
        if (!reversed) throw new NotFoundError('账单');
        orderId = reversed.orderId;
      }
    }
    const account = await this.em.findOneOrFail(Account, bill.accountId);
    const current = await this.billing.receiptView(bill, account.accountNo);
    const order = orderId !== null ? await this.em.findOne(PaymentOrder, orderId) : null;
    // A void receipt shows what the refunded payment paid for the bill, not what it owes today.
    const view = reversed
      ? { ...current, lateFeeFen: Number(reversed.lateFeeFen), totalFen: Number(reversed.amountFen) + Number(reversed.lateFeeFen), paidAt: order?.paidAt ? new Date(order.paidAt).toISOString() : null }
      : current;
    return renderReceiptHtml({
      ...this.receiptOperator(),
      account,
      bill: view,
      payment: order ? billPaymentView(order, bill.paidAt) : null,
      refund: order ? await this.refundOf(order, reversed !== null) : null,
      printedAt: this.deps.clock.now(),
      nonce,
    });
  }

  /**
   * The print-ready receipt (缴费凭证) of one of the user's bill payment orders: every bill it paid,
   * at the amounts it paid (fixed when the order was made), whoever's account they are on — the
   * receipt of a payer who paid for someone else (代缴, a shared bill) as much as the holder's. The
   * holders are shown masked. Refunds are said as on a bill's receipt; a payment refunded in full
   * is marked void. 404 for an order not the user's or not of bills; 409 for one not paid, or whose
   * money paid no bill (someone else paid them first: it is refunded).
   */
  async renderOrderReceipt(userId: number, orderId: number, nonce: string): Promise<string> {
    const order = await this.em.findOne(PaymentOrder, { id: orderId, userId, kind: 'bills' });
    if (!order) throw new NotFoundError('订单');
    if (order.status !== 'paid' && order.status !== 'refunding' && order.status !== 'refunded') throw new AppError('BILL_NOT_PAID', 409, '该订单尚未支付成功，没有缴费凭证');
    const items = await this.em.find(PaymentOrderBill, { orderId }, { orderBy: { id: 'asc' } });
    const bills = new Map((await this.em.find(Bill, { id: { $in: items.map((i) => i.billId) } })).map((b) => [b.id, b]));
    // Bills this order settled (and still holds, or held until its refund reopened them).
    const settled = items.filter((i) => bills.get(i.billId)?.paymentId === order.id || i.reversal === 'reopened');
    if (settled.length === 0) throw new AppError('BILL_NOT_PAID', 409, '该笔支付未用于缴费（账单已由他人先行缴清），款项原路退回，没有缴费凭证');
    const accounts = new Map((await this.em.find(Account, { id: { $in: [...new Set(settled.map((i) => bills.get(i.billId)!.accountId))] } })).map((a) => [a.id, a]));
    const refund = await this.refundOf(order, Number(order.refundedFen) >= Number(order.paidAmountFen ?? order.amountFen));
    return renderOrderReceiptHtml({
      ...this.receiptOperator(),
      bills: settled
        .map((i) => {
          const bill = bills.get(i.billId)!;
          const account = accounts.get(bill.accountId)!;
          return { accountNo: account.accountNo, holderName: account.holderName, period: bill.period, amountFen: Number(i.amountFen), lateFeeFen: Number(i.lateFeeFen) };
        })
        .sort((a, b) => a.accountNo.localeCompare(b.accountNo) || a.period.localeCompare(b.period)),
      payment: billPaymentView(order, null),
      refund,
      printedAt: this.deps.clock.now(),
      nonce,
    });
  }

  private receiptOperator(): { operatorName: string; hotline: string | null } {
    return { operatorName: this.deps.config.operator.name, hotline: this.deps.config.operator.hotlines.find((h) => h.kind === 'service')?.number ?? null };
  }

  /** What was refunded of a payment order, for its receipt; null when nothing was. */
  private async refundOf(order: PaymentOrder, voided: boolean): Promise<ReceiptRefund | null> {
    if (Number(order.refundedFen) <= 0) return null;
    const last = await this.em.findOne(Refund, { orderId: order.id, status: 'success' }, { orderBy: { updatedAt: 'desc', id: 'desc' } });
    return { refundedFen: Number(order.refundedFen), orderAmountFen: Number(order.paidAmountFen ?? order.amountFen), refundedAt: last ? new Date(last.updatedAt) : null, voided };
  }
}
