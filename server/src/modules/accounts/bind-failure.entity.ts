import { EntitySchema } from '@mikro-orm/core';

/**
 * Failed binding attempts per account number and business day. Kept in the database (not in
 * memory) so the lockout holds across restarts and across server instances.
 */
export class BindFailure {
  id!: number;
  accountNo!: string;
  day!: string;
  failures = 0;
  updatedAt: Date = new Date();
}

export const BindFailureSchema = new EntitySchema<BindFailure>({
  class: BindFailure,
  tableName: 'bind_failure',
  uniques: [{ name: 'bind_failure_account_day_unique', properties: ['accountNo', 'day'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    accountNo: { type: 'string', length: 20 },
    day: { type: 'string', length: 10 },
    failures: { type: 'integer' },
    updatedAt: { type: 'datetime' },
  },
});
