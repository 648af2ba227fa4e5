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
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    // Checked by arithmetic rather than by a Date round trip: bill lists compute this for every
    // bill. Date.UTC reads years 0–99 as 1900–1999, so those are not taken.
    if (y >= 100 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo)) return Date.UTC(y, mo - 1, d) / 86_400_000;
  }
  throw new RangeError(`${name} is not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
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
 * Days on which a late fee does not accrue: a dispute of the bill (账单异议) is open, from the date
 * it was raised through the date its complaint was answered, both included (`to` null: still open).
 */
export interface LateFeeSuspension {
  /** YYYY-MM-DD business date the dispute was raised. */
  from: string;
  /** YYYY-MM-DD business date the complaint was answered, or null while it is not. */
  to: string | null;
}

/**
 * Days after `dueDate` up to and including `asOf` that fall inside none of the suspensions. A
 * suspension stops the clock: its days are left out before the grace days are taken, so a dispute
 * raised before the due date and answered after it still leaves the subscriber every grace day.
 *
 * @example daysAfterDueCounted('2026-03-15', '2026-03-25', [{ from: '2026-03-18', to: '2026-03-20' }]) // 7
 */
export function daysAfterDueCounted(dueDate: string, asOf: string, suspensions: readonly LateFeeSuspension[] = []): number {
  const due = dayNumber(dueDate, 'dueDate');
  const end = dayNumber(asOf, 'asOf');
  if (end <= due) return 0;
  // Merge the suspended ranges clipped to (due, end], so overlapping disputes count once.
  const ranges = suspensions
    .map((s, i) => [Math.max(dayNumber(s.from, `suspensions[${i}].from`), due + 1), Math.min(s.to === null ? end : dayNumber(s.to, `suspensions[${i}].to`), end)] as const)
    .filter(([a, b]) => a <= b)
    .sort((x, y) => x[0] - y[0]);
  let suspended = 0;
  let covered = due; // last day already counted as suspended
  for (const [a, b] of ranges) {
    const start = Math.max(a, covered + 1);
    if (b >= start) {
      suspended += b - start + 1;
      covered = b;
    }
  }
  return end - due - suspended;
}

/**
 * The late fee in fen on `amountFen` owed since `dueDate`, as of the business date `asOf`:
 * `floor(amountFen × ratePerDayBasisPoints × daysOverdue / 10000)`, capped at
 * `floor(amountFen × capPercent / 100)`. The floor is taken once over the total (a part of a fen
 * is not charged), not day by day. Days inside `suspensions` (open bill disputes) carry no fee.
 *
 * @example computeLateFeeFen(10000, '2026-03-15', '2026-03-25', { ratePerDayBasisPoints: 5, graceDays: 0, capPercent: 100 }) // 50
 * @throws RangeError when an amount or rule value is not a non-negative integer, or a date is not YYYY-MM-DD.
 */
export function computeLateFeeFen(amountFen: number, dueDate: string, asOf: string, rule: LateFeeRule, suspensions: readonly LateFeeSuspension[] = []): number {
  requireNonNegativeInteger(amountFen, 'amountFen');
  requireNonNegativeInteger(rule.ratePerDayBasisPoints, 'ratePerDayBasisPoints');
  requireNonNegativeInteger(rule.capPercent, 'capPercent');
  requireNonNegativeInteger(rule.graceDays, 'graceDays');
  // Days under an open dispute do not count (see daysAfterDueCounted); without any, this is daysOverdue.
  const days = Math.max(0, daysAfterDueCounted(dueDate, asOf, suspensions) - rule.graceDays);
  if (days === 0 || amountFen === 0) return 0;
  const amount = BigInt(amountFen);
  const fee = (amount * BigInt(rule.ratePerDayBasisPoints) * BigInt(days)) / 10_000n;
  const cap = (amount * BigInt(rule.capPercent)) / 100n;
  return Number(fee < cap ? fee : cap);
}
