import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * An order closed here while its gateway could not be reached (issue 20): `gateway_check_until`
 * says until when the housekeeping job keeps asking the gateway (its expiry plus a margin); it is
 * cleared once the gateway confirms the order closed, or once money that arrived is refunded.
 */
export class Migration20261204130000_local_close extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('payment_order', (t) => {
        timestamp(t, 'gateway_check_until', true);
        t.index(['gateway_check_until'], 'payment_order_gateway_check_idx');
      }),
    );
  }
}
