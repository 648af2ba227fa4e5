import { EntitySchema } from '@mikro-orm/core';

/** An account a user pays for without having bound it ("accounts I pay for"). */
export class PayForAccount {
  id!: number;
  userId!: number;
  accountId!: number;
  createdAt: Date = new Date();
}

export const PayForAccountSchema = new EntitySchema<PayForAccount>({
  class: PayForAccount,
  tableName: 'pay_for_account',
  uniques: [{ name: 'pay_for_account_user_account_unique', properties: ['userId', 'accountId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    accountId: { type: 'integer' },
    createdAt: { type: 'datetime' },
  },
});
