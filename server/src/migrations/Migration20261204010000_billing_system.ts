import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * The operator's billing system of record (issue 14): accounts, packages and bills carry the
 * billing system's id and version; an account has a service status; a bill may be cancelled (冲正)
 * or paid outside the portal (counter, bank, agent, another platform), and an account may have
 * several bills in one period (补收, corrections), so (account, period) is no longer unique.
 * Payments taken elsewhere and import batches get their own tables.
 */
export class Migration20261204010000_billing_system extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('account', (t) => {
        t.string('status', 16).notNullable().defaultTo('active');
        t.bigInteger('source_version').notNullable().defaultTo(0);
        timestamp(t, 'updated_at', true);
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('external_payment', (t) => {
        t.increments('id').primary();
        t.string('external_id', 64).notNullable().unique('external_payment_external_id_unique');
        t.integer('account_id').unsigned().notNullable().references('id').inTable('account');
        t.string('channel', 16).notNullable();
        t.bigInteger('amount_fen').notNullable();
        timestamp(t, 'paid_at');
        t.bigInteger('source_version').notNullable();
        timestamp(t, 'created_at');
        t.index(['paid_at'], 'external_payment_paid_at_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.alterTable('bill', (t) => {
        t.string('external_id', 64).nullable();
        t.bigInteger('source_version').notNullable().defaultTo(0);
        t.string('kind', 16).notNullable().defaultTo('regular');
        t.string('paid_channel', 16).nullable();
        // No foreign key: knex's SQLite ALTER attaches a new column's reference to the wrong column.
        t.integer('external_payment_id').unsigned().nullable();
        t.string('cancel_reason', 200).nullable();
        timestamp(t, 'updated_at', true);
        t.unique(['external_id'], { indexName: 'bill_external_id_unique' });
      }),
    );
    // (account, period) was unique: one bill per period. Supplementary bills and corrections break that.
    addSchema(this, (schema) =>
      schema.alterTable('bill', (t) => {
        t.index(['account_id', 'period'], 'bill_account_period_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.alterTable('bill', (t) => {
        t.dropUnique(['account_id', 'period'], 'bill_account_period_unique');
      }),
    );
    addSchema(this, (schema) =>
      schema.alterTable('subscription', (t) => {
        t.string('external_id', 64).nullable();
        t.bigInteger('source_version').notNullable().defaultTo(0);
        t.unique(['external_id'], { indexName: 'subscription_external_id_unique' });
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('billing_import', (t) => {
        t.increments('id').primary();
        t.string('source', 8).notNullable();
        t.string('batch_id', 128).notNullable();
        t.string('file_name', 255).nullable();
        t.string('status', 16).notNullable();
        t.bigInteger('bytes').notNullable();
        t.bigInteger('processed_bytes').notNullable().defaultTo(0);
        t.integer('lines').notNullable().defaultTo(0);
        t.integer('records').notNullable().defaultTo(0);
        t.integer('accepted').notNullable().defaultTo(0);
        t.integer('unchanged').notNullable().defaultTo(0);
        t.integer('rejected').notNullable().defaultTo(0);
        t.bigInteger('results_bytes').notNullable().defaultTo(0);
        t.string('error', 500).nullable();
        t.string('claimed_by', 64).nullable();
        timestamp(t, 'lease_until', true);
        t.integer('staff_id').unsigned().nullable().references('id').inTable('staff_user');
        timestamp(t, 'created_at');
        timestamp(t, 'started_at', true);
        timestamp(t, 'finished_at', true);
        t.unique(['source', 'batch_id'], { indexName: 'billing_import_batch_unique' });
        t.index(['status', 'lease_until'], 'billing_import_status_idx');
      }),
    );
  }
}
