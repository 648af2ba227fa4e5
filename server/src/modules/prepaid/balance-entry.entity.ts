import { EntitySchema } from '@mikro-orm/core';
import type { LedgerEntryKind } from '@openhall/shared';

/**
 * One line of a prepaid account's balance history. `source` says who wrote it: the portal (a
 * top-up order settled here, or its refund; `portalKey` names it once) or the billing system
 * (an inlet `ledger` record; `billingId` names it once). A portal entry the billing system has
 * booked carries its echo's id and time (`billingId`, `billingBookedAt`).
 */
export class BalanceEntry {
  id!: number;
  accountId!: number;
  source!: 'portal' | 'billing';
  kind!: LedgerEntryKind;
  /** Signed, in fen: + credit, − debit. */
  amountFen!: number;
  balanceAfterFen: number | null = null;
  occurredAt!: Date;
  description!: string;
  orderId: number | null = null;
  portalKey: string | null = null;
  billingId: string | null = null;
  billingVersion: number | null = null;
  billingBookedAt: Date | null = null;
  createdAt: Date = new Date();
}

export const BalanceEntrySchema = new EntitySchema<BalanceEntry>({
  class: BalanceEntry,
  tableName: 'balance_entry',
  indexes: [{ name: 'balance_entry_account_idx', properties: ['accountId', 'occurredAt', 'id'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    accountId: { type: 'integer' },
    source: { type: 'string', length: 8 },
    kind: { type: 'string', length: 16 },
    amountFen: { type: 'integer' },
    balanceAfterFen: { type: 'integer', nullable: true },
    occurredAt: { type: 'datetime' },
    description: { type: 'string', length: 64 },
    orderId: { type: 'integer', nullable: true },
    portalKey: { type: 'string', length: 32, nullable: true, unique: 'balance_entry_portal_key_unique' },
    billingId: { type: 'string', length: 64, nullable: true, unique: 'balance_entry_billing_id_unique' },
    billingVersion: { type: 'integer', nullable: true },
    billingBookedAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
