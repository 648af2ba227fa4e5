import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Reconciliation (对账): one lease row per date and gateway, the differences found, and the
 * record on a renewal that a full refund undid it (once).
 */
export class Migration20261126010000_reconciliation extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.createTable('reconciliation_run', (t) => {
        t.increments('id').primary();
        t.string('bill_date', 10).notNullable();
        t.string('gateway', 16).notNullable();
        t.string('status', 16).notNullable();
        t.string('claimed_by', 64).nullable();
        timestamp(t, 'lease_until', true);
        t.integer('attempts').notNullable().defaultTo(0);
        timestamp(t, 'started_at', true);
        timestamp(t, 'finished_at', true);
        t.json('stats').nullable();
        t.string('last_error', 500).nullable();
        timestamp(t, 'created_at');
        t.unique(['bill_date', 'gateway'], { indexName: 'reconciliation_run_date_gateway_unique' });
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('reconciliation_diff', (t) => {
        t.increments('id').primary();
        t.string('bill_date', 10).notNullable();
        t.string('gateway', 16).notNullable();
        t.string('subject', 16).notNullable();
        t.string('kind', 32).notNullable();
        t.string('diff_key', 128).notNullable();
        t.string('out_trade_no', 64).notNullable();
        t.string('out_refund_no', 64).nullable();
        t.integer('order_id').unsigned().nullable().references('id').inTable('payment_order');
        t.integer('refund_id').unsigned().nullable().references('id').inTable('refund');
        t.string('gateway_trade_no', 64).nullable();
        t.bigInteger('portal_amount_fen').nullable();
        t.bigInteger('gateway_amount_fen').nullable();
        t.string('portal_status', 32).nullable();
        t.string('gateway_status', 32).nullable();
        t.boolean('resolved').notNullable().defaultTo(false);
        t.string('resolution', 64).nullable();
        timestamp(t, 'resolved_at', true);
        timestamp(t, 'created_at');
        t.unique(['bill_date', 'diff_key'], { indexName: 'reconciliation_diff_key_unique' });
        t.index(['resolved', 'bill_date'], 'reconciliation_diff_resolved_idx');
        t.index(['out_trade_no'], 'reconciliation_diff_out_trade_no_idx');
      }),
    );
    // Reconciliation reads a day's payments and refunds by time.
    addSchema(this, (schema) => schema.alterTable('payment_order', (t) => t.index(['paid_at'], 'payment_order_paid_at_idx')));
    addSchema(this, (schema) => schema.alterTable('refund', (t) => t.index(['created_at'], 'refund_created_at_idx')));
    addSchema(this, (schema) =>
      schema.alterTable('subscription_renewal', (t) => {
        timestamp(t, 'reversed_at', true);
        t.string('reversed_expires_on', 10).nullable();
      }),
    );
  }
}
