import { z } from 'zod';

/** How the subscriber pays: WeChat JSAPI in the mini-program, WeChat H5 or Alipay WAP in a browser. */
export const paymentChannels = ['wechat_jsapi', 'wechat_h5', 'alipay_wap'] as const;
export type PaymentChannel = (typeof paymentChannels)[number];

/** Which gateway a channel goes through. */
export type PaymentGatewayName = 'wechatpay' | 'alipay';

/** What an order pays for. */
export type PaymentOrderKind = 'bills' | 'renewal';

/** Forward-only order states: created → paid → refunding → refunded, or created → closed. */
export const paymentOrderStatuses = ['created', 'paid', 'refunding', 'refunded', 'closed'] as const;
export type PaymentOrderStatus = (typeof paymentOrderStatuses)[number];

export type RefundKind = 'staff' | 'auto_duplicate' | 'auto_late';
export type RefundStatus = 'processing' | 'success' | 'failed';

/** The gateway a channel belongs to. */
export function gatewayOf(channel: PaymentChannel): PaymentGatewayName {
  return channel === 'alipay_wap' ? 'alipay' : 'wechatpay';
}

/** `POST /api/v1/payments`: the server computes the amount from the bills; the client never sends one. */
export const createBillPaymentSchema = z.object({
  billIds: z.array(z.number().int().positive()).min(1, '请选择要缴纳的账单').max(24),
  channel: z.enum(paymentChannels),
  /** Where the H5 cashier returns to after paying (same-origin path). */
  returnPath: z
    .string()
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
  reason: z.string().trim().min(2, '请填写退款原因').max(80),
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
