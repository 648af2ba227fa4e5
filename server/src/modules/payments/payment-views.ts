import type { EntityManager } from '@mikro-orm/knex';
import type { PaymentOrderView, RefundView, StaffRefundView } from '@openhall/shared';
import { PaymentOrderBill } from './payment-order-bill.entity';
import type { PaymentOrder } from './payment-order.entity';
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
