import { EntitySchema } from '@mikro-orm/core';
import type { BillShareStatus } from '@openhall/shared';

/** A bill as it was when shared: a change of it (a correction, a cancellation) ends the share. */
export interface SharedBill {
  billId: number;
  amountFen: number;
  version: number;
}

/**
 * Owed bills of one account its holder shared for someone else to pay (分享代付), by a secret
 * token in a link or a mini-program share card. Paid (by anyone) or withdrawn ends it; so do
 * seven days, or a change of one of its bills.
 */
export class BillShare {
  id!: number;
  token!: string;
  /** The holder who shared it. */
  userId!: number;
  accountId!: number;
  bills!: SharedBill[];
  amountFen!: number;
  status: BillShareStatus = 'active';
  expiresAt!: Date;
  createdAt: Date = new Date();
  paidAt: Date | null = null;
  /** Who paid it through the portal. */
  paidByUserId: number | null = null;
  withdrawnAt: Date | null = null;
}

export const BillShareSchema = new EntitySchema<BillShare>({
  class: BillShare,
  tableName: 'bill_share',
  indexes: [
    { name: 'bill_share_user_idx', properties: ['userId', 'createdAt'] },
    { name: 'bill_share_account_status_idx', properties: ['accountId', 'status'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    token: { type: 'string', length: 32, unique: 'bill_share_token_unique' },
    userId: { type: 'integer' },
    accountId: { type: 'integer' },
    bills: { type: 'json' },
    amountFen: { type: 'integer' },
    status: { type: 'string', length: 16 },
    expiresAt: { type: 'datetime' },
    createdAt: { type: 'datetime' },
    paidAt: { type: 'datetime', nullable: true },
    paidByUserId: { type: 'integer', nullable: true },
    withdrawnAt: { type: 'datetime', nullable: true },
  },
});
