import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * One open renewal order per package (issue 20): `open_subscription_id` holds the package while its
 * renewal order is `created` and is cleared in the same UPDATE that moves the order out of
 * `created`; a unique index lets the database refuse a second open order (NULLs do not collide on
 * SQLite or MySQL). Orders open at upgrade time take the lock too, the oldest per package.
 */
export class Migration20261204110000_renewal_open_lock extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('payment_order', (t) => {
        t.integer('open_subscription_id').unsigned().nullable();
        t.unique(['open_subscription_id'], { indexName: 'payment_order_open_subscription_unique' });
      }),
    );
    // The derived table keeps MySQL from refusing an UPDATE that reads its own table (error 1093).
    this.addSql(
      'update `payment_order` set `open_subscription_id` = `subscription_id` where `id` in (' +
        "select `id` from (select min(`id`) as `id` from `payment_order` where `kind` = 'renewal' and `status` = 'created' and `subscription_id` is not null group by `subscription_id`) as `oldest`)",
    );
  }
}
