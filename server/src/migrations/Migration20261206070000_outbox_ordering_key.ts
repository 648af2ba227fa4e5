import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * The outbox's ordering key: messages sharing one are delivered one at a time, in id order (the
 * replies and the completion of one WeChat Pay complaint). Indexed with the status, so the runner
 * finds each key's first unfinished message without reading the finished ones.
 */
export class Migration20261206070000_outbox_ordering_key extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('outbox_message', (t) => {
        t.string('ordering_key', 128).nullable();
        t.index(['ordering_key', 'status'], 'outbox_message_ordering_idx');
      }),
    );
  }
}
