import { z } from 'zod';
import { dateSchema, pageQuerySchema, textSchema } from './common';

/**
 * How the subscriber pays: WeChat JSAPI in the mini-program (`wechat_jsapi`, the mini-program's
 * appid); WeChat JSAPI in WeChat's own browser (`wechat_mp_jsapi`, under the official account's
 * appid, the payer's openid from its OAuth); WeChat H5 or Alipay WAP in any other browser.
 */
export const paymentChannels = ['wechat_jsapi', 'wechat_mp_jsapi', 'wechat_h5', 'alipay_wap'] as const;
export type PaymentChannel = (typeof paymentChannels)[number];

/** Which gateway a channel goes through. */
export type PaymentGatewayName = 'wechatpay' | 'alipay';

/** What an order pays for. */
export type PaymentOrderKind = 'bills' | 'renewal' | 'topup';

/** Forward-only order states: created → paid → refunding → refunded, or created → closed. */
export const paymentOrderStatuses = ['created', 'paid', 'refunding', 'refunded', 'closed'] as const;
export type PaymentOrderStatus = (typeof paymentOrderStatuses)[number];

export type RefundKind = 'staff' | 'auto_duplicate' | 'auto_late';
export const refundStatuses = ['processing', 'success', 'failed'] as const;
export type RefundStatus = (typeof refundStatuses)[number];

/** How each refund kind is named in the staff console. */
export const refundKindNames: Record<RefundKind, string> = {
  staff: '人工退款',
  auto_duplicate: '重复支付自动退款',
  auto_late: '订单关闭后到账自动退款',
};

/**
 * What a full refund of a bill order did to one of its bills: `reopened` (owed again, the
 * write-off reversed at the billing system), or `kept` (no longer this order's to reopen: paid
 * another way, or withdrawn, meanwhile).
 */
export type BillReversal = 'reopened' | 'kept';

/** The gateway a channel belongs to. */
export function gatewayOf(channel: PaymentChannel): PaymentGatewayName {
  return channel === 'alipay_wap' ? 'alipay' : 'wechatpay';
}

/** `POST /api/v1/payments`: the server computes the amount from the bills; the client never sends one. */
export const createBillPaymentSchema = z.object({
  billIds: z.array(z.number().int().positive()).min(1, '请选择要缴纳的账单').max(24),
  channel: z.enum(paymentChannels),
  /** Where the H5 cashier returns to after paying (same-origin path). */
  returnPath: textSchema()
    .regex(/^\/(?![/\\])[^\s\\]*$/, '须为本站路径')
    .max(200)
    .optional(),
});
export type CreateBillPaymentInput = z.infer<typeof createBillPaymentSchema>;

/** A payment order as its owner sees it. */
export interface PaymentOrderView {
  id: number;
  outTradeNo: string;
  kind: PaymentOrderKind;
  channel: PaymentChannel;
  status: PaymentOrderStatus;
  amountFen: number;
  description: string;
  /** ISO instant after which the order can no longer be paid. */
  expiresAt: string;
  paidAt: string | null;
  refundedFen: number;
  /** The bills this order pays (empty for renewal orders). */
  billIds: number[];
  /**
   * Closed here while its gateway could not be reached: the gateway is asked again until it
   * confirms; money that still arrives for the order is refunded automatically.
   */
  closeUnconfirmed: boolean;
  createdAt: string;
}

/** What the client does next to pay: call `wx.requestPayment(params)` or open `url`. */
export type PaymentAction =
  | {
      kind: 'requestPayment';
      params: { appId: string; timeStamp: string; nonceStr: string; package: string; signType: 'RSA'; paySign: string };
    }
  | { kind: 'redirect'; url: string };

/** Answer of `POST /api/v1/payments` (and of renewal orders). */
export interface CreatePaymentResult {
  order: PaymentOrderView;
  pay: PaymentAction;
}

/**
 * Where an H5 cashier sends the browser back, in the return address's `via` (beside `paymentId`):
 * - absent: Alipay's return_url, reached after paying;
 * - `quit`: Alipay's quit_url, the payer left the cashier without paying;
 * - `wechat`: WeChat H5's redirect_url, reached after paying, after cancelling, or a few seconds
 *   after the cashier opened, so it says nothing about the payment;
 * - `oauth`: back from the official account's OAuth (`code` and `state` beside it) to pay in WeChat.
 */
export type PaymentReturnVia = 'quit' | 'wechat' | 'oauth';

/**
 * `POST /api/v1/payments/:id/pay`: go on paying an open order (after leaving its cashier, after
 * the official account's OAuth). Answers what the client does next, as creating it did.
 */
