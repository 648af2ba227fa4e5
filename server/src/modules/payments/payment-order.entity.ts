import { EntitySchema } from '@mikro-orm/core';
import type { PaymentChannel, PaymentOrderKind, PaymentOrderStatus } from '@openhall/shared';

/**
 * A payment order: what the subscriber pays through one gateway. Forward-only states:
 * created → paid → refunding → refunded, or created → closed.
 */
export class PaymentOrder {
  id!: number;
  /** Merchant order number sent to the gateway (6–32 chars of [0-9A-Za-z_-|*]). */
  outTradeNo!: string;
  userId!: number;
  kind!: PaymentOrderKind;
  channel!: PaymentChannel;
  status: PaymentOrderStatus = 'created';
  amountFen!: number;
  description!: string;
  /** WeChat JSAPI payer openid. */
  payerOpenid: string | null = null;
  /** For top-up orders: the prepaid account credited. */
  accountId: number | null = null;
  /** For renewal orders: the package and the quote that was accepted. */
  subscriptionId: number | null = null;
  renewalMonths: number | null = null;
  renewalQuote: Record<string, unknown> | null = null;
  /**
   * A renewal order's package while the order is `created`, NULL otherwise: unique, so the
   * database refuses a second open renewal order for one package. Cleared by the same UPDATE
   * that moves the order out of `created`.
   */
  openSubscriptionId: number | null = null;
  expiresAt!: Date;
  /** Gateway's transaction number once paid. */
  gatewayTradeNo: string | null = null;
  paidAt: Date | null = null;
  paidAmountFen: number | null = null;
  closedAt: Date | null = null;
  /**
   * Closed here without the gateway's confirmation (it could not be reached): the housekeeping job
   * keeps asking the gateway until it confirms, or until this time (expiry plus a margin).
   */
  gatewayCheckUntil: Date | null = null;
  refundedFen = 0;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const PaymentOrderSchema = new EntitySchema<PaymentOrder>({
  class: PaymentOrder,
  tableName: 'payment_order',
  indexes: [
    { name: 'payment_order_user_created_idx', properties: ['userId', 'createdAt'] },
    { name: 'payment_order_status_expires_idx', properties: ['status', 'expiresAt'] },
    { name: 'payment_order_paid_at_idx', properties: ['paidAt'] },
    // The console's account page.
    { name: 'payment_order_account_idx', properties: ['accountId', 'id'] },
    { name: 'payment_order_gateway_check_idx', properties: ['gatewayCheckUntil'] },
  ],
  uniques: [{ name: 'payment_order_open_subscription_unique', properties: ['openSubscriptionId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    outTradeNo: { type: 'string', length: 32, unique: 'payment_order_out_trade_no_unique' },
    userId: { type: 'integer' },
    kind: { type: 'string', length: 16 },
    channel: { type: 'string', length: 16 },
    status: { type: 'string', length: 16 },
    amountFen: { type: 'integer' },
    description: { type: 'string', length: 128 },
    payerOpenid: { type: 'string', length: 64, nullable: true },
    accountId: { type: 'integer', nullable: true },
    subscriptionId: { type: 'integer', nullable: true },
    renewalMonths: { type: 'integer', nullable: true },
    renewalQuote: { type: 'json', nullable: true },
    openSubscriptionId: { type: 'integer', nullable: true },
    expiresAt: { type: 'datetime' },
    gatewayTradeNo: { type: 'string', length: 64, nullable: true },
    paidAt: { type: 'datetime', nullable: true },
    paidAmountFen: { type: 'integer', nullable: true },
    closedAt: { type: 'datetime', nullable: true },
    gatewayCheckUntil: { type: 'datetime', nullable: true },
    refundedFen: { type: 'integer' },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
