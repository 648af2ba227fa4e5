import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Callbacks (回访): the subscriber's rating of each resolution of a ticket, the phone callback
 * tasks staff owe, and the job leases that let one instance at a time run a periodic job.
 */
export class Migration20261126020000_callbacks extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.createTable('ticket_rating', (t) => {
        t.increments('id').primary();
        t.integer('ticket_id').unsigned().notNullable().references('id').inTable('ticket');
        t.integer('round').notNullable();
        t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user');
        t.integer('stars').notNullable();
        t.json('reasons').notNullable();
        t.string('comment', 500).notNullable();
        timestamp(t, 'created_at');
        t.unique(['ticket_id', 'round'], { indexName: 'ticket_rating_round_unique' });
        t.index(['created_at'], 'ticket_rating_created_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('ticket_callback', (t) => {
        t.increments('id').primary();
        t.integer('ticket_id').unsigned().notNullable().references('id').inTable('ticket');
        t.integer('round').notNullable();
        t.string('reason', 16).notNullable();
        t.string('status', 16).notNullable();
        t.integer('attempts').notNullable().defaultTo(0);
        timestamp(t, 'due_at');
        t.string('outcome', 16).nullable();
        t.string('note', 500).nullable();
        t.integer('stars').nullable();
        t.integer('last_called_by_staff_id').unsigned().nullable().references('id').inTable('staff_user');
        timestamp(t, 'last_attempt_at', true);
        timestamp(t, 'completed_at', true);
        timestamp(t, 'created_at');
        timestamp(t, 'updated_at');
        t.unique(['ticket_id', 'round'], { indexName: 'ticket_callback_round_unique' });
        t.index(['status', 'due_at'], 'ticket_callback_status_due_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('job_lease', (t) => {
        t.string('name', 64).primary();
        t.string('holder', 64).nullable();
        timestamp(t, 'leased_until', true);
        timestamp(t, 'last_run_at', true);
      }),
    );
    // The metrics and the callback job look tickets up by when they were resolved.
    addSchema(this, (schema) =>
      schema.alterTable('ticket', (t) => {
        t.index(['resolved_at'], 'ticket_resolved_at_idx');
        t.index(['created_at'], 'ticket_created_at_idx');
      }),
    );
  }
}