export const continuePaymentSchema = z.object({
  /** Where an H5 cashier returns to (same-origin path), as when creating the order. */
  returnPath: textSchema()
    .regex(/^\/(?![/\\])[^\s\\]*$/, '须为本站路径')
    .max(200)
    .optional(),
  /** The code the official account's OAuth (snsapi_base) sent back with, and its `state`. */
  oauthCode: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, '授权码无效').optional(),
  oauthState: z.string().regex(/^[A-Za-z0-9]{1,128}$/, '授权状态无效').optional(),
});
export type ContinuePaymentInput = z.infer<typeof continuePaymentSchema>;

/**
 * `GET /api/v1/client-config`: what the clients need to know about this deployment before they
 * offer anything. Public, the same for everyone.
 */
export interface ClientConfigView {
  /**
   * An official account (公众号) is configured: the H5 site opened inside WeChat pays by WeChat
   * Pay JSAPI under it (`wechat_mp_jsapi`). Without one, WeChat's browser cannot pay here (WeChat
   * H5 pay is for other browsers, and WeChat blocks Alipay's hand-off), and the site says how to pay.
   */
  wechatOfficialAccount: boolean;
}

/** `GET /api/v1/payments/:id?refresh=true`: ask the gateway when the order is still open. */
export const paymentStatusQuerySchema = z.object({
  refresh: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
});

/** `POST /api/v1/staff/payments/:id/refunds` (supervisor): full or partial, with a reason. */
export const staffRefundSchema = z.object({
  amountFen: z.number().int().positive(),
  reason: textSchema({ trim: true }).min(2, '请填写退款原因').max(80),
});
export type StaffRefundInput = z.infer<typeof staffRefundSchema>;

/** A refund as staff see it. */
export interface RefundView {
  id: number;
  orderId: number;
  outRefundNo: string;
  amountFen: number;
  reason: string;
  kind: RefundKind;
  status: RefundStatus;
  createdAt: string;
}

/**
 * `GET /api/v1/staff/refunds` (supervisor): refunds by status, newest first; `resolved=false`
 * (with `status=failed`) is what still needs someone: refused by the gateway, not yet handled.
 */
export const staffRefundQuerySchema = pageQuerySchema.extend({
  status: z.enum(refundStatuses).optional(),
  resolved: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
});
/** Query of `GET /api/v1/staff/refunds`. */
export type StaffRefundQuery = z.infer<typeof staffRefundQuerySchema>;

/** A refund as the console lists it: its order, how often the gateway refused it, and who resolved it. */
export interface StaffRefundView extends RefundView {
  outTradeNo: string;
  channel: PaymentChannel;
  orderKind: PaymentOrderKind;
  /** Times the gateway refused it. */
  attempts: number;
  /** The next automatic try; null when none is planned (staff refunds, resolved ones, or not refused). */
  nextAttemptAt: string | null;
  /** The gateway's last refusal. */
  lastError: string | null;
  resolvedAt: string | null;
  /** The supervisor who resolved it, as named then. */
  resolvedBy: { staffId: number; name: string; jobNo: string } | null;
  resolutionNote: string | null;
  updatedAt: string;
}

/**
 * `POST /api/v1/staff/refunds/:id/resolve` (supervisor): a refused refund handled by hand (paid
 * back at the counter, through the merchant platform's abnormal-refund page…), with what was done.
 * Stops the automatic retries; once only.
 */
export const resolveRefundSchema = z.object({
  note: textSchema({ multiline: true, trim: true }).min(2, '请填写处理说明（至少2个字）').max(500, '处理说明不能超过500个字'),
});
/** Body of `POST /api/v1/staff/refunds/:id/resolve`. */
export type ResolveRefundInput = z.infer<typeof resolveRefundSchema>;

// ---- reconciliation (对账) ----

/** What a reconciliation difference is about: a payment or a refund (against a gateway), a write-off (against the billing system). */
export type ReconciliationSubject = 'payment' | 'refund' | 'writeoff';

/**
 * The ledgers the portal's orders are checked against each day: each gateway's trade bill, and
 * (external billing mode) the billing system's write-offs, the third ledger.
 */
export const reconciliationLedgers = ['wechatpay', 'alipay', 'billing'] as const;
/** One of {@link reconciliationLedgers}. */
export type ReconciliationLedger = (typeof reconciliationLedgers)[number];

/**
 * How a ledger and the portal disagree:
 * - `missing_in_portal`: the gateway has it, the portal does not (or not as paid/refunded);
 * - `missing_at_gateway`: the portal has it, the gateway's bill for that day does not;
 * - `amount_mismatch`: both have it, with different amounts;
 * - `status_mismatch`: both have it, in states that contradict each other;
 * - `writeoff_without_payment`: the billing system wrote off bills for a portal payment the portal does not have;
 * - `paid_not_written_off`: the portal settled bills that day and the billing system has no write-off of them.
 */
