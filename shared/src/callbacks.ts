import { z } from 'zod';
import { pageQuerySchema, textSchema } from './common';
import type { TicketType } from './tickets';

/**
 * Callbacks (回访) and ratings: after a ticket is resolved the subscriber rates it; a ticket not
 * rated in time, or rated low, becomes a phone callback task for staff. Shared by the server (which
 * enforces the rules) and the client (which shows the rating form and its deadline).
 */

/**
 * The callback rules, from the operator's published standard ("callback within 72 hours of the repair").
 *
 * Every resolution must be followed up within {@link CALLBACK_RULES}.callbackWithinHours: by the
 * subscriber's own rating (3 stars or more) or by a phone call. The subscriber keeps the whole 72
 * hours to rate, so waiting for the rating window to close before asking staff to call would put
 * every unrated callback past the standard. Instead a resolution not rated after
 * `callbackOpensAfterHours` (48) gets a phone task then, due at 72 hours; a rating of 3 stars or
 * more that still arrives while the task is open closes it (the subscriber was reached), a low one
 * keeps it open (a low rating is a reason to call anyway). No task of a resolution is ever due
 * later than 72 hours after it (a low rating near the end of the window, or a retry after an
 * unanswered call, is due at the 72-hour mark at the latest); a call made after that counts as late.
 */
export const CALLBACK_RULES = {
  /** The subscriber may rate for this long after the resolution. */
  ratingWindowHours: 72,
  /** The standard: each resolution is followed up (rated 3+ stars or called back) within this long of it. */
  callbackWithinHours: 72,
  /** A resolution not rated this long after it gets a phone callback task, due at `callbackWithinHours`. */
  callbackOpensAfterHours: 48,
  /** A rating of this many stars or fewer becomes a callback task. */
  lowRatingMaxStars: 2,
  /** Phone attempts before a task is given up as unreachable. */
  maxAttempts: 3,
  /** How long after an unreachable attempt the next one is due (no later than `callbackWithinHours` after the resolution while that is still ahead). */
  retryAfterHours: 4,
  /** How long staff have for a task opened by a low rating (no later than `callbackWithinHours` after the resolution). */
  dueWithinHours: 24,
} as const;

/** Where a phone callback task stands after a call: reached (done), still to be called (open), or given up (unreachable). */
export interface CallAttemptResult {
  /** Calls made so far, this one included. */
  attempts: number;
  status: 'open' | 'done' | 'unreachable';
  /** While still open: when the next call is due. */
  retryAt: Date | null;
}

/**
 * One more phone call of a callback task (ticket callbacks and the callbacks of suspended accounts
 * follow the same rule): a call that reached the subscriber completes the task; an unanswered one
 * is tried again {@link CALLBACK_RULES}.retryAfterHours later, but no later than `callBy` while that
 * is still ahead (past it, the call is late anyway and the usual interval applies), until
 * {@link CALLBACK_RULES}.maxAttempts calls have gone unanswered, which gives the task up.
 */
export function nextCallAttempt(attemptsBefore: number, reached: boolean, now: Date, callBy: Date): CallAttemptResult {
  const attempts = attemptsBefore + 1;
  if (reached) return { attempts, status: 'done', retryAt: null };
  if (attempts >= CALLBACK_RULES.maxAttempts) return { attempts, status: 'unreachable', retryAt: null };
  const usual = new Date(now.getTime() + CALLBACK_RULES.retryAfterHours * 3_600_000);
  return { attempts, status: 'open', retryAt: now < callBy && callBy < usual ? callBy : usual };
}

/** Ticket types that must all be called back: repairs, complaints, new installations (coverage target 100%). */
export const CALLBACK_REQUIRED_TYPES: readonly TicketType[] = ['fault', 'complaint', 'installation'];

/** Preset reasons a subscriber can tick when rating (several allowed). */
export const ratingReasons = ['fixed_quickly', 'polite_staff', 'professional', 'kept_appointment', 'not_fixed', 'too_slow', 'poor_attitude', 'missed_appointment', 'other'] as const;
/** One of {@link ratingReasons}. */
export type RatingReason = (typeof ratingReasons)[number];

/** How each rating reason is put to subscribers. */
export const ratingReasonNames: Record<RatingReason, string> = {
  fixed_quickly: '处理及时',
  polite_staff: '服务态度好',
  professional: '专业可靠',
  kept_appointment: '准时上门',
  not_fixed: '问题未解决',
  too_slow: '处理太慢',
  poor_attitude: '服务态度差',
  missed_appointment: '未按约定时间上门',
  other: '其他',
};

