import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/** Payments: orders and their bills, received notifications, refunds, the outbox, renewal declines. */
export class Migration20261125120000_payments extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.createTable('payment_order', (t) => {
        t.increments('id').primary();
        t.string('out_trade_no', 32).notNullable().unique('payment_order_out_trade_no_unique');
        t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user');
        t.string('kind', 16).notNullable();
        t.string('channel', 16).notNullable();
        t.string('status', 16).notNullable();
        t.bigInteger('amount_fen').notNullable();
        t.string('description', 128).notNullable();
        t.string('payer_openid', 64).nullable();
        t.integer('subscription_id').unsigned().nullable().references('id').inTable('subscription');
        t.integer('renewal_months').nullable();
        t.json('renewal_quote').nullable();
        timestamp(t, 'expires_at');
        t.string('gateway_trade_no', 64).nullable();
        timestamp(t, 'paid_at', true);
        t.bigInteger('paid_amount_fen').nullable();
        timestamp(t, 'closed_at', true);
        t.bigInteger('refunded_fen').notNullable().defaultTo(0);
        timestamp(t, 'created_at');
        timestamp(t, 'updated_at');
        t.index(['user_id', 'created_at'], 'payment_order_user_created_idx');
        t.index(['status', 'expires_at'], 'payment_order_status_expires_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('payment_order_bill', (t) => {
        t.increments('id').primary();
        t.integer('order_id').unsigned().notNullable().references('id').inTable('payment_order');
        t.integer('bill_id').unsigned().notNullable().references('id').inTable('bill');
        t.bigInteger('amount_fen').notNullable();
        t.bigInteger('late_fee_fen').notNullable();
        t.tinyint('open_lock').nullable();
        t.unique(['bill_id', 'open_lock'], { indexName: 'payment_order_bill_open_unique' });
        t.index(['order_id'], 'payment_order_bill_order_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('payment_notify', (t) => {
        t.increments('id').primary();
        t.string('gateway', 16).notNullable();
        t.string('notify_id', 64).nullable();
        t.string('out_trade_no', 32).nullable();
        t.string('outcome', 64).notNullable();
        t.text('raw_body').notNullable();
        timestamp(t, 'received_at');
        t.unique(['gateway', 'notify_id'], { indexName: 'payment_notify_gateway_notify_unique' });
        t.index(['out_trade_no'], 'payment_notify_out_trade_no_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('refund', (t) => {
        t.increments('id').primary();
        t.integer('order_id').unsigned().notNullable().references('id').inTable('payment_order');
        t.string('out_refund_no', 64).notNullable().unique('refund_out_refund_no_unique');
        t.bigInteger('amount_fen').notNullable();
        t.string('reason', 255).notNullable();
        t.string('kind', 16).notNullable();
        t.string('status', 16).notNullable();
        t.integer('requested_by_staff_id').unsigned().nullable().references('id').inTable('staff_user');
        t.string('gateway_refund_id', 64).nullable();
        timestamp(t, 'created_at');
        timestamp(t, 'updated_at');
        t.index(['order_id'], 'refund_order_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('outbox_message', (t) => {
        t.increments('id').primary();
        t.string('topic', 64).notNullable();
        t.string('dedupe_key', 128).notNullable().unique('outbox_message_dedupe_unique');
        t.json('payload').notNullable();
        t.string('status', 16).notNullable();
        t.integer('attempts').notNullable().defaultTo(0);
        timestamp(t, 'next_attempt_at');
        t.string('claimed_by', 64).nullable();
        timestamp(t, 'claimed_until', true);
        t.string('last_error', 500).nullable();
        timestamp(t, 'created_at');
        timestamp(t, 'sent_at', true);
        t.index(['status', 'next_attempt_at'], 'outbox_message_status_next_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('renewal_decline', (t) => {
        t.increments('id').primary();
        t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user');
        t.integer('subscription_id').unsigned().notNullable().references('id').inTable('subscription');
        t.string('reason_code', 32).notNullable();
        t.string('comment', 500).notNullable();
        timestamp(t, 'created_at');
        t.index(['subscription_id'], 'renewal_decline_subscription_idx');
      }),
    );
  }
}
