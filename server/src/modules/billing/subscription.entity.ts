import { EntitySchema } from '@mikro-orm/core';

export type SubscriptionProduct = 'tv' | 'broadband';

/** A prepaid TV or broadband package on an account, with its expiry date. */
export class Subscription {
  id!: number;
  accountId!: number;
  /** The billing system's id of the package and its version (null / 0: never came through the inlet). */
  externalId: string | null = null;
  sourceVersion = 0;
  product!: SubscriptionProduct;
  /** Fee schedule code the package is priced from. */
  packageCode!: string;
  packageName!: string;
  monthlyFeeFen!: number;
  startedOn!: string;
  /** Last day of service, YYYY-MM-DD. */
  expiresOn!: string;
  createdAt: Date = new Date();
}

export const SubscriptionSchema = new EntitySchema<Subscription>({
  class: Subscription,
  tableName: 'subscription',
  uniques: [{ name: 'subscription_external_id_unique', properties: ['externalId'] }],
  indexes: [
    { name: 'subscription_account_idx', properties: ['accountId'] },
    { name: 'subscription_expires_account_idx', properties: ['expiresOn', 'accountId'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    accountId: { type: 'integer' },
    externalId: { type: 'string', length: 64, nullable: true },
    sourceVersion: { type: 'integer' },
    product: { type: 'string', length: 16 },
    packageCode: { type: 'string', length: 32 },
    packageName: { type: 'string', length: 64 },
    monthlyFeeFen: { type: 'integer' },
    startedOn: { type: 'string', length: 10 },
    expiresOn: { type: 'string', length: 10 },
    createdAt: { type: 'datetime' },
  },
});
