import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Renewals: one row per paid renewal order (the record that makes applying it idempotent and that
 * the renewal-rate statistics count), and the expiry a decline was about.
 */
export class Migration20261125200000_renewals extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.createTable('subscription_renewal', (t) => {
        t.increments('id').primary();
        t.integer('subscription_id').unsigned().notNullable().references('id').inTable('subscription');
        t.integer('order_id').unsigned().notNullable().references('id').inTable('payment_order');
        t.integer('months').notNullable();
        t.string('previous_expires_on', 10).notNullable();
        t.string('new_expires_on', 10).notNullable();
        t.string('renewed_on', 10).notNullable();
        timestamp(t, 'created_at');
        t.unique(['order_id'], { indexName: 'subscription_renewal_order_unique' });
        t.index(['previous_expires_on'], 'subscription_renewal_previous_idx');
        t.index(['subscription_id'], 'subscription_renewal_subscription_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.alterTable('renewal_decline', (t) => {
        t.string('expires_on', 10).nullable();
        t.index(['expires_on'], 'renewal_decline_expires_idx');
      }),
    );
  }
}
