import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Refunds the gateway refused (issue 20): how often it was tried, when it is tried again
 * (automatic refunds only, with backoff; null when not retried), the last refusal, and the
 * supervisor who resolved it by hand (name and job number as they were then) with a note.
 */
export class Migration20261204120000_refund_retries extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('refund', (t) => {
        t.integer('attempts').notNullable().defaultTo(0);
        timestamp(t, 'next_attempt_at', true);
        t.string('last_error', 255).nullable();
        timestamp(t, 'resolved_at', true);
        t.integer('resolved_by_staff_id').unsigned().nullable();
        t.string('resolved_by_name', 64).nullable();
        t.string('resolved_by_job_no', 32).nullable();
        t.string('resolution_note', 500).nullable();
        t.index(['status', 'next_attempt_at'], 'refund_status_next_attempt_idx');
      }),
    );
  }
}
