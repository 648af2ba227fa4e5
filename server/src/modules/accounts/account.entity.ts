import { EntitySchema } from '@mikro-orm/core';
import type { AccountStatus, ServiceType, SuspensionReason } from '@openhall/shared';

/**
 * A service account (户号): one service address of the operator. Comes from the billing system's
 * inlet (its account number is the billing system's id of it), versioned by `sourceVersion`.
 */
export class Account {
  id!: number;
  accountNo!: string;
  /** Service status at the billing system: a closed account takes no new bills. */
  status: AccountStatus = 'active';
  /** The billing system's version of this record (0: loaded before the inlet existed). */
  sourceVersion = 0;
  serviceType!: ServiceType;
  holderName!: string;
  holderPhone!: string;
  idNumber: string | null = null;
  address!: string;
  area!: string;
  /** Prepaid balance held by the operator, in fen; changed only through `balance_entry` (see BalanceLedger). */
  balanceFen = 0;
  /** A prepaid account: the billing system draws its balance down. */
  prepaid = false;
  /** Why it is suspended (status `suspended`), and since when. */
  suspendedFor: SuspensionReason | null = null;
  suspendedAt: Date | null = null;
  /** External billing mode: the balance the billing system stated with its newest entry, and that entry's time. */
  billingBalanceFen: number | null = null;
  billingBalanceAt: Date | null = null;
  /** `low_income` when the holder has the 困难用户 concession. */
  concession: string | null = null;
  createdAt: Date = new Date();
  updatedAt: Date | null = null;
}

export const AccountSchema = new EntitySchema<Account>({
  class: Account,
  tableName: 'account',
  indexes: [
    { name: 'account_area_idx', properties: ['area'] },
    // The console's search (staff-search.service.ts).
    { name: 'account_holder_phone_idx', properties: ['holderPhone'] },
    { name: 'account_holder_name_idx', properties: ['holderName'] },
    { name: 'account_service_type_status_idx', properties: ['serviceType', 'status'] },
    { name: 'account_area_status_idx', properties: ['area', 'status'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    accountNo: { type: 'string', length: 20, unique: 'account_account_no_unique' },
    status: { type: 'string', length: 16 },
    sourceVersion: { type: 'integer' },
    serviceType: { type: 'string', length: 16 },
    holderName: { type: 'string', length: 64 },
    holderPhone: { type: 'string', length: 20 },
    idNumber: { type: 'string', length: 18, nullable: true },
    address: { type: 'string', length: 255 },
    area: { type: 'string', length: 32 },
    balanceFen: { type: 'integer' },
    prepaid: { type: 'boolean' },
    suspendedFor: { type: 'string', length: 16, nullable: true },
    suspendedAt: { type: 'datetime', nullable: true },
    billingBalanceFen: { type: 'integer', nullable: true },
    billingBalanceAt: { type: 'datetime', nullable: true },
    concession: { type: 'string', length: 32, nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime', nullable: true },
  },
});
