import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/** Staff submits are forgotten after 7 days by an hourly job: it finds them by `created_at`. */
export class Migration20261206080000_staff_submit_created_index extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('staff_submit', (t) => {
        t.index(['created_at'], 'staff_submit_created_idx');
      }),
    );
  }
}
