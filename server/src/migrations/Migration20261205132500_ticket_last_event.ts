import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * The time of each ticket's last timeline entry, stored (`last_event_at`, kept by the ticket event
 * hook in ticket-event.entity.ts, in the entry's own transaction): the console queue's "last
 * change" column and one of its server-side orders. The queue is served per status from an index
 * for each order it offers (issue 24): by last change and by ticket number, each also with the area
 * (the queue's area filter), beside the deadline indexes of 20261205000000_ticket_deadline.
 *
 * Existing tickets get their newest entry's time once here (their filing time if they have none).
 */
export class Migration20261205132500_ticket_last_event extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema.alterTable('ticket', (t) => {
        timestamp(t, 'last_event_at', true);
        t.index(['status', 'last_event_at', 'id'], 'ticket_last_event_idx');
        t.index(['status', 'area', 'last_event_at', 'id'], 'ticket_last_event_area_idx');
        t.index(['status', 'id'], 'ticket_status_id_idx');
        t.index(['status', 'area', 'id'], 'ticket_status_area_id_idx');
      }),
    );
    this.addSql(
      'update `ticket` set `last_event_at` = coalesce((select max(`e`.`occurred_at`) from `ticket_event` as `e` where `e`.`ticket_id` = `ticket`.`id`), `created_at`)',
    );
  }
}
