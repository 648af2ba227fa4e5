import { z } from 'zod';
import { pageQuerySchema, urlIdSchema } from './common';
import type { OfflinePaymentChannel } from './billing-records';
import type { PaymentChannel } from './payments';

/**
 * A bill's status as the subscriber sees it. Only `unpaid` and `paid` are stored; `overdue` is an
 * unpaid bill whose due date is before today's business date (Asia/Shanghai), so the same bill
 * turns overdue at midnight without anything being written.
 */
export const billStatuses = ['unpaid', 'paid', 'overdue'] as const;
export type BillStatus = (typeof billStatuses)[number];

/**
 * The displayed status of a bill on the business date `today`: paying on the due date itself is
 * on time, the day after it is overdue.
 *
 * @example billStatusOf('unpaid', '2026-03-20', '2026-03-21') // 'overdue'
 */
export function billStatusOf(stored: 'unpaid' | 'paid', dueDate: string, today: string): BillStatus {
  if (stored === 'paid') return 'paid';
  return dueDate < today ? 'overdue' : 'unpaid';
}

/** Optional numeric id in a query string; an empty value (`?accountId=`) counts as absent. */
const optionalQueryId = z.preprocess((v) => (v === '' ? undefined : v), urlIdSchema.optional());

/**
 * `GET /api/v1/bills` query. `status` filters on the displayed status and takes one value or a
 * comma-separated list: `unpaid` means "not yet due", so "everything owed" is `unpaid,overdue`.
 * Without `accountId` the bills of all the user's accounts are listed.
 */
export const billsQuerySchema = pageQuerySchema.extend({
  accountId: optionalQueryId,
  status: z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : String(v).split(',').map((s) => s.trim())),
    z.array(z.enum(billStatuses)).min(1).optional(),
  ),
});
export type BillsQuery = z.infer<typeof billsQuerySchema>;

/** One charge line of a bill (water fee, sewage fee, monthly package fee…), amounts in fen. */
export interface BillLineView {
  /** The line's id: what a dispute (`POST /api/v1/bills/:id/dispute`) names. */
  id: number;
  itemCode: string;
  name: string;
  quantity: number;
  unit: string;
  unitPriceFen: number;
  amountFen: number;
}

/** The payment that settled a bill through the portal. */
export interface BillPaymentView {
  orderId: number;
  channel: PaymentChannel;
  /** 微信支付 / 支付宝, for display. */
  channelName: string;
  /** The portal's order number sent to the gateway. */
  outTradeNo: string;
  /** The gateway's transaction number (交易单号). */
  gatewayTradeNo: string | null;
  /** ISO 8601 UTC. */
  paidAt: string | null;
}

/**
 * A bill as its owner's bills list shows it (`GET /api/v1/bills`): what it costs today and whether it
 * is owed. Its charge lines are in the bill's detail (`ItemizedBillView`), which the list opens.
 */
export interface BillView {
  id: number;
  accountId: number;
  accountNo: string;
  /** Billing period, YYYY-MM. */
  period: string;
  /** Last day to pay without a late fee, YYYY-MM-DD (business time). */
  dueDate: string;
  status: BillStatus;
  /** Sum of the charge lines, late fee excluded. */
  amountFen: number;
  /** Unpaid bills: the late fee as of today (it grows daily). Paid bills: the late fee that was settled. */
  lateFeeFen: number;
  /** `amountFen + lateFeeFen`: what paying today costs, or what was paid. */
  totalFen: number;
  /** ISO 8601 UTC, or null while unpaid. */
  paidAt: string | null;
}

/** A bill with its charge lines: its detail and its receipt. */
export interface ItemizedBillView extends BillView {
  lines: BillLineView[];
}

/** `GET /api/v1/bills/:id`: the bill, its lines, and the payment that settled it (null when unpaid or paid elsewhere). */
export interface BillDetailView extends ItemizedBillView {
  payment: BillPaymentView | null;
  /** Paid outside the portal (hall counter, bank withholding, an agent, another platform): where, and when. */
  paidElsewhere: { channel: OfflinePaymentChannel; channelName: string; paidAt: string | null } | null;
}

/** `GET /api/v1/accounts/:id/arrears`: what an account owes today. */
export interface ArrearsView {
  accountId: number;
  /** Sum of the unpaid bills' amounts, late fees excluded. */
  principalFen: number;
  /** Sum of the unpaid bills' late fees as of today. */
  lateFeeFen: number;
  /** `principalFen + lateFeeFen`: what settling everything costs today. */
  totalDueFen: number;
  /** Unpaid bills, overdue ones included. */
  unpaidBills: number;
  overdueBills: number;
  /** The oldest unpaid period (YYYY-MM), or null when nothing is owed. */
  oldestUnpaidPeriod: string | null;
}

/** How each payment channel is named to people (receipts, order lists). */
export const paymentChannelNames: Record<PaymentChannel, string> = {
  wechat_jsapi: '微信支付',
  wechat_mp_jsapi: '微信支付',
  wechat_h5: '微信支付',
  alipay_wap: '支付宝',
};
