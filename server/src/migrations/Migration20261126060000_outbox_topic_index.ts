import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * The outbox is claimed per topic, oldest due first: (status, topic, next_attempt_at) answers that
 * in index order and stops at the batch, however many messages of other topics wait. It replaces
 * (status, next_attempt_at), with which a backlog of one topic (a month of renewal reminders) was
 * read whole, and sorted, on every pass of every dispatcher.
 */
export class Migration20261126060000_outbox_topic_index extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('outbox_message', (t) => {
        t.index(['status', 'topic', 'next_attempt_at'], 'outbox_message_status_topic_next_idx');
        t.dropIndex(['status', 'next_attempt_at'], 'outbox_message_status_next_idx');
      }),
    );
  }
}
