import type { EntityManager } from '@mikro-orm/knex';
import { paymentChannelNames, type BillPaymentView, type PaymentOrderView, type RefundView, type StaffRefundView } from '@openhall/shared';
import type { Bill } from '../billing/bill.entity';
import { PaymentOrderBill } from './payment-order-bill.entity';
import { PaymentOrder } from './payment-order.entity';
import type { Refund } from './refund.entity';

/** An order as its payer and staff read it, with the bills it pays. */
export async function orderView(em: EntityManager, order: PaymentOrder): Promise<PaymentOrderView> {
  const bills = await em.find(PaymentOrderBill, { orderId: order.id }, { orderBy: { id: 'asc' } });
  return {
    id: order.id,
    outTradeNo: order.outTradeNo,
    kind: order.kind,
    channel: order.channel,
    status: order.status,
    amountFen: Number(order.amountFen),
    description: order.description,
    expiresAt: new Date(order.expiresAt).toISOString(),
    paidAt: order.paidAt ? new Date(order.paidAt).toISOString() : null,
    refundedFen: Number(order.refundedFen),
    billIds: bills.map((b) => b.billId),
    closeUnconfirmed: order.status === 'closed' && order.gatewayCheckUntil !== null && order.gatewayTradeNo === null,
    createdAt: new Date(order.createdAt).toISOString(),
  };
}

/** A refund as staff read it beside its order, with its retries and who resolved it. */
export function staffRefundView(r: Refund, order: PaymentOrder): StaffRefundView {
  return {
    ...refundView(r),
    outTradeNo: order.outTradeNo,
    channel: order.channel,
    orderKind: order.kind,
    attempts: Number(r.attempts),
    nextAttemptAt: r.nextAttemptAt ? new Date(r.nextAttemptAt).toISOString() : null,
    lastError: r.lastError,
    resolvedAt: r.resolvedAt ? new Date(r.resolvedAt).toISOString() : null,
    resolvedBy: r.resolvedByStaffId === null ? null : { staffId: Number(r.resolvedByStaffId), name: r.resolvedByName ?? '', jobNo: r.resolvedByJobNo ?? '' },
    resolutionNote: r.resolutionNote,
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

/** A refund as its order's reader sees it. */
export function refundView(r: Refund): RefundView {
  return {
    id: r.id,
    orderId: r.orderId,
    outRefundNo: r.outRefundNo,
    amountFen: Number(r.amountFen),
    reason: r.reason,
    kind: r.kind,
    status: r.status,
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

/** A portal payment as a bill's detail and receipts show it. */
export function billPaymentView(order: PaymentOrder, billPaidAt: Date | null): BillPaymentView {
  return {
    orderId: order.id,
    channel: order.channel,
    channelName: paymentChannelNames[order.channel] ?? order.channel,
    outTradeNo: order.outTradeNo,
    gatewayTradeNo: order.gatewayTradeNo,
    paidAt: (order.paidAt ?? billPaidAt)?.toISOString() ?? null,
  };
}

/** The portal payment that settled a bill, or null (unpaid, or paid at a hall, a bank or elsewhere). */
export async function billPaymentOf(em: EntityManager, bill: Bill): Promise<BillPaymentView | null> {
  if (bill.status !== 'paid' || bill.paymentId === null) return null;
  const order = await em.findOne(PaymentOrder, bill.paymentId);
  return order ? billPaymentView(order, bill.paidAt) : null;
}
