import { EntitySchema } from '@mikro-orm/core';

/**
 * A renewal applied to a package: written in the transaction that marks its order paid, at most
 * once per order (unique `orderId`), so a second settlement of the same order changes nothing.
 */
export class SubscriptionRenewal {
  id!: number;
  subscriptionId!: number;
  orderId!: number;
  months!: number;
  /** Last day of service before the renewal, YYYY-MM-DD. */
  previousExpiresOn!: string;
  newExpiresOn!: string;
  /** Business date the payment was applied. */
  renewedOn!: string;
  createdAt: Date = new Date();
  /** Set once when a full refund of the order undid the renewal. */
  reversedAt: Date | null = null;
  /** The package's expiry after the reversal. */
  reversedExpiresOn: string | null = null;
}

export const SubscriptionRenewalSchema = new EntitySchema<SubscriptionRenewal>({
  class: SubscriptionRenewal,
  tableName: 'subscription_renewal',
  uniques: [{ name: 'subscription_renewal_order_unique', properties: ['orderId'] }],
  indexes: [
    { name: 'subscription_renewal_previous_idx', properties: ['previousExpiresOn'] },
    { name: 'subscription_renewal_subscription_idx', properties: ['subscriptionId'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    subscriptionId: { type: 'integer' },
    orderId: { type: 'integer' },
    months: { type: 'integer' },
    previousExpiresOn: { type: 'string', length: 10 },
    newExpiresOn: { type: 'string', length: 10 },
    renewedOn: { type: 'string', length: 10 },
    createdAt: { type: 'datetime' },
    reversedAt: { type: 'datetime', nullable: true },
    reversedExpiresOn: { type: 'string', length: 10, nullable: true },
  },
});
