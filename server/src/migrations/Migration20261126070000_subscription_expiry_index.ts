import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * Packages by expiry date with their account: the renewal statistics read a month's expiring
 * packages and their accounts' areas, and with the account id in the index they read no package
 * row (at 1,000,000 accounts, 31,000 packages a month: 2.7 → 1.7 s with MariaDB's default 128 MB
 * buffer pool, 130–190 → 80 ms with 1 GB). It replaces the index on the expiry date alone, which
 * it covers.
 */
export class Migration20261126070000_subscription_expiry_index extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('subscription', (t) => {
        t.index(['expires_on', 'account_id'], 'subscription_expires_account_idx');
        t.dropIndex(['expires_on'], 'subscription_expires_idx');
      }),
    );
  }
}
