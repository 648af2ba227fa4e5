import { EntitySchema } from '@mikro-orm/core';

/** Stored bill states. "overdue" is not stored: it is an unpaid bill whose due date has passed. */
export type BillStoredStatus = 'unpaid' | 'paid';

/** One period's charges on an account, from the operator's billing system (BOSS). */
export class Bill {
  id!: number;
  accountId!: number;
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
  paymentId: number | null = null;
  createdAt: Date = new Date();
}

export const BillSchema = new EntitySchema<Bill>({
  class: Bill,
  tableName: 'bill',
  uniques: [{ name: 'bill_account_period_unique', properties: ['accountId', 'period'] }],
  indexes: [{ name: 'bill_account_status_due_idx', properties: ['accountId', 'status', 'dueDate'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    accountId: { type: 'integer' },
    period: { type: 'string', length: 7 },
    amountFen: { type: 'integer' },
    lateFeeFen: { type: 'integer' },
    dueDate: { type: 'string', length: 10 },
    status: { type: 'string', length: 16 },
    paidAt: { type: 'datetime', nullable: true },
    paymentId: { type: 'integer', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
