import { EntitySchema } from '@mikro-orm/core';

/** A portal user's binding to an account. A user may bind several; one is the default. */
export class AccountBinding {
  id!: number;
  userId!: number;
  accountId!: number;
  isDefault = false;
  /** The user's own low-balance threshold in fen (null: the operator's default). */
  lowBalanceThresholdFen: number | null = null;
  /** The alert fired for the balance's current fall below the threshold; cleared when it rises to it again. */
  lowBalanceAlerted = false;
  /** How many alerts were sent (names each crossing's notification once). */
  lowBalanceAlerts = 0;
  createdAt: Date = new Date();
}

export const AccountBindingSchema = new EntitySchema<AccountBinding>({
  class: AccountBinding,
  tableName: 'account_binding',
  uniques: [{ name: 'account_binding_user_account_unique', properties: ['userId', 'accountId'] }],
  indexes: [{ name: 'account_binding_account_idx', properties: ['accountId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    accountId: { type: 'integer' },
    isDefault: { type: 'boolean' },
    lowBalanceThresholdFen: { type: 'integer', nullable: true },
    lowBalanceAlerted: { type: 'boolean' },
    lowBalanceAlerts: { type: 'integer' },
    createdAt: { type: 'datetime' },
  },
});
