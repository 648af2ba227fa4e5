import { EntitySchema } from '@mikro-orm/core';
import type { PaymentGatewayName } from '@openhall/shared';

/**
 * Every payment notification received, verified or not: the record that lets support answer
 * "did the gateway tell us?" and that deduplicates retries (by the gateway's notify id).
 */
export class PaymentNotify {
  id!: number;
  gateway!: PaymentGatewayName;
  /** WeChat notify `id` / Alipay `notify_id`; null when the notification could not be verified. */
  notifyId: string | null = null;
  outTradeNo: string | null = null;
  /** accepted | duplicate | rejected:<reason> | refunded_late | … */
  outcome!: string;
  rawBody!: string;
  receivedAt: Date = new Date();
}

export const PaymentNotifySchema = new EntitySchema<PaymentNotify>({
  class: PaymentNotify,
  tableName: 'payment_notify',
  uniques: [{ name: 'payment_notify_gateway_notify_unique', properties: ['gateway', 'notifyId'] }],
  indexes: [{ name: 'payment_notify_out_trade_no_idx', properties: ['outTradeNo'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    gateway: { type: 'string', length: 16 },
    notifyId: { type: 'string', length: 64, nullable: true },
    outTradeNo: { type: 'string', length: 32, nullable: true },
    outcome: { type: 'string', length: 64 },
    rawBody: { type: 'text' },
    receivedAt: { type: 'datetime' },
  },
});
