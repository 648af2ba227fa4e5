import { z } from 'zod';
import { textSchema } from './common';
import { paymentChannels } from './payments';
import type { Concession, PrepayDiscount } from './content';

/**
 * Early renewal (提前续费) of a prepaid TV or broadband package: pricing, the new expiry date, and
 * what a subscriber can say when they decline. Pure functions, shared by the server (which is the
 * only one whose numbers count) and the client (which shows them before asking).
 */

/** How many months can be bought at once. */
export const renewalMonthOptions = [1, 3, 6, 12] as const;
export type RenewalMonths = (typeof renewalMonthOptions)[number];

const monthsSchema = z.literal(renewalMonthOptions, { error: '续费月数只能是 1、3、6 或 12' });

/** `POST /api/v1/renewals/quote`. */
export const renewalQuoteSchema = z.object({
  subscriptionId: z.number().int().positive(),
  months: monthsSchema,
});
export type RenewalQuoteInput = z.infer<typeof renewalQuoteSchema>;

/** `POST /api/v1/renewals`: the server prices the renewal again; the client never sends an amount. */
export const createRenewalSchema = renewalQuoteSchema.extend({
  channel: z.enum(paymentChannels),
  /** Where the H5 cashier returns to after paying (same-origin path, as for bill payments). */
  returnPath: z
    .string()
    .regex(/^\/(?![/\\])[^\s\\]*$/, '须为本站路径')
    .max(200)
    .optional(),
});
export type CreateRenewalInput = z.infer<typeof createRenewalSchema>;

/** Why a subscriber is not renewing: a fixed list (so staff can count them) plus free text. */
export const renewalDeclineReasons = ['too_expensive', 'moving', 'switching_provider', 'not_using', 'service_quality', 'other'] as const;
export type RenewalDeclineReason = (typeof renewalDeclineReasons)[number];

/** How each decline reason is put to people. */
export const renewalDeclineReasonNames: Record<RenewalDeclineReason, string> = {
  too_expensive: '价格偏高',
  moving: '搬家/不再居住',
  switching_provider: '改用其他运营商',
  not_using: '很少使用',
  service_quality: '对服务质量不满意',
  other: '其他原因',
};

/** `POST /api/v1/renewals/decline`. A comment is required when the reason is `other`. */
export const renewalDeclineSchema = z
  .object({
    subscriptionId: z.number().int().positive(),
    reasonCode: z.enum(renewalDeclineReasons),
    comment: textSchema({ multiline: true, trim: true }).max(500, '说明不能超过500字').default(''),
  })
  .refine((v) => v.reasonCode !== 'other' || v.comment.length > 0, { message: '选择“其他原因”时请填写说明', path: ['comment'] });
export type RenewalDeclineInput = z.infer<typeof renewalDeclineSchema>;

/** `GET /api/v1/staff/renewals/stats` query: a business-time month (default: the current one) and optionally one area. */
export const renewalStatsQuerySchema = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM')
    .optional(),
  area: z.preprocess((v) => (v === '' ? undefined : v), textSchema().min(1).max(32).optional()),
});
export type RenewalStatsQuery = z.infer<typeof renewalStatsQuerySchema>;

// ---- dates ----

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Adds calendar months to a package's last day of service, end-of-month safe:
 * - a day that the target month does not have is clamped to its last day (Jan 31 + 1 → Feb 28/29);
 * - a last day of a month stays a last day of a month (Feb 28 + 1 → Mar 31, Apr 30 + 1 → May 31),
 *   so a package paid to month end keeps being paid to month end and no renewal loses days.
 *
 * @example addMonthsToExpiry('2027-01-31', 1) // '2027-02-28'
 * @example addMonthsToExpiry('2027-02-28', 1) // '2027-03-31'
 * @throws RangeError when `date` is not a real YYYY-MM-DD date or `months` is not a non-negative integer.
 */