/** Body of `POST /api/v1/tickets/:id/rating`: 1–5 stars, preset reasons, an optional comment. */
export const rateTicketSchema = z.object({
  stars: z.number({ error: '请选择1到5星' }).int().min(1, '请选择1到5星').max(5, '请选择1到5星'),
  reasons: z
    .array(z.enum(ratingReasons))
    .max(ratingReasons.length)
    .default([])
    .transform((r) => [...new Set(r)]),
  comment: textSchema({ multiline: true, trim: true }).max(500, '评价内容不能超过500个字').default(''),
});
/** A rating as submitted. */
export type RateTicketInput = z.infer<typeof rateTicketSchema>;

/** A ticket's rating as its subscriber sees it: whether they can still rate, until when, and what they said. */
export interface TicketRatingView {
  ticketId: number;
  /** True while the ticket is resolved, within the window and not yet rated. */
  canRate: boolean;
  /** The end of the rating window; null while the ticket is not resolved. */
  rateBy: string | null;
  rating: { stars: number; reasons: RatingReason[]; comment: string; createdAt: string } | null;
}

/** Why a callback task exists. */
export type CallbackReason = 'low_rating' | 'not_rated';
/**
 * `open`: to be called (again); `done`: the subscriber was reached; `unreachable`: attempts used up;
 * `rated`: closed without a call, because the subscriber rated the resolution 3 stars or more while
 * the task was open (see {@link CALLBACK_RULES}).
 */
export const callbackStatuses = ['open', 'done', 'unreachable', 'rated'] as const;
/** One of {@link callbackStatuses}. */
export type CallbackStatus = (typeof callbackStatuses)[number];

/**
 * What a phone callback found. `not_fixed` reopens the ticket; `unreachable` schedules another
 * attempt, until {@link CALLBACK_RULES}.maxAttempts are used.
 */
export const callbackOutcomes = ['satisfied', 'not_satisfied', 'not_fixed', 'unreachable'] as const;
/** One of {@link callbackOutcomes}. */
export type CallbackOutcome = (typeof callbackOutcomes)[number];

/** Body of `POST /api/v1/staff/callbacks/:id/outcome`. Stars are the subscriber's own score given on the phone. */
export const recordCallbackSchema = z
  .object({
    outcome: z.enum(callbackOutcomes),
    note: textSchema({ multiline: true, trim: true }).max(500, '备注不能超过500个字').default(''),
    stars: z.number().int().min(1).max(5).optional(),
  })
  .refine((v) => v.outcome !== 'not_fixed' || v.note.length > 0, { message: '请填写用户反馈的未解决情况', path: ['note'] })
  .refine((v) => v.outcome !== 'unreachable' || v.stars === undefined, { message: '未联系上用户时不能填写评分', path: ['stars'] });
/** A callback outcome as recorded. */
export type RecordCallbackInput = z.infer<typeof recordCallbackSchema>;

/** The staff callback queue's filters. */
export const callbackQueueQuerySchema = pageQuerySchema.extend({
  status: z.enum(callbackStatuses).default('open'),
  area: textSchema().min(1).max(32).optional(),
  /** Only the tasks already past their due time. */
  overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
/** Query of `GET /api/v1/staff/callbacks`. */
export type CallbackQueueQuery = z.infer<typeof callbackQueueQuerySchema>;

/** A callback task as staff see it (the phone is shown in full: staff call it). */
export interface CallbackTaskView {
  id: number;
  ticketId: number;
  ticketType: TicketType;
  area: string;
  contactPhone: string;
  reason: CallbackReason;
  status: CallbackStatus;
  /** The low rating that caused the task, if any. */
  rating: { stars: number; reasons: RatingReason[]; comment: string } | null;
  attempts: number;
  maxAttempts: number;
  dueAt: string;
  /** Open and past `dueAt` (the next attempt is overdue). */
  overdue: boolean;
  /** When the standard needs the subscriber reached by: the resolution plus {@link CALLBACK_RULES}.callbackWithinHours. */
  callBy: string;
  /** Not reached by `callBy`: still open after it, or completed (reached or given up) after it. */
  late: boolean;
  outcome: CallbackOutcome | null;
  note: string | null;
  stars: number | null;
  resolvedAt: string;
  createdAt: string;
  completedAt: string | null;
}
