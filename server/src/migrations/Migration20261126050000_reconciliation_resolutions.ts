import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * A supervisor can mark a reconciliation difference handled by hand: who (staff id, and the name
 * and job number they had then, as the console shows them later) and what was done. When is the
 * existing `resolved_at`, the kind of resolution the existing `resolution` (`manual`).
 * SQLite cannot add a foreign key to an existing table (knex leaves it out there); MySQL gets one.
 */
export class Migration20261126050000_reconciliation_resolutions extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('reconciliation_diff', (t) => {
        t.integer('resolved_by_staff_id').unsigned().nullable().references('id').inTable('staff_user');
        t.string('resolved_by_name', 64).nullable();
        t.string('resolved_by_job_no', 32).nullable();
        t.string('resolution_note', 500).nullable();
      }),
    );
  }

}
