import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Images staff attach to a reply to a WeChat Pay complaint: kept in the upload storage until the
 * reply is delivered (they are uploaded to WeChat Pay then), each sent with one reply only.
 */
export class Migration20261206050000_wechatpay_complaint_images extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.createTable('wechatpay_complaint_image', (t) => {
        t.increments('id');
        t.integer('ticket_id').unsigned().notNullable();
        t.integer('staff_id').unsigned().notNullable();
        t.string('content_type', 32).notNullable();
        t.integer('size_bytes').notNullable();
        t.string('sha256', 64).notNullable();
        t.string('storage_key', 128).notNullable();
        t.string('sent_with', 128).nullable();
        timestamp(t, 'created_at');
        t.unique(['storage_key'], { indexName: 'wechatpay_complaint_image_storage_key_unique' });
        t.index(['ticket_id'], 'wechatpay_complaint_image_ticket_idx');
      }),
    );
  }
}
