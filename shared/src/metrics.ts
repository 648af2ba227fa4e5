import { z } from 'zod';
import { textSchema } from './common';
import type { CommitmentUnit } from './content';
import type { SuspensionCallbackCoverage } from './suspension-callbacks';

/*
 * The staff metrics and the public scorecard: how the operator keeps its commitments, calls back
 * and is rated, per month and area.
 */
const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM');

/** `GET /api/v1/staff/metrics`: a range of business-time months (at most 12; default the current one), optionally one area. */
export const metricsQuerySchema = z
  .object({
    from: monthSchema.optional(),
    to: monthSchema.optional(),
    area: z.preprocess((v) => (v === '' ? undefined : v), textSchema().min(1).max(32).optional()),
  })
  .refine((v) => !v.from || !v.to || v.from <= v.to, { message: '起始月份不能晚于结束月份', path: ['from'] });
/** Query of the staff metrics. */
export type MetricsQuery = z.infer<typeof metricsQuerySchema>;

/** A count and its share; `rate` is null when there is nothing to divide by. Rates are 0–1, 4 decimals. */
export interface RateFigure {
  total: number;
  count: number;
  rate: number | null;
}

/** One commitment's on-time figure: resolved (or already late) tickets, and how many were on time. */
export interface CommitmentOnTime {
  commitmentCode: string;
  title: string;
  targetAmount: number;
  targetUnit: CommitmentUnit;
  judged: number;
  onTime: number;
  rate: number | null;
}

/** Callback coverage of the tickets that must be called back (repairs, complaints, installations). */
export interface CallbackCoverage {
  /** Resolved in the period. */
  eligible: number;
  /** Reached: rated by the subscriber (3 stars or more) or called back by staff. */
  covered: number;
  byRating: number;
  byCallback: number;
  /** Still waiting for the rating or the callback. */
  pending: number;
  /** Attempts used up without reaching the subscriber (and no rating of 3 stars or more). */
  unreachable: number;
  /** covered / eligible. */
  rate: number | null;
  /**
   * Of `covered`, those reached within {@link CALLBACK_RULES}.callbackWithinHours (72 h) of the
   * resolution, as the standard asks: the rating given, or the call completed, by then.
   */
  withinStandard: number;
  /** withinStandard / eligible (the standard's target is 100%). */
  withinStandardRate: number | null;
}

/** One area in one month. */
export interface MetricsRow {
  month: string;
  area: string;
  areaName: string;
  /** Tickets filed in the month, claimed (受理) within 24 hours of filing. */
  firstResponse: RateFigure;
  /**
   * Per commitment: the tickets resolved in the month (on time or not), and, as late, those open
   * past their deadline at the month's end (or now, for the current month). A ticket late and open
   * for months counts late in each of them; none counts twice in one month.
   */
  onTime: CommitmentOnTime[];
  callbackCoverage: CallbackCoverage;
  /** Ratings given in the month; `count` is 4–5 stars. */
  satisfaction: RateFigure & { averageStars: number | null };
  /** Complaints filed in the month per 10,000 accounts. */
  complaints: { complaints: number; accounts: number; perTenThousand: number | null };
  /** From the renewals statistics: packages expiring in the month renewed before expiry. */
  renewal: { expiring: number; renewedBeforeExpiry: number; rate: number | null };
  /** The callbacks of the accounts suspended for arrears in the month (停机用户回访). */
  suspensionCallbackCoverage: SuspensionCallbackCoverage;
}

/** The staff metrics: one row per month and area that had anything to count. */
export interface MetricsView {
  from: string;
  to: string;
  area: string | null;
  rows: MetricsRow[];
  /**
   * Now, operator-wide: automatic refunds the gateway refused that no supervisor has resolved yet
   * (retried with backoff meanwhile; listed at `GET /api/v1/staff/refunds?status=failed&resolved=false`).
   */
  refusedRefundsUnresolved: number;
}

/** `GET /api/v1/performance`: the operator's public scorecard for the last 30 days. No subscriber data. */
export interface PerformanceView {
  from: string;
  to: string;
  commitments: CommitmentOnTime[];
}
