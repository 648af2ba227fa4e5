import { EntitySchema } from '@mikro-orm/core';
import type { BillKind, OfflinePaymentChannel } from '@openhall/shared';

/**
 * Stored bill states. "overdue" is not stored: it is an unpaid bill whose due date has passed.
 * `cancelled`: withdrawn at the billing system (冲正) while unpaid; nobody owes it, nobody sees it.
 */
export type BillStoredStatus = 'unpaid' | 'paid' | 'cancelled';

/**
 * One period's charges on an account, from the operator's billing system (BOSS) through its inlet
 * (`externalId` and `sourceVersion` are the billing system's). Paid through the portal (`paymentId`,
 * a payment order) or elsewhere (`paidChannel` and `externalPaymentId`).
 */
export class Bill {
  id!: number;
  accountId!: number;
  /** The billing system's id of the bill; null for bills that never came through the inlet. */
  externalId: string | null = null;
  sourceVersion = 0;
  kind: BillKind = 'regular';
  /** Billing period, YYYY-MM. */
  period!: string;
  /** Sum of the bill's charge lines (late fee excluded), in fen. */
  amountFen!: number;
  /** Late fee fixed at settlement; unpaid bills have theirs computed live from the due date. */
  lateFeeFen = 0;
  /** YYYY-MM-DD in business time. */
  dueDate!: string;
  status: BillStoredStatus = 'unpaid';
  paidAt: Date | null = null;
  /** The portal payment order that settled it. */
  paymentId: number | null = null;
  /** Paid outside the portal: where, and the billing system's payment record. */
  paidChannel: OfflinePaymentChannel | null = null;
  externalPaymentId: number | null = null;
  cancelReason: string | null = null;
  createdAt: Date = new Date();
  updatedAt: Date | null = null;
}

export const BillSchema = new EntitySchema<Bill>({
  class: Bill,
  tableName: 'bill',
  uniques: [{ name: 'bill_external_id_unique', properties: ['externalId'] }],
  indexes: [
    { name: 'bill_account_status_due_idx', properties: ['accountId', 'status', 'dueDate'] },
    { name: 'bill_account_period_idx', properties: ['accountId', 'period'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    accountId: { type: 'integer' },
    externalId: { type: 'string', length: 64, nullable: true },
    sourceVersion: { type: 'integer' },
    kind: { type: 'string', length: 16 },
    period: { type: 'string', length: 7 },
    amountFen: { type: 'integer' },
    lateFeeFen: { type: 'integer' },
    dueDate: { type: 'string', length: 10 },
    status: { type: 'string', length: 16 },
    paidAt: { type: 'datetime', nullable: true },
    paymentId: { type: 'integer', nullable: true },
    paidChannel: { type: 'string', length: 16, nullable: true },
    externalPaymentId: { type: 'integer', nullable: true },
    cancelReason: { type: 'string', length: 200, nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime', nullable: true },
  },
});
