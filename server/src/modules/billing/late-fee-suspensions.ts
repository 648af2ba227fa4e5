import type { EntityManager } from '@mikro-orm/knex';
import { businessDate, computeLateFeeFen, type LateFeeRule, type LateFeeSuspension } from '@openhall/shared';
import { ReadDb, dateOrNull, placeholders } from '../../read-db';
import type { Bill } from './bill.entity';

/*
 * A disputed bill (账单异议) does not grow its late fee while its complaint is unanswered
 * (shared/src/late-fee.ts `daysAfterDueCounted`). The disputes themselves are filed by the
 * bill-disputes module; every place a late fee is computed reads the suspensions here.
 */

/**
 * When a dispute's complaint counts as answered: once it is resolved (a reply was given; closing
 * keeps that date) or withdrawn (cancelled by the subscriber). A complaint reopened as "not
 * answered" is unanswered again, so its bill's late fee stops again from the dispute's first day.
 */
export function answeredAt(ticket: { resolvedAt: Date | null; cancelledAt: Date | null }): Date | null {
  return ticket.resolvedAt ?? ticket.cancelledAt ?? null;
}

/**
 * The late-fee suspensions of some bills: one per dispute, from the business date it was raised
 * through the date its complaint was answered (null while it is not). Every place a late fee is
 * computed (bill views, arrears, account summaries, payment orders) takes them from here, so the
 * fee the subscriber sees is the fee they pay. Only unpaid bills that would carry a fee as of
 * `today` are looked up: a dispute can only lower a fee, so the others need no query. Nor do bills
 * whose caller read, in the same statement, that they have no dispute (`disputed: false`, from
 * `DISPUTED_SQL`): the account list and the bills tab, where most overdue bills are undisputed.
 */
export async function lateFeeSuspensions(
  db: ReadDb | EntityManager,
  bills: readonly (Pick<Bill, 'id' | 'status' | 'amountFen' | 'dueDate'> & { disputed?: boolean })[],
  today: string,
  rule: LateFeeRule,
): Promise<Map<number, LateFeeSuspension[]>> {
  const result = new Map<number, LateFeeSuspension[]>();
  const billIds = bills.filter((b) => mayHaveSuspensions(b, today, rule)).map((b) => b.id);
  if (billIds.length === 0) return result;
  // One fixed join; it runs on every account summary and bill list that holds a bill past its
  // grace days. Pages read it through ReadDb; a payment order, inside its transaction, on the
  // transaction's connection.
  const sql =
    'select `bill_dispute`.`bill_id`, `bill_dispute`.`created_at`, `ticket`.`resolved_at`, `ticket`.`cancelled_at` ' +
    `from \`bill_dispute\` join \`ticket\` on \`ticket\`.\`id\` = \`bill_dispute\`.\`ticket_id\` where \`bill_dispute\`.\`bill_id\` in (${placeholders(billIds.length)})`;
  type Row = { bill_id: number; created_at: unknown; resolved_at: unknown; cancelled_at: unknown };
  const rows = db instanceof ReadDb ? await db.rows<Row>(sql, billIds) : await db.getConnection().execute<Row[]>(sql, billIds, 'all', db.getTransactionContext());
  for (const r of rows) {
    const answered = answeredAt({ resolvedAt: dateOrNull(r.resolved_at), cancelledAt: dateOrNull(r.cancelled_at) });
    const billId = Number(r.bill_id);
    const list = result.get(billId) ?? [];
    list.push({ from: businessDate(dateOrNull(r.created_at)!), to: answered ? businessDate(answered) : null });
    result.set(billId, list);
  }
  return result;
}

/**
 * Whether a dispute could lower the bill's late fee as of `today`, so its suspensions must be read:
 * it is unpaid, carries a fee without them, and was not read as undisputed.
 */
export function mayHaveSuspensions(
  b: Pick<Bill, 'status' | 'amountFen' | 'dueDate'> & { disputed?: boolean },
  today: string,
  rule: LateFeeRule,
): boolean {
  return b.status === 'unpaid' && b.disputed !== false && computeLateFeeFen(Number(b.amountFen), b.dueDate, today, rule) > 0;
}

/** Whether the bill in a statement's `bill` table has a dispute: a column for pages that list bills. */
export const DISPUTED_SQL = 'exists (select 1 from `bill_dispute` where `bill_dispute`.`bill_id` = `bill`.`id`)';
