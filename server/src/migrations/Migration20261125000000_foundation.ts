import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/** Foundation: users, sessions, staff, accounts, bills, subscriptions, published content, audit log. */
export class Migration20261125000000_foundation extends Migration {
  override async up(): Promise<void> {
    addSchema(
      this,
      (schema) => schema.createTable('portal_user', (t) => {
        t.increments('id').primary();
        t.string('phone', 20).nullable().unique('portal_user_phone_unique');
        t.string('openid', 64).nullable().unique('portal_user_openid_unique');
        timestamp(t, 'created_at');
        timestamp(t, 'last_login_at', true);
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('staff_user', (t) => {
        t.increments('id').primary();
        t.string('username', 64).notNullable().unique('staff_user_username_unique');
        t.string('name', 64).notNullable();
        t.string('job_no', 32).notNullable().unique('staff_user_job_no_unique');
        t.string('role', 16).notNullable();
        t.string('password_hash', 255).notNullable();
        t.boolean('active').notNullable().defaultTo(true);
        timestamp(t, 'created_at');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('session', (t) => {
        t.increments('id').primary();
        t.string('token_hash', 64).notNullable().unique('session_token_hash_unique');
        t.string('kind', 16).notNullable();
        t.integer('user_id').unsigned().nullable().references('id').inTable('portal_user').onDelete('CASCADE');
        t.integer('staff_id').unsigned().nullable().references('id').inTable('staff_user').onDelete('CASCADE');
        timestamp(t, 'expires_at');
        timestamp(t, 'created_at');
        timestamp(t, 'revoked_at', true);
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('sms_code', (t) => {
        t.increments('id').primary();
        t.string('phone', 20).notNullable();
        t.string('code_hash', 64).notNullable();
        t.integer('attempts').notNullable().defaultTo(0);
        timestamp(t, 'expires_at');
        timestamp(t, 'consumed_at', true);
        timestamp(t, 'created_at');
        t.index(['phone', 'created_at'], 'sms_code_phone_created_idx');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('account', (t) => {
        t.increments('id').primary();
        t.string('account_no', 20).notNullable().unique('account_account_no_unique');
        t.string('service_type', 16).notNullable();
        t.string('holder_name', 64).notNullable();
        t.string('holder_phone', 20).notNullable();
        t.string('id_number', 18).nullable();
        t.string('address', 255).notNullable();
        t.string('area', 32).notNullable();
        t.bigInteger('balance_fen').notNullable().defaultTo(0);
        t.string('concession', 32).nullable();
        timestamp(t, 'created_at');
        t.index(['area'], 'account_area_idx');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('account_binding', (t) => {
        t.increments('id').primary();
        t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user').onDelete('CASCADE');
        t.integer('account_id').unsigned().notNullable().references('id').inTable('account');
        t.boolean('is_default').notNullable().defaultTo(false);
        timestamp(t, 'created_at');
        t.unique(['user_id', 'account_id'], { indexName: 'account_binding_user_account_unique' });
        t.index(['account_id'], 'account_binding_account_idx');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('bind_failure', (t) => {
        t.increments('id').primary();
        t.string('account_no', 20).notNullable();
        t.string('day', 10).notNullable();
        t.integer('failures').notNullable().defaultTo(0);
        timestamp(t, 'updated_at');
        t.unique(['account_no', 'day'], { indexName: 'bind_failure_account_day_unique' });
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('bill', (t) => {
        t.increments('id').primary();
        t.integer('account_id').unsigned().notNullable().references('id').inTable('account');
        t.string('period', 7).notNullable();
        t.bigInteger('amount_fen').notNullable();
        t.bigInteger('late_fee_fen').notNullable().defaultTo(0);
        t.string('due_date', 10).notNullable();
        t.string('status', 16).notNullable();
        timestamp(t, 'paid_at', true);
        t.integer('payment_id').unsigned().nullable();
        timestamp(t, 'created_at');
        t.unique(['account_id', 'period'], { indexName: 'bill_account_period_unique' });
        t.index(['account_id', 'status', 'due_date'], 'bill_account_status_due_idx');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('bill_line', (t) => {
        t.increments('id').primary();
        t.integer('bill_id').unsigned().notNullable().references('id').inTable('bill').onDelete('CASCADE');
        t.string('item_code', 32).notNullable();
        t.string('name', 64).notNullable();
        t.integer('quantity').notNullable();
        t.string('unit', 16).notNullable();
        t.bigInteger('unit_price_fen').notNullable();
        t.bigInteger('amount_fen').notNullable();
        t.index(['bill_id'], 'bill_line_bill_idx');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('subscription', (t) => {
        t.increments('id').primary();
        t.integer('account_id').unsigned().notNullable().references('id').inTable('account');
        t.string('product', 16).notNullable();
        t.string('package_code', 32).notNullable();
        t.string('package_name', 64).notNullable();
        t.bigInteger('monthly_fee_fen').notNullable();
        t.string('started_on', 10).notNullable();
        t.string('expires_on', 10).notNullable();
        timestamp(t, 'created_at');
        t.index(['account_id'], 'subscription_account_idx');
        t.index(['expires_on'], 'subscription_expires_idx');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('audit_log', (t) => {
        t.increments('id').primary();
        t.string('actor_kind', 16).notNullable();
        t.integer('actor_id').nullable();
        t.string('action', 64).notNullable();
        t.string('entity_type', 32).notNullable();
        t.string('entity_id', 64).nullable();
        t.json('detail').nullable();
        timestamp(t, 'created_at');
        t.index(['entity_type', 'entity_id'], 'audit_log_entity_idx');
        t.index(['created_at'], 'audit_log_created_idx');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('hall', (t) => {
        t.increments('id').primary();
        t.string('code', 32).notNullable().unique('hall_code_unique');
        t.string('name', 64).notNullable();
        t.string('area', 32).notNullable();
        t.string('address', 255).notNullable();
        t.double('lat').notNullable();
        t.double('lng').notNullable();
        t.string('phone', 32).notNullable();
        t.json('opening_hours').notNullable();
        t.boolean('open_on_holidays').notNullable().defaultTo(false);
        t.json('services').notNullable();
        timestamp(t, 'updated_at');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('fee_schedule', (t) => {
        t.increments('id').primary();
        t.string('code', 32).notNullable().unique('fee_schedule_code_unique');
        t.string('service_type', 16).notNullable();
        t.string('name', 64).notNullable();
        t.string('unit', 16).notNullable();
        t.string('effective_from', 10).notNullable();
        t.string('effective_to', 10).nullable();
        t.json('tiers').notNullable();
        t.json('concessions').notNullable();
        t.json('prepay_discounts').notNullable();
        t.text('notes').notNullable();
        timestamp(t, 'updated_at');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('material_price', (t) => {
        t.increments('id').primary();
        t.string('code', 32).notNullable().unique('material_price_code_unique');
        t.string('name', 64).notNullable();
        t.string('spec', 64).notNullable();
        t.string('unit', 16).notNullable();
        t.bigInteger('price_fen').notNullable();
        t.string('category', 32).notNullable();
        timestamp(t, 'updated_at');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('guide', (t) => {
        t.increments('id').primary();
        t.string('code', 32).notNullable().unique('guide_code_unique');
        t.string('title', 128).notNullable();
        t.string('category', 32).notNullable();
        t.text('summary').notNullable();
        t.json('steps').notNullable();
        t.json('materials').notNullable();
        t.string('time_limit', 64).notNullable();
        t.string('fee', 128).notNullable();
        t.json('channels').notNullable();
        timestamp(t, 'updated_at');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('notice', (t) => {
        t.increments('id').primary();
        t.string('kind', 16).notNullable();
        t.string('title', 128).notNullable();
        t.text('body').notNullable();
        t.string('area', 32).nullable();
        timestamp(t, 'starts_at');
        timestamp(t, 'ends_at');
        timestamp(t, 'published_at');
        timestamp(t, 'updated_at');
        t.index(['ends_at'], 'notice_ends_idx');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('commitment', (t) => {
        t.increments('id').primary();
        t.string('code', 32).notNullable().unique('commitment_code_unique');
        t.string('title', 64).notNullable();
        t.text('description').notNullable();
        t.integer('target_amount').notNullable();
        t.string('target_unit', 16).notNullable();
        t.string('ticket_type', 16).nullable();
        t.integer('sort_order').notNullable().defaultTo(0);
        timestamp(t, 'updated_at');
      }),
    );
    addSchema(
      this,
      (schema) => schema.createTable('hotline', (t) => {
        t.increments('id').primary();
        t.string('kind', 16).notNullable();
        t.string('name', 64).notNullable();
        t.string('number', 32).notNullable();
        t.string('hours', 64).notNullable();
        t.integer('sort_order').notNullable().defaultTo(0);
        timestamp(t, 'updated_at');
      }),
    );
  }
}
