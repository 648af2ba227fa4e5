import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * The console's account page (GET /staff/accounts/:accountNo) lists an account's tickets and the
 * orders that renew or top it up, newest first: each through its own index on the account.
 */
export class Migration20261205110000_staff_account_page extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema
        .alterTable('ticket', (t) => {
          t.index(['account_id', 'id'], 'ticket_account_idx');
        })
        .alterTable('payment_order', (t) => {
          t.index(['account_id', 'id'], 'payment_order_account_idx');
        }),
    );
  }
}
