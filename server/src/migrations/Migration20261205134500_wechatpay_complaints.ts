import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * WeChat Pay consumer complaints (issue 24): each complaint once (unique complaint_id) with the
 * ticket it became and the order it is about, and the complaint notifications received (unique
 * notification id: WeChat's retries are recognised).
 */
export class Migration20261205134500_wechatpay_complaints extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema
        .createTable('wechatpay_complaint', (t) => {
          t.increments('id');
          t.string('complaint_id', 64).notNullable();
          t.integer('ticket_id').unsigned().nullable();
          t.integer('payment_order_id').unsigned().nullable();
          t.string('out_trade_no', 64).notNullable();
          t.string('transaction_id', 64).notNullable();
          t.integer('amount_fen').notNullable();
          t.string('state', 16).notNullable();
          t.text('detail').notNullable();
          t.string('problem_type', 32).nullable();
          t.string('payer_phone_masked', 20).nullable();
          timestamp(t, 'complaint_time');
          t.json('negotiation').notNullable();
          timestamp(t, 'last_synced_at');
          timestamp(t, 'created_at');
          timestamp(t, 'updated_at');
          t.unique(['complaint_id'], { indexName: 'wechatpay_complaint_complaint_id_unique' });
          t.index(['ticket_id'], 'wechatpay_complaint_ticket_idx');
          t.index(['out_trade_no'], 'wechatpay_complaint_out_trade_no_idx');
        })
        .createTable('wechatpay_complaint_notify', (t) => {
          t.increments('id');
          t.string('notify_id', 64).nullable();
          t.string('complaint_id', 64).nullable();
          t.string('action_type', 64).nullable();
          t.string('outcome', 64).notNullable();
          t.text('raw_body').notNullable();
          timestamp(t, 'received_at');
          t.unique(['notify_id'], { indexName: 'wechatpay_complaint_notify_id_unique' });
        }),
    );
  }
}
