import { EntitySchema } from '@mikro-orm/core';
import type { OfflinePaymentChannel } from '@openhall/shared';

/**
 * Money the operator took outside the portal (hall counter, bank withholding, an agent, another
 * platform), as the billing system reported it through the inlet; the bills it settled point here.
 */
export class ExternalPayment {
  id!: number;
  /** The billing system's id of the payment. */
  externalId!: string;
  accountId!: number;
  channel!: OfflinePaymentChannel;
  amountFen!: number;
  paidAt!: Date;
  sourceVersion!: number;
  createdAt: Date = new Date();
}

export const ExternalPaymentSchema = new EntitySchema<ExternalPayment>({
  class: ExternalPayment,
  tableName: 'external_payment',
  uniques: [{ name: 'external_payment_external_id_unique', properties: ['externalId'] }],
  indexes: [{ name: 'external_payment_paid_at_idx', properties: ['paidAt'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    externalId: { type: 'string', length: 64 },
    accountId: { type: 'integer' },
    channel: { type: 'string', length: 16 },
    amountFen: { type: 'integer' },
    paidAt: { type: 'datetime' },
    sourceVersion: { type: 'integer' },
    createdAt: { type: 'datetime' },
  },
});
