import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * The console's search box (GET /staff/search) looks up a ticket by its work-order number or
 * contact phone, and an account by its holder's phone or name: exact matches, each on its own
 * index, so a search reads a few rows however many accounts and tickets there are.
 */
export class Migration20261205100000_staff_search extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema
        .alterTable('ticket', (t) => {
          t.index(['work_order_no'], 'ticket_work_order_no_idx');
          t.index(['contact_phone'], 'ticket_contact_phone_idx');
        })
        .alterTable('account', (t) => {
          t.index(['holder_phone'], 'account_holder_phone_idx');
          t.index(['holder_name'], 'account_holder_name_idx');
        }),
    );
  }
}
