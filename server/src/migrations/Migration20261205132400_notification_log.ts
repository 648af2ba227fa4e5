import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Each notice sent to a subscriber, with its outcome (notification.entity.ts), for the console's
 * subscriber and account pages: by user and by account, newest first, each through its index.
 * Notices sent before this have no row (their outbox messages remain).
 */
export class Migration20261205132400_notification_log extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.createTable('notification', (t) => {
        t.increments('id').primary();
        t.integer('outbox_id').notNullable();
        t.integer('user_id').notNullable();
        t.integer('account_id').nullable();
        t.integer('ticket_id').nullable();
        t.string('event', 32).notNullable();
        t.string('channel', 16).nullable();
        t.string('status', 16).notNullable();
        t.string('provider_id', 64).nullable();
        t.string('detail', 500).nullable();
        t.integer('attempts').notNullable();
        timestamp(t, 'sent_at', true);
        timestamp(t, 'delivered_at', true);
        timestamp(t, 'created_at');
        timestamp(t, 'updated_at');
        t.unique(['outbox_id'], { indexName: 'notification_outbox_unique' });
        t.index(['user_id', 'id'], 'notification_user_idx');
        t.index(['account_id', 'id'], 'notification_account_idx');
      }),
    );
  }
}
