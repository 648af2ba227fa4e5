import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Each ticket's deadline, stored (issue 18): `deadline_at` and `queue_key`, what the staff queue
 * sorts by, kept current by every change that moves the clock, and the indexes the queue is
 * served from (by status, and by status and area: its page and its count). The table
 * `ticket_clock_calendar` holds the holiday calendar the stored deadlines were computed on, so
 * that a changed calendar is noticed and the tickets it touches are recomputed.
 *
 * The existing rows are backfilled by the first run of the ticket clock job (ticket-clock.job.ts),
 * which start-up awaits before it listens: a deadline needs the configured holiday calendar, which
 * a migration does not have. Finding no calendar row, the job computes every ticket.
 */
export class Migration20261205000000_ticket_deadline extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema
        .alterTable('ticket', (t) => {
          timestamp(t, 'deadline_at', true);
          t.bigInteger('queue_key').nullable();
          t.index(['status', 'queue_key', 'id'], 'ticket_queue_idx');
          t.index(['status', 'area', 'queue_key', 'id'], 'ticket_queue_area_idx');
        })
        .createTable('ticket_clock_calendar', (t) => {
          t.integer('id').primary();
          t.text('years').notNullable();
          timestamp(t, 'applied_at');
        }),
    );
  }
}