export const reconciliationDiffKinds = ['missing_in_portal', 'missing_at_gateway', 'amount_mismatch', 'status_mismatch', 'writeoff_without_payment', 'paid_not_written_off'] as const;
export type ReconciliationDiffKind = (typeof reconciliationDiffKinds)[number];

/** A run's state: another instance may hold it `running` (a lease), a `failed` one is retried. */
export type ReconciliationRunStatus = 'running' | 'done' | 'failed';

/** `POST /api/v1/staff/reconciliation/runs` (supervisor): reconcile one business date, every ledger unless one is named. */
export const runReconciliationSchema = z.object({
  date: dateSchema,
  gateway: z.enum(reconciliationLedgers).optional(),
});
export type RunReconciliationInput = z.infer<typeof runReconciliationSchema>;

/** `GET /api/v1/staff/reconciliation/differences` (supervisor): paged, newest first. */
export const reconciliationDiffQuerySchema = pageQuerySchema.extend({
  date: dateSchema.optional(),
  gateway: z.enum(reconciliationLedgers).optional(),
  kind: z.enum(reconciliationDiffKinds).optional(),
  resolved: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
});
export type ReconciliationDiffQuery = z.infer<typeof reconciliationDiffQuerySchema>;

/** One reconciliation run of a date and ledger, with what it counted. */
export interface ReconciliationRunView {
  date: string;
  gateway: ReconciliationLedger;
  status: ReconciliationRunStatus;
  /** Rows in the gateway's trade bill (for the billing system: its write-offs of the day). */
  gatewayPayments: number;
  gatewayRefunds: number;
  /** Portal payments and refunds of that day through that gateway (for the billing system: the day's settled bill orders). */
  portalPayments: number;
  portalRefunds: number;
  /** Differences found by this run (including those it resolved itself). */
  differences: number;
  /** Orders this run settled from the gateway's bill (payments whose notification never arrived). */
  settled: number;
  startedAt: string | null;
  finishedAt: string | null;
  /** Why the last attempt failed (the gateway's bill not ready yet, network). */
  error: string | null;
}

/** What each automatic resolution of a reconciliation difference means, in words (`manual` names the supervisor instead). */
export const reconciliationResolutionNames: Readonly<Record<string, string>> = {
  settled: '已按渠道账单补记入账',
  refunded_late: '已自动退款（订单已关闭）',
  refunded_duplicate: '已自动退还重复支付',
  duplicate: '重复通知，无需处理',
  cleared: '重新对账后差异已消除',
};

/** A difference between a gateway's trade bill and the portal, as staff see it. */
export interface ReconciliationDiffView {
  id: number;
  date: string;
  gateway: ReconciliationLedger;
  subject: ReconciliationSubject;
  kind: ReconciliationDiffKind;
  outTradeNo: string;
  outRefundNo: string | null;
  orderId: number | null;
  refundId: number | null;
  gatewayTradeNo: string | null;
  /** Amounts in fen on each side; null where that side has nothing. */
  portalAmountFen: number | null;
  gatewayAmountFen: number | null;
  portalStatus: string | null;
  gatewayStatus: string | null;
  resolved: boolean;
  /**
   * How it was resolved: what applying the bill's payment did (`settled`, `refunded_late`,
   * `refunded_duplicate`, `duplicate`), `cleared` (a rerun no longer found the difference), or
   * `manual` (a supervisor marked it handled: see `resolvedBy` and `resolutionNote`).
   */
  resolution: string | null;
  resolvedAt: string | null;
  /** The supervisor who marked it handled by hand, as they were named then; null when the system resolved it or it is open. */
  resolvedBy: ReconciliationResolver | null;
  /** What the supervisor wrote when marking it handled. */
  resolutionNote: string | null;
  createdAt: string;
}

/** Who resolved a reconciliation difference by hand: staff id, name and job number (工号). */
export interface ReconciliationResolver {
  staffId: number;
  name: string;
  jobNo: string;
}

/**
 * `POST /api/v1/staff/reconciliation/differences/:id/resolve` (supervisor): mark a difference
 * handled by hand (e.g. written off in BOSS, refunded at the counter), with what was done.
 */
export const resolveReconciliationDiffSchema = z.object({
  note: textSchema({ multiline: true, trim: true }).min(2, '请填写处理说明（至少2个字）').max(500, '处理说明不能超过500个字'),
});
/** Body of `POST /api/v1/staff/reconciliation/differences/:id/resolve`. */
export type ResolveReconciliationDiffInput = z.infer<typeof resolveReconciliationDiffSchema>;
