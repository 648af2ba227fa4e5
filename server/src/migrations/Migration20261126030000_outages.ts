import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * What filing a ticket can carry and what it can be tied to: area outages and the tickets linked to
 * them, uploaded photos, home-visit appointment slots (a booked count per area and half-day, so a
 * booking is one conditional UPDATE), and bill disputes with the complaint ticket answering each.
 */
export class Migration20261126030000_outages extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.createTable('outage', (t) => {
        t.increments('id').primary();
        t.string('area', 32).notNullable();
        t.string('service_type', 16).nullable();
        t.string('scope', 255).nullable();
        t.string('cause', 500).notNullable();
        t.string('status', 16).notNullable();
        timestamp(t, 'estimated_restoration_at');
        t.integer('linked_tickets').notNullable().defaultTo(0);
        t.integer('declared_by_staff_id').unsigned().notNullable().references('id').inTable('staff_user');
        timestamp(t, 'declared_at');
        t.integer('closed_by_staff_id').unsigned().nullable().references('id').inTable('staff_user');
        timestamp(t, 'closed_at', true);
        t.string('close_message', 500).nullable();
        timestamp(t, 'updated_at');
        t.index(['status', 'area'], 'outage_status_area_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('outage_ticket', (t) => {
        t.increments('id').primary();
        t.integer('outage_id').unsigned().notNullable().references('id').inTable('outage');
        t.integer('ticket_id').unsigned().notNullable().references('id').inTable('ticket');
        timestamp(t, 'created_at');
        t.unique(['ticket_id'], { indexName: 'outage_ticket_ticket_unique' });
        t.index(['outage_id'], 'outage_ticket_outage_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('upload', (t) => {
        t.increments('id').primary();
        t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user');
        t.string('content_type', 32).notNullable();
        t.integer('size_bytes').notNullable();
        t.string('sha256', 64).notNullable();
        t.string('storage_key', 128).notNullable();
        t.integer('ticket_id').unsigned().nullable().references('id').inTable('ticket');
        timestamp(t, 'created_at');
        t.unique(['storage_key'], { indexName: 'upload_storage_key_unique' });
        t.index(['ticket_id'], 'upload_ticket_idx');
        t.index(['user_id', 'created_at'], 'upload_user_created_idx');
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('appointment_slot', (t) => {
        t.increments('id').primary();
        t.string('area', 32).notNullable();
        t.string('slot_date', 10).notNullable();
        t.string('half', 2).notNullable();
        t.integer('booked').notNullable().defaultTo(0);
        t.unique(['area', 'slot_date', 'half'], { indexName: 'appointment_slot_unique' });
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('ticket_appointment', (t) => {
        t.increments('id').primary();
        t.integer('ticket_id').unsigned().notNullable().references('id').inTable('ticket');
        t.string('area', 32).notNullable();
        t.string('slot_date', 10).notNullable();
        t.string('half', 2).notNullable();
        t.string('status', 16).notNullable();
        timestamp(t, 'created_at');
        timestamp(t, 'released_at', true);
        t.unique(['ticket_id'], { indexName: 'ticket_appointment_ticket_unique' });
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('bill_dispute', (t) => {
        t.increments('id').primary();
        t.integer('bill_id').unsigned().notNullable().references('id').inTable('bill');
        t.integer('bill_line_id').unsigned().notNullable().references('id').inTable('bill_line');
        t.integer('ticket_id').unsigned().notNullable().references('id').inTable('ticket');
        t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user');
        t.string('reason', 500).notNullable();
        timestamp(t, 'created_at');
        // One dispute per line: a second objection goes into the same complaint (reopen it).
        t.unique(['bill_line_id'], { indexName: 'bill_dispute_line_unique' });
        t.unique(['ticket_id'], { indexName: 'bill_dispute_ticket_unique' });
        t.index(['bill_id'], 'bill_dispute_bill_idx');
      }),
    );
  }

  override async down(): Promise<void> {
    for (const table of ['bill_dispute', 'ticket_appointment', 'appointment_slot', 'upload', 'outage_ticket', 'outage']) {
      addSchema(this, (schema) => schema.dropTableIfExists(table));
    }
  }
}
