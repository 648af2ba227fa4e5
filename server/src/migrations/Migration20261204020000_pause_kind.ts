import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * What a ticket's pause waits for: the subscriber's information (`information`, every pause so far),
 * or, for a restoration (复通), the arrears to be paid (`arrears`): the 5-working-day commitment
 * counts from the payment, not from the application.
 */
export class Migration20261204020000_pause_kind extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('ticket_pause', (t) => {
        t.string('kind', 16).notNullable().defaultTo('information');
        t.index(['kind', 'paused_to'], 'ticket_pause_kind_open_idx');
      }),
    );
  }
}
