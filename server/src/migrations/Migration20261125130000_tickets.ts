import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/** Tickets: the ticket, its timeline, the pauses of its clock and its extensions. */
export class Migration20261125130000_tickets extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.createTable('ticket', (t) => {
        t.increments('id').primary();
        t.string('type', 16).notNullable();
        t.integer('account_id').unsigned().notNullable().references('id').inTable('account');
        t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user');
        t.string('area', 32).notNullable();
        t.text('description').notNullable();
        t.string('contact_phone', 20).notNullable();
        t.string('severity', 16).nullable();
        t.string('status', 16).notNullable();
        t.string('commitment_code', 32).notNullable();
        t.integer('target_amount').notNullable();
        t.string('target_unit', 16).notNullable();
        timestamp(t, 'clock_started_at');
        t.integer('owner_staff_id').unsigned().nullable().references('id').inTable('staff_user');
        t.integer('handler_staff_id').unsigned().nullable().references('id').inTable('staff_user');
        timestamp(t, 'accepted_at', true);
        t.string('work_order_no', 32).nullable();
        t.string('technician_name', 64).nullable();
        t.string('technician_job_no', 32).nullable();
        t.integer('urge_count').notNullable().defaultTo(0);
        timestamp(t, 'last_urged_at', true);
        timestamp(t, 'escalated_at', true);
        timestamp(t, 'resolved_at', true);
        timestamp(t, 'closed_at', true);
        timestamp(t, 'cancelled_at', true);
        t.integer('reopen_count').notNullable().defaultTo(0);
        timestamp(t, 'reopened_at', true);
        timestamp(t, 'created_at');
        timestamp(t, 'updated_at');
        t.index(['user_id', 'created_at'], 'ticket_user_created_idx');
        t.index(['status', 'type'], 'ticket_status_type_idx');
        t.index(['owner_staff_id'], 'ticket_owner_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('ticket_event', (t) => {
        t.increments('id').primary();
        t.integer('ticket_id').unsigned().notNullable().references('id').inTable('ticket');
        t.string('kind', 32).notNullable();
        t.boolean('visible_to_subscriber').notNullable();
        t.string('actor_kind', 16).notNullable();
        t.integer('actor_id').nullable();
        t.string('actor_name', 64).nullable();
        t.string('actor_job_no', 32).nullable();
        t.text('message').notNullable();
        t.string('external_event_id', 64).nullable().unique('ticket_event_external_unique');
        timestamp(t, 'occurred_at');
        timestamp(t, 'created_at');
        t.index(['ticket_id', 'occurred_at'], 'ticket_event_ticket_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('ticket_pause', (t) => {
        t.increments('id').primary();
        t.integer('ticket_id').unsigned().notNullable().references('id').inTable('ticket');
        timestamp(t, 'paused_from');
        timestamp(t, 'paused_to', true);
        t.string('reason', 500).notNullable();
        t.integer('opened_by_staff_id').unsigned().nullable().references('id').inTable('staff_user');
        timestamp(t, 'created_at');
        t.index(['ticket_id'], 'ticket_pause_ticket_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('ticket_extension', (t) => {
        t.increments('id').primary();
        t.integer('ticket_id').unsigned().notNullable().references('id').inTable('ticket');
        t.integer('amount').notNullable();
        t.string('unit', 16).notNullable();
        t.string('reason', 500).notNullable();
        t.string('status', 16).notNullable();
        t.integer('requested_by_staff_id').unsigned().notNullable().references('id').inTable('staff_user');
        t.string('approved_by', 100).nullable();
        t.integer('decided_by_staff_id').unsigned().nullable().references('id').inTable('staff_user');
        timestamp(t, 'decided_at', true);
        timestamp(t, 'created_at');
        t.index(['ticket_id'], 'ticket_extension_ticket_idx');
      }),
    );
  }
}
