import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Delivery receipts (issue 24): a notice may become `delivered` or `undelivered` (the status column
 * already holds 16 characters); `receipt_at` is the report time of the receipt behind that state, so
 * an older report arriving late does not overwrite a newer one; notices are found by the provider's
 * message id. `notification_receipt` keeps a receipt that arrived before its notice had the provider's
 * id (the gateway answered, the report overtook the dispatcher's write), until the notice is recorded.
 */
export class Migration20261205233100_notification_receipts extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema
        .alterTable('notification', (t) => {
          t.datetime('receipt_at', { precision: 3 }).nullable();
          t.index(['provider_id'], 'notification_provider_idx');
        })
        .createTable('notification_receipt', (t) => {
          t.increments('id').primary();
          t.string('channel', 16).notNullable();
          t.string('provider_id', 64).notNullable();
          t.string('status', 16).notNullable();
          t.string('detail', 500).nullable();
          timestamp(t, 'reported_at');
          timestamp(t, 'received_at');
          t.unique(['channel', 'provider_id'], { indexName: 'notification_receipt_provider_unique' });
          t.index(['received_at'], 'notification_receipt_received_idx');
        }),
    );
  }
}
