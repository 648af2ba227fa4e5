import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Sign-in consent: which version of 《用户协议》/《隐私政策》 (config/operator.json `agreements`) a user
 * ticked 同意 for, and when. Users from before have none recorded and are asked at their next sign-in.
 */
export class Migration20261205120000_user_consent extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('portal_user', (t) => {
        t.string('consent_version', 32).nullable();
        timestamp(t, 'consented_at', true);
      }),
    );
  }
}
