import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * What subscribers chose about their notifications: the kinds they switched off or on again, and
 * their answers to the mini-program's subscribe-message prompt per template.
 */
export class Migration20261126040000_notification_preferences extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.createTable('notification_preference', (t) => {
        t.increments('id').primary();
        t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user');
        t.string('kind', 32).notNullable();
        t.boolean('enabled').notNullable();
        timestamp(t, 'updated_at');
        t.unique(['user_id', 'kind'], { indexName: 'notification_preference_user_kind_unique' });
      }),
    );
    addSchema(this, (schema) =>
      schema.createTable('wechat_subscribe_consent', (t) => {
        t.increments('id').primary();
        t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user');
        t.string('template_id', 64).notNullable();
        t.string('decision', 16).notNullable();
        timestamp(t, 'decided_at');
        t.unique(['user_id', 'template_id'], { indexName: 'wechat_subscribe_consent_user_template_unique' });
      }),
    );
  }

  override async down(): Promise<void> {
    for (const table of ['wechat_subscribe_consent', 'notification_preference']) {
      addSchema(this, (schema) => schema.dropTableIfExists(table));
    }
  }
}
