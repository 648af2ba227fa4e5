import { EntitySchema } from '@mikro-orm/core';

/** A portal user's binding to an account. A user may bind several; one is the default. */
export class AccountBinding {
  id!: number;
  userId!: number;
  accountId!: number;
  isDefault = false;
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
    createdAt: { type: 'datetime' },
  },
});
