import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * Covering indexes for the staff metrics and the public scorecard (issue 18): each figure is an
 * aggregate over a month of tickets (100,000 resolved and as many open on a busy month), which
 * through the single-column indexes read every row of the table itself. With every column those
 * statements read in the index, they read the index alone:
 * - by filing time (first response, complaints): widens `ticket_created_at_idx`;
 * - by resolution time (on time, callback coverage, the scorecard's 30 days): widens
 *   `ticket_resolved_at_idx`, whose other readers use its first column as before;
 * - open tickets by status and deadline (late while open): only those past the deadline are read.
 */
export class Migration20261206044200_ticket_metrics_indexes extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('ticket', (t) => {
        t.dropIndex([], 'ticket_created_at_idx');
        t.dropIndex([], 'ticket_resolved_at_idx');
        t.index(['created_at', 'area', 'type', 'status', 'accepted_at'], 'ticket_created_metrics_idx');
        t.index(['resolved_at', 'status', 'area', 'commitment_code', 'type', 'reopen_count', 'clock_started_at', 'deadline_at', 'queue_key'], 'ticket_resolved_metrics_idx');
        t.index(['status', 'deadline_at', 'area', 'commitment_code', 'clock_started_at', 'queue_key', 'resolved_at'], 'ticket_late_open_idx');
      }),
    );
  }
}
