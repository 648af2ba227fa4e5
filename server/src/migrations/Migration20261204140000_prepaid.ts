import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Prepaid accounts (issue 15): which accounts keep a balance, why a suspended one is suspended, the
 * balance's history (`balance_entry`), each binding's low-balance threshold and whether its alert
 * has fired for the current crossing, the account a top-up order credits, and the requests sent
 * to the billing system about the service (emergency stop, reopen, restoration after arrears).
 */
export class Migration20261204140000_prepaid extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema
        .alterTable('account', (t) => {
          t.boolean('prepaid').notNullable().defaultTo(false);
          t.string('suspended_for', 16).nullable();
          timestamp(t, 'suspended_at', true);
          // External billing mode: the balance the billing system stated with its newest entry, and when that entry happened.
          t.bigInteger('billing_balance_fen').nullable();
          timestamp(t, 'billing_balance_at', true);
        })
        .createTable('balance_entry', (t) => {
          t.increments('id');
          t.integer('account_id').unsigned().notNullable();
          t.string('source', 8).notNullable();
          t.string('kind', 16).notNullable();
          t.bigInteger('amount_fen').notNullable();
          t.bigInteger('balance_after_fen').nullable();
          timestamp(t, 'occurred_at');
          t.string('description', 64).notNullable();
          t.integer('order_id').unsigned().nullable();
          // A portal entry's own key, once each: `topup:<order id>`, `refund:<refund id>`.
          t.string('portal_key', 32).nullable();
          // The billing system's id and version of the entry (its own, or its echo of a portal top-up).
          t.string('billing_id', 64).nullable();
          t.integer('billing_version').nullable();
          // When the billing system booked a portal entry (its echo's time): included in the balances it states from then on.
          timestamp(t, 'billing_booked_at', true);
          timestamp(t, 'created_at');
          t.unique(['billing_id'], { indexName: 'balance_entry_billing_id_unique' });
          t.unique(['portal_key'], { indexName: 'balance_entry_portal_key_unique' });
          t.index(['account_id', 'occurred_at', 'id'], 'balance_entry_account_idx');
        })
        .alterTable('account_binding', (t) => {
          t.bigInteger('low_balance_threshold_fen').nullable();
          t.boolean('low_balance_alerted').notNullable().defaultTo(false);
          t.integer('low_balance_alerts').notNullable().defaultTo(0);
        })
        .alterTable('payment_order', (t) => {
          t.integer('account_id').unsigned().nullable();
        })
        .createTable('service_request', (t) => {
          t.increments('id');
          t.integer('account_id').unsigned().notNullable();
          t.integer('user_id').unsigned().nullable();
          t.string('kind', 16).notNullable();
          t.string('status', 16).notNullable();
          t.string('reason', 32).nullable();
          timestamp(t, 'requested_at');
          timestamp(t, 'effective_at', true);
          t.integer('ticket_id').unsigned().nullable();
          t.string('refusal', 255).nullable();
          // One pending request of each kind per account: the database refuses a second.
          t.integer('open_account_id').unsigned().nullable();
          t.unique(['open_account_id', 'kind'], { indexName: 'service_request_open_unique' });
          t.index(['account_id', 'requested_at'], 'service_request_account_idx');
        }),
    );
  }
}
