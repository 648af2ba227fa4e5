import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * How many tickets there are per status, area, type and claimed-or-not, kept as they change (issue
 * 18): the staff queue's total for its filters other than the clock's is a sum of a few rows
 * instead of a COUNT over every open ticket.
 *
 * Triggers on `ticket` append a change row (+1 for the key a ticket enters, -1 for the one it
 * leaves) to `ticket_queue_count_change` in the transaction of every insert, update that moves the
 * key, and delete, whatever writes it (a conditional UPDATE, a bulk import, a migration). They only
 * ever insert, so writers never wait for one another on a counter row (an update in place would:
 * closing an outage and filing into it at once deadlocked on one). A job folds the change rows into
 * `ticket_queue_count` (TicketQueue.foldQueueCounts); a total is the folded count plus the changes
 * not folded yet. Filled once here from the tickets there are.
 */
export class Migration20261205235510_ticket_queue_count extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema
        .createTable('ticket_queue_count', (t) => {
          t.string('status', 16).notNullable();
          t.string('area', 32).notNullable();
          t.string('type', 16).notNullable();
          t.tinyint('unclaimed').notNullable();
          t.integer('n').notNullable();
          t.primary(['status', 'area', 'type', 'unclaimed']);
        })
        .createTable('ticket_queue_count_change', (t) => {
          t.increments('id').primary();
          t.string('status', 16).notNullable();
          t.string('area', 32).notNullable();
          t.string('type', 16).notNullable();
          t.tinyint('unclaimed').notNullable();
          t.integer('n').notNullable();
        }),
    );
    this.addSql(
      'insert into `ticket_queue_count` (`status`, `area`, `type`, `unclaimed`, `n`) ' +
        'select `status`, `area`, `type`, case when `owner_staff_id` is null then 1 else 0 end, count(*) from `ticket` ' +
        'group by `status`, `area`, `type`, case when `owner_staff_id` is null then 1 else 0 end',
    );
    const mysql = this.getKnex().client.dialect === 'mysql';
    const change = (r: 'NEW' | 'OLD', n: 1 | -1) =>
      'insert into `ticket_queue_count_change` (`status`, `area`, `type`, `unclaimed`, `n`) ' +
      `values (${r}.\`status\`, ${r}.\`area\`, ${r}.\`type\`, case when ${r}.\`owner_staff_id\` is null then 1 else 0 end, ${n})`;
    // Only a change of the key moves a count: most updates (a reply, a stored deadline) do not.
    const moved =
      'not (OLD.`status` = NEW.`status` and OLD.`area` = NEW.`area` and OLD.`type` = NEW.`type` ' +
      'and (OLD.`owner_staff_id` is null) = (NEW.`owner_staff_id` is null))';
    if (mysql) {
      this.addSql(`create trigger \`ticket_queue_count_insert\` after insert on \`ticket\` for each row ${change('NEW', 1)}`);
      this.addSql(`create trigger \`ticket_queue_count_delete\` after delete on \`ticket\` for each row ${change('OLD', -1)}`);
      this.addSql(`create trigger \`ticket_queue_count_update\` after update on \`ticket\` for each row begin if ${moved} then ${change('OLD', -1)}; ${change('NEW', 1)}; end if; end`);
    } else {
      this.addSql(`create trigger \`ticket_queue_count_insert\` after insert on \`ticket\` begin ${change('NEW', 1)}; end`);
      this.addSql(`create trigger \`ticket_queue_count_delete\` after delete on \`ticket\` begin ${change('OLD', -1)}; end`);
      this.addSql(
        `create trigger \`ticket_queue_count_update\` after update of \`status\`, \`area\`, \`type\`, \`owner_staff_id\` on \`ticket\` when ${moved} begin ${change('OLD', -1)}; ${change('NEW', 1)}; end`,
      );
    }
  }
}
