import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Callbacks of accounts suspended for arrears (停机用户回访): one task per suspension (unique per
 * account and suspension time; at most one for the account's current suspension), and an index on
 * the accounts' suspension reason so the job that opens the tasks reads the suspended ones only.
 */
export class Migration20261204150000_suspension_callbacks extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema
        .createTable('suspension_callback', (t) => {
          t.increments('id').primary();
          t.integer('account_id').unsigned().notNullable().references('id').inTable('account');
          timestamp(t, 'suspended_at');
          // The account's id while this task's suspension lasts; null once it ended.
          t.integer('current_account_id').unsigned().nullable();
          t.string('status', 16).notNullable();
          t.integer('attempts').notNullable().defaultTo(0);
          timestamp(t, 'due_at');
          t.string('outcome', 24).nullable();
          t.string('note', 500).nullable();
          t.integer('last_called_by_staff_id').unsigned().nullable().references('id').inTable('staff_user');
          timestamp(t, 'last_attempt_at', true);
          timestamp(t, 'completed_at', true);
          timestamp(t, 'created_at');
          timestamp(t, 'updated_at');
          t.unique(['account_id', 'suspended_at'], { indexName: 'suspension_callback_suspension_unique' });
          t.unique(['current_account_id'], { indexName: 'suspension_callback_current_unique' });
          t.index(['status', 'due_at'], 'suspension_callback_status_due_idx');
          t.index(['suspended_at'], 'suspension_callback_suspended_at_idx');
        })
        .alterTable('account', (t) => {
          t.index(['suspended_for', 'status'], 'account_suspended_for_idx');
        }),
    );
  }
}
