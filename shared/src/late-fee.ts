/**
 * Late fee (滞纳金) on an unpaid bill. The operator publishes the rule (config/operator.json
 * `lateFee`): a daily rate in basis points of the amount owed, a few grace days, and a cap as a
 * percentage of the amount owed. Everything here is integer arithmetic: the product of amount,
 * rate and days can pass 2^53 for large amounts, so it is taken in BigInt and only the result,
 * which never exceeds the amount owed, comes back as a number.
 */

/** The operator's published late-fee rule. */
export interface LateFeeRule {
  /** Fee per day overdue, in basis points (1/10000) of the amount owed: 5 = 万分之五. */
  ratePerDayBasisPoints: number;
  /** Days after the due date that carry no fee. */
  graceDays: number;
  /** The fee never exceeds this percentage of the amount owed (100 = 不超过本金). */
  capPercent: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a YYYY-MM-DD date; throws on anything that is not a real calendar date. */
function dayNumber(date: string, name: string): number {
  const m = DATE.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  // Date.UTC rolls 2026-02-30 over into March; a date that does not round-trip is not a date.
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new RangeError(`${name} is not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  }
  return ms / 86_400_000;
}

function requireNonNegativeInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer: ${value}`);
}

/**
 * Days that carry a late fee: the days after `dueDate` up to and including `asOf`, minus the
 * grace days. Paying on the due date itself, or within the grace days, costs nothing.
 *
 * @example daysOverdue('2026-03-15', '2026-03-20', 0) // 5
 * @example daysOverdue('2026-03-15', '2026-03-20', 3) // 2
 */
export function daysOverdue(dueDate: string, asOf: string, graceDays: number): number {
  requireNonNegativeInteger(graceDays, 'graceDays');
  const after = dayNumber(asOf, 'asOf') - dayNumber(dueDate, 'dueDate');
  return Math.max(0, after - graceDays);
}

/**
 * The late fee in fen on `amountFen` owed since `dueDate`, as of the business date `asOf`:
 * `floor(amountFen × ratePerDayBasisPoints × daysOverdue / 10000)`, capped at
 * `floor(amountFen × capPercent / 100)`. The floor is taken once over the total (a part of a fen
 * is not charged), not day by day.
 *
 * @example computeLateFeeFen(10000, '2026-03-15', '2026-03-25', { ratePerDayBasisPoints: 5, graceDays: 0, capPercent: 100 }) // 50
 * @throws RangeError when an amount or rule value is not a non-negative integer, or a date is not YYYY-MM-DD.
 */
export function computeLateFeeFen(amountFen: number, dueDate: string, asOf: string, rule: LateFeeRule): number {
  requireNonNegativeInteger(amountFen, 'amountFen');
  requireNonNegativeInteger(rule.ratePerDayBasisPoints, 'ratePerDayBasisPoints');
  requireNonNegativeInteger(rule.capPercent, 'capPercent');
  const days = daysOverdue(dueDate, asOf, rule.graceDays);
  if (days === 0 || amountFen === 0) return 0;
  const amount = BigInt(amountFen);
  const fee = (amount * BigInt(rule.ratePerDayBasisPoints) * BigInt(days)) / 10_000n;
  const cap = (amount * BigInt(rule.capPercent)) / 100n;
  return Number(fee < cap ? fee : cap);
}