export function addMonthsToExpiry(date: string, months: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m || !Number.isSafeInteger(months) || months < 0) throw new RangeError(`cannot add ${months} months to ${JSON.stringify(date)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw new RangeError(`not a calendar date: ${date}`);
  const index = y * 12 + (mo - 1) + months;
  const ty = Math.floor(index / 12);
  const tm = (index % 12) + 1;
  const last = daysInMonth(ty, tm);
  const day = d === daysInMonth(y, mo) ? last : Math.min(d, last);
  return `${ty}-${String(tm).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The new last day of service after renewing `months` months on business date `today`: counted
 * from the current expiry while the package runs, from today once it has lapsed (the lapsed days
 * are not sold back).
 *
 * @example renewedExpiry('2027-01-31', '2027-01-10', 1) // '2027-02-28'
 * @example renewedExpiry('2026-12-20', '2027-01-10', 1) // '2027-02-10'
 */
export function renewedExpiry(currentExpiresOn: string, today: string, months: number): string {
  return addMonthsToExpiry(currentExpiresOn > today ? currentExpiresOn : today, months);
}

// ---- price ----

/** What a renewal price is computed from. */
export interface RenewalPriceInput {
  /** The fee schedule's monthly price, in fen. */
  listMonthlyFeeFen: number;
  months: number;
  /** The schedule's prepayment discounts. */
  prepayDiscounts: readonly PrepayDiscount[];
  /** The concession the account holds under this schedule, if any. */
  concession: Concession | null;
}

/** A renewal's price, step by step, in integer fen. */
export interface RenewalPrice {
  listMonthlyFeeFen: number;
  /** The monthly fee after the concession. */
  monthlyFeeFen: number;
  months: number;
  /** `listMonthlyFeeFen × months`. */
  listTotalFen: number;
  /** `(listMonthlyFeeFen − monthlyFeeFen) × months`. */
  concessionDiscountFen: number;
  /** `monthlyFeeFen × months`. */
  subtotalFen: number;
  /** Prepayment discount percentage applied (0 when none). */
  prepayPercentOff: number;
  prepayDiscountFen: number;
  /** What the subscriber pays: `subtotalFen − prepayDiscountFen`. */
  totalFen: number;
}

/**
 * The price of renewing a package. Rules, all in integer fen:
 * 1. the concession applies to the monthly fee: `percent_off` → `floor(list × (100 − v) / 100)`,
 *    `fixed_off` → `max(0, list − v)` (`free_quantity` does not apply to packages);
 * 2. subtotal = monthly fee × months;
 * 3. the prepayment discount is the one listed for the largest number of months not above
 *    `months` (none listed: 0%), and the subscriber pays `floor(subtotal × (100 − pct) / 100)`.
 * Every rounding is down on what is charged: a part of a fen is never charged to the subscriber.
 *
 * @example priceRenewal({ listMonthlyFeeFen: 2500, months: 12, prepayDiscounts: [{ months: 12, percentOff: 10 }], concession: null }).totalFen // 27000
 */
export function priceRenewal(input: RenewalPriceInput): RenewalPrice {
  const { listMonthlyFeeFen: list, months, concession } = input;
  if (!Number.isSafeInteger(list) || list < 0) throw new RangeError(`listMonthlyFeeFen must be a non-negative integer: ${list}`);
  if (!Number.isSafeInteger(months) || months < 1) throw new RangeError(`months must be a positive integer: ${months}`);
  let monthly = list;
  if (concession?.kind === 'percent_off') monthly = Math.floor((list * (100 - Math.min(100, concession.value))) / 100);
  else if (concession?.kind === 'fixed_off') monthly = Math.max(0, list - concession.value);
  const best = [...input.prepayDiscounts].filter((d) => d.months <= months).sort((a, b) => b.months - a.months)[0];
  const pct = best ? Math.min(100, Math.max(0, best.percentOff)) : 0;
  const subtotal = monthly * months;
  const total = Math.floor((subtotal * (100 - pct)) / 100);
  return {
    listMonthlyFeeFen: list,
    monthlyFeeFen: monthly,
    months,
    listTotalFen: list * months,
    concessionDiscountFen: (list - monthly) * months,
    subtotalFen: subtotal,
    prepayPercentOff: pct,
    prepayDiscountFen: subtotal - total,
    totalFen: total,
  };
}

// ---- views ----

/** A TV or broadband package as its subscriber sees it. */
export interface SubscriptionView {
  id: number;
  accountId: number;
  accountNo: string;
  product: 'tv' | 'broadband';
  packageCode: string;
  packageName: string;
  /** The monthly fee the account pays (concession included), in fen. */
  monthlyFeeFen: number;
  startedOn: string;
  /** Last day of service, YYYY-MM-DD. */
  expiresOn: string;
  /** Days from today to the last day of service (0: expires today; negative: lapsed). */
  daysLeft: number;
  status: 'active' | 'expiring' | 'expired';
}

/** Within this many days of its expiry a package is shown as expiring. */
export const EXPIRING_WITHIN_DAYS = 30;

/** `POST /api/v1/renewals/quote` answer: the price and the new expiry if paid today. */
export interface RenewalQuoteView extends RenewalPrice {
  subscriptionId: number;
  packageCode: string;
  packageName: string;
  /** The concession applied, or null. */
  concession: { code: string; name: string } | null;
  /** Business date the quote was made. */
  quotedOn: string;
  currentExpiresOn: string;
  /** The new last day of service if paid today. Payment later counts from the expiry at that time. */
  newExpiresOn: string;
}

/** Renewal statistics of one area (or all areas) for one month. */
export interface RenewalRateView {
  area: string;
  areaName: string;
  /** Packages whose last day of service (before any renewal) fell in the month. */
  expiring: number;
  /** Of those, renewed on or before their last day of service. */
  renewedBeforeExpiry: number;
  /** `renewedBeforeExpiry / expiring`, 0–1 with 4 decimals; null when nothing expired. */
  rate: number | null;
}

/** `GET /api/v1/staff/renewals/stats` answer. */
export interface RenewalStatsView {
  month: string;
  area: string | null;
  total: Omit<RenewalRateView, 'area' | 'areaName'>;
  byArea: RenewalRateView[];
  /** The latest answer per package whose expiry fell in the month, counted by reason, most frequent first. */
  declineReasons: { reasonCode: RenewalDeclineReason; name: string; count: number }[];
}
