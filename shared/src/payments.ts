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
  returnPath: z.string().regex(/^\/[^\s]*$/).max(200).optional(),
});
export type CreateBillPaymentInput = z.infer<typeof createBillPaymentSchema>;
