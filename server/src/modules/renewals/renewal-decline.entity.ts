import { EntitySchema } from '@mikro-orm/core';

/** A subscriber's answer "not renewing, because…" for a package. */
export class RenewalDecline {
  id!: number;
  userId!: number;
  subscriptionId!: number;
  reasonCode!: string;
  comment = '';
  /** The package's last day of service when the answer was given: the period it is about. */
  expiresOn: string | null = null;
  createdAt: Date = new Date();
}

export const RenewalDeclineSchema = new EntitySchema<RenewalDecline>({
  class: RenewalDecline,
  tableName: 'renewal_decline',
  indexes: [
    { name: 'renewal_decline_subscription_idx', properties: ['subscriptionId'] },
    { name: 'renewal_decline_expires_idx', properties: ['expiresOn'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    subscriptionId: { type: 'integer' },
    reasonCode: { type: 'string', length: 32 },
    comment: { type: 'string', length: 500 },
    expiresOn: { type: 'string', length: 10, nullable: true },
    createdAt: { type: 'datetime' },
  },
});
