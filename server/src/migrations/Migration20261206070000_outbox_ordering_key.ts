import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * The outbox's ordering key: messages sharing one are delivered one at a time, in id order (the
 * replies and the completion of one WeChat Pay complaint). Indexed after the status, so the runner
 * finds each key's first pending message by reading the pending messages that have a key, and
 * nothing of the finished ones or of another topic's unkeyed backlog.
 */
export class Migration20261206070000_outbox_ordering_key extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('outbox_message', (t) => {
        t.string('ordering_key', 128).nullable();
        t.index(['status', 'ordering_key'], 'outbox_message_ordering_idx');
      }),
    );
  }
}
