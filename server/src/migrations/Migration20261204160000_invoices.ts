import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Electronic invoices (电子发票): the invoice of a paid order (one live per order: a unique
 * `live_order_id`, NULL once reversed or cancelled), its lines, the PDFs the e-invoice platform
 * issued (MEDIUMBLOB on MySQL: a PDF with its embedded font subset is tens of KB, past a BLOB's 64 KB
 * for long bills), and each subscriber's saved titles (抬头).
 */
export class Migration20261204160000_invoices extends Migration {
  override async up(): Promise<void> {
    const mysql = this.getKnex().client.dialect === 'mysql';
    addSchema(this, (schema) =>
      schema
        .createTable('invoice', (t) => {
          t.increments('id').primary();
          t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user');
          t.integer('order_id').unsigned().notNullable().references('id').inTable('payment_order');
          t.string('order_kind', 16).notNullable();
          t.integer('account_id').unsigned().nullable().references('id').inTable('account');
          t.integer('seq').notNullable().defaultTo(1);
          t.integer('live_order_id').unsigned().nullable();
          t.string('title_kind', 16).notNullable();
          t.string('title_name', 100).notNullable();
          t.string('title_tax_no', 18).nullable();
          t.string('title_key', 140).notNullable();
          t.string('email', 100).nullable();
          t.string('status', 16).notNullable();
          t.integer('net_fen').notNullable();
          t.integer('tax_fen').notNullable();
          t.integer('total_fen').notNullable();
          t.string('serial_no', 40).notNullable();
          t.integer('attempts').notNullable().defaultTo(1);
          t.string('invoice_no', 32).nullable();
          timestamp(t, 'issued_at', true);
          t.string('fail_code', 32).nullable();
          t.string('fail_reason', 255).nullable();
          t.string('last_error', 255).nullable();
          timestamp(t, 'check_at', true);
          t.string('reversal_status', 16).nullable();
          t.string('red_serial_no', 40).nullable();
          t.integer('red_attempts').notNullable().defaultTo(0);
          t.string('red_fail_code', 32).nullable();
          t.string('red_fail_reason', 255).nullable();
          t.string('red_invoice_no', 32).nullable();
          timestamp(t, 'reversed_at', true);
          t.integer('replaces_invoice_id').unsigned().nullable();
          t.integer('replaced_by_invoice_id').unsigned().nullable();
          t.integer('reissued_by_staff_id').unsigned().nullable().references('id').inTable('staff_user');
          t.string('reissued_by_name', 64).nullable();
          t.string('reissued_by_job_no', 32).nullable();
          t.string('reissue_note', 500).nullable();
          timestamp(t, 'reissued_at', true);
          timestamp(t, 'created_at');
          timestamp(t, 'updated_at');
          t.unique(['live_order_id'], { indexName: 'invoice_live_order_unique' });
          t.unique(['serial_no'], { indexName: 'invoice_serial_no_unique' });
          t.unique(['red_serial_no'], { indexName: 'invoice_red_serial_no_unique' });
          t.unique(['order_id', 'seq'], { indexName: 'invoice_order_seq_unique' });
          t.index(['user_id', 'created_at'], 'invoice_user_created_idx');
          t.index(['invoice_no'], 'invoice_invoice_no_idx');
          t.index(['account_id'], 'invoice_account_idx');
          t.index(['check_at'], 'invoice_check_at_idx');
          t.index(['status', 'id'], 'invoice_status_idx');
        })
        .createTable('invoice_line', (t) => {
          t.increments('id').primary();
          t.integer('invoice_id').unsigned().notNullable().references('id').inTable('invoice');
          t.integer('position').notNullable();
          t.string('item_code', 32).notNullable();
          t.string('name', 100).notNullable();
          t.string('unit', 16).nullable();
          t.integer('quantity').nullable();
          t.string('unit_price', 24).nullable();
          t.integer('net_fen').notNullable();
          t.integer('rate_bp').notNullable();
          t.string('rate_text', 16).notNullable();
          t.integer('tax_fen').notNullable();
          t.integer('amount_fen').notNullable();
          t.index(['invoice_id', 'position'], 'invoice_line_invoice_idx');
        })
        .createTable('invoice_document', (t) => {
          t.increments('id').primary();
          t.integer('invoice_id').unsigned().notNullable().references('id').inTable('invoice');
          t.string('kind', 8).notNullable();
          if (mysql) t.specificType('pdf', 'mediumblob').notNullable();
          else t.binary('pdf').notNullable();
          t.string('sha256', 64).notNullable();
          timestamp(t, 'created_at');
          t.unique(['invoice_id', 'kind'], { indexName: 'invoice_document_invoice_kind_unique' });
        })
        .createTable('invoice_title', (t) => {
          t.increments('id').primary();
          t.integer('user_id').unsigned().notNullable().references('id').inTable('portal_user');
          t.string('kind', 16).notNullable();
          t.string('name', 100).notNullable();
          t.string('tax_no', 18).nullable();
          t.string('email', 100).nullable();
          t.string('title_key', 140).notNullable();
          timestamp(t, 'last_used_at');
          timestamp(t, 'created_at');
          t.unique(['user_id', 'title_key'], { indexName: 'invoice_title_user_key_unique' });
        }),
    );
  }
}
