import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * A bill order fully refunded by staff undoes its bills (issue 20): each of the order's bills is
 * marked once, in the refund's transaction, with when and what was done to it (`reopened`: the
 * bill is owed again; `kept`: it was no longer this order's to reopen — paid another way, or
 * withdrawn). The receipt reads it to say what happened to the payment.
 */
export class Migration20261204100000_bill_payment_reversal extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('payment_order_bill', (t) => {
        timestamp(t, 'reversed_at', true);
        t.string('reversal', 16).nullable();
        t.index(['bill_id', 'reversed_at'], 'payment_order_bill_bill_reversed_idx');
      }),
    );
  }
}
