import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-helpers';

/**
 * Tickets from the hotline and the counter (issue 24): where each ticket came from (`channel`; every
 * ticket so far was filed in the portal), and `user_id` becomes optional, since a caller an agent
 * files for may have no portal user bound to the account.
 *
 * SQLite cannot drop a NOT NULL in place, and its table rebuild cannot switch foreign keys off inside
 * the migrations' transaction: the rows are set aside, the table dropped (the child tables' references
 * are then counted as broken, deferred to the commit) and created again from its own statement with
 * the column nullable, and the rows put back, which settles those references before the commit.
 */
export class Migration20261205130000_ticket_channel extends Migration {
  override async up(): Promise<void> {
    if (this.getKnex().client.dialect === 'mysql') {
      addSchema(this, (schema) =>
        schema.alterTable('ticket', (t) => {
          t.string('channel', 24).notNullable().defaultTo('portal');
          t.integer('user_id').unsigned().nullable().alter();
        }),
      );
      return;
    }
    await this.execute("alter table `ticket` add column `channel` varchar(24) not null default 'portal'");
    const [table] = (await this.execute("select `sql` from `sqlite_master` where `type` = 'table' and `name` = 'ticket'")) as Array<{ sql: string }>;
    const indexes = (await this.execute("select `sql` from `sqlite_master` where `type` = 'index' and `tbl_name` = 'ticket' and `sql` is not null")) as Array<{ sql: string }>;
    const notNull = /`user_id` integer not null/i;
    if (!notNull.test(table.sql)) throw new Error(`ticket.user_id is not as this migration expects: ${table.sql}`);
    const [seq] = (await this.execute("select `seq` from `sqlite_sequence` where `name` = 'ticket'")) as Array<{ seq: number }>;
    await this.execute('pragma defer_foreign_keys = on');
    await this.execute('create temp table `ticket__copy` as select * from `ticket`');
    await this.execute('drop table `ticket`');
    await this.execute(table.sql.replace(notNull, '`user_id` integer null'));
    await this.execute('insert into `ticket` select * from `ticket__copy`');
    await this.execute('drop table `ticket__copy`');
    for (const i of indexes) await this.execute(i.sql);
    // Ids are never reused, even of the last tickets (the rebuild would restart the sequence at the highest id left).
    if (seq) await this.execute("update `sqlite_sequence` set `seq` = max(`seq`, ?) where `name` = 'ticket'", [seq.seq]);
  }
}
