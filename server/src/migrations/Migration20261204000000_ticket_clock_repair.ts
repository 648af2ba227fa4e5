import { Migration } from '@mikro-orm/migrations';

/**
 * Repairs ticket clocks stored before work-order event times were checked (issue 22):
 * - A pause that ends before it begins (a resolution dated before an agent's request for
 *   information closed the pause at the resolution's time) took down every list showing the
 *   ticket. It now ends where it began, as the resolve path ends it today: it gives back no time.
 * - A resolution dated before the ticket was claimed (the work-order system cannot have resolved
 *   an order it did not have; one was dated eleven months before filing) counted as on time. It is
 *   moved to when OpenHall recorded the resolving event, the earliest time it is known to be true,
 *   or, without such an event, to the ticket's last change. Closing is repaired the same way.
 */
export class Migration20261204000000_ticket_clock_repair extends Migration {
  override async up(): Promise<void> {
    this.addSql('update `ticket_pause` set `paused_to` = `paused_from` where `paused_to` < `paused_from`');
    for (const [column, kinds] of [
      ['resolved_at', "'wo_resolved', 'wo_closed', 'resolved'"],
      ['closed_at', "'wo_closed', 'confirmed'"],
    ] as const) {
      this.addSql(
        `update \`ticket\` set \`${column}\` = coalesce(` +
          `(select min(\`e\`.\`created_at\`) from \`ticket_event\` as \`e\` where \`e\`.\`ticket_id\` = \`ticket\`.\`id\` and \`e\`.\`kind\` in (${kinds}) ` +
          `and \`e\`.\`created_at\` >= coalesce(\`ticket\`.\`accepted_at\`, \`ticket\`.\`created_at\`)), \`ticket\`.\`updated_at\`) ` +
          `where \`${column}\` < coalesce(\`accepted_at\`, \`created_at\`)`,
      );
    }
  }
}
