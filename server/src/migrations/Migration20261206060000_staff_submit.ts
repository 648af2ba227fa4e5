import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * The idempotency keys of staff submits (a ticket reply first): one row per staff member and key,
 * unique, written first in the action's transaction so a repeated submit acts once.
 */
export class Migration20261206060000_staff_submit extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.createTable('staff_submit', (t) => {
        t.increments('id');
        t.integer('staff_id').unsigned().notNullable();
        t.string('idempotency_key', 64).notNullable();
        t.string('action', 32).notNullable();
        t.integer('entity_id').unsigned().notNullable();
        t.string('fingerprint', 64).notNullable();
        timestamp(t, 'created_at');
        t.unique(['staff_id', 'idempotency_key'], { indexName: 'staff_submit_key_unique' });
      }),
    );
  }
}
