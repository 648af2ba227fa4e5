import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/** Paying for someone else (issue 17): accounts a user pays for without binding them, and shared bills. */
export class Migration20261204170000_pay_for extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema
        .createTable('pay_for_account', (t) => {
          t.increments('id');
          t.integer('user_id').unsigned().notNullable();
          t.integer('account_id').unsigned().notNullable();
          timestamp(t, 'created_at');
          t.unique(['user_id', 'account_id'], { indexName: 'pay_for_account_user_account_unique' });
        })
        .createTable('bill_share', (t) => {
          t.increments('id');
          t.string('token', 32).notNullable();
          t.integer('user_id').unsigned().notNullable();
          t.integer('account_id').unsigned().notNullable();
          t.json('bills').notNullable();
          t.bigInteger('amount_fen').notNullable();
          t.string('status', 16).notNullable();
          timestamp(t, 'expires_at');
          timestamp(t, 'created_at');
          timestamp(t, 'paid_at', true);
          t.integer('paid_by_user_id').unsigned().nullable();
          timestamp(t, 'withdrawn_at', true);
          t.unique(['token'], { indexName: 'bill_share_token_unique' });
          t.index(['user_id', 'created_at'], 'bill_share_user_idx');
          t.index(['account_id', 'status'], 'bill_share_account_status_idx');
        }),
    );
  }
}
