import { z } from 'zod';
import { CALLBACK_RULES } from './callbacks';
import { pageQuerySchema, textSchema } from './common';

/**
 * Callbacks of accounts suspended for arrears (停机用户回访): the operator calls back every
 * subscriber whose prepaid service was stopped for arrears, to learn whether they mean to pay and,
 * if not, why (moved away, another provider, the price, the service). One task per suspension,
 * opened by a job soon after the billing system reports it, due 72 hours after the suspension;
 * unanswered calls are retried like ticket callbacks ({@link CALLBACK_RULES}, {@link nextCallAttempt}).
 * A task whose account is restored (复机) before anyone reached the subscriber is closed as
 * `restored`: the subscriber paid, no call is needed.
 */

/** The rules of the callbacks of suspended accounts. */
export const SUSPENSION_CALLBACK_RULES = {
  /** Each suspension for arrears is called back within this long of it. */
  callWithinHours: 72,
  /** Unanswered calls before a task is given up (as for ticket callbacks). */
  maxAttempts: CALLBACK_RULES.maxAttempts,
  /** How long after an unanswered call the next one is due (as for ticket callbacks). */
  retryAfterHours: CALLBACK_RULES.retryAfterHours,
} as const;

/**
 * `open`: to be called (again); `done`: the subscriber was reached; `unreachable`: attempts used up;
 * `restored`: closed without a call, the account was restored (arrears paid) while the task was open.
 */
export const suspensionCallbackStatuses = ['open', 'done', 'unreachable', 'restored'] as const;
/** One of {@link suspensionCallbackStatuses}. */
export type SuspensionCallbackStatus = (typeof suspensionCallbackStatuses)[number];

/** How each status is named to staff. */
export const suspensionCallbackStatusNames: Record<SuspensionCallbackStatus, string> = {
  open: '待回访',
  done: '已回访',
  unreachable: '无法联系',
  restored: '已复机（无需回访）',
};

/**
 * What the call found: the subscriber will pay (`will_pay`), or why they will not (moved away,
 * switched to another provider, the price, the quality of the service); `unreachable` schedules
 * another attempt until {@link SUSPENSION_CALLBACK_RULES}.maxAttempts are used.
 */
export const suspensionCallbackOutcomes = ['will_pay', 'moved_away', 'switched_provider', 'price', 'service_quality', 'unreachable'] as const;
/** One of {@link suspensionCallbackOutcomes}. */
export type SuspensionCallbackOutcome = (typeof suspensionCallbackOutcomes)[number];

/** How each outcome is named to staff (the outcome form and the queue). */
export const suspensionCallbackOutcomeNames: Record<SuspensionCallbackOutcome, string> = {
  will_pay: '将缴费复机',
  moved_away: '已搬离',
  switched_provider: '已改用其他运营商',
  price: '资费原因',
  service_quality: '服务质量原因',
  unreachable: '未接通',
};

/** Body of `POST /api/v1/staff/suspension-callbacks/:id/outcome`. */
export const recordSuspensionCallbackSchema = z.object({
  outcome: z.enum(suspensionCallbackOutcomes),
  note: textSchema({ multiline: true, trim: true }).max(500, '备注不能超过500个字').default(''),
});
/** An outcome as recorded. */
export type RecordSuspensionCallbackInput = z.infer<typeof recordSuspensionCallbackSchema>;

/** An empty query value (`?area=`) is no filter. */
const blankIsAbsent = (v: unknown) => (v === '' ? undefined : v);

/** The queue's filters: `GET /api/v1/staff/suspension-callbacks?status=open&area=&overdue=`. */
export const suspensionCallbackQuerySchema = pageQuerySchema.extend({
  status: z.preprocess(blankIsAbsent, z.enum(suspensionCallbackStatuses).default('open')),
  area: z.preprocess(blankIsAbsent, textSchema().min(1).max(32).optional()),
  /** Only the tasks already past their due time. */
  overdue: z.preprocess(blankIsAbsent, z.enum(['true', 'false']).transform((v) => v === 'true').optional()),
});
/** Query of the queue. */
export type SuspensionCallbackQuery = z.infer<typeof suspensionCallbackQuerySchema>;

/**
 * A task as staff see it: the account, its holder's name masked (张*) and phone in full (staff
 * call it, as on the ticket callbacks), the balance and arrears now, and the suspension.
 */
export interface SuspensionCallbackView {
  id: number;
  accountId: number;
  accountNo: string;
  /** Masked: 张*. */
  holderName: string;
  /** The holder's phone as the billing system has it, in full: the number to call. */
  phone: string;
  area: string;
  areaName: string;
  /** Now, in fen (negative while in arrears). */
  balanceFen: number;
  /** max(0, −balance), in fen. */
  arrearsFen: number;
  /** When the service was suspended for arrears (ISO 8601). */
  suspendedAt: string;
  status: SuspensionCallbackStatus;
  attempts: number;
  maxAttempts: number;
  /** When the next call is due: the queue is sorted by it. */
  dueAt: string;
  /** Open and past `dueAt`. */
  overdue: boolean;
  /** The suspension plus {@link SUSPENSION_CALLBACK_RULES}.callWithinHours. */
  callBy: string;
  /** Not reached by `callBy`: still open after it, or completed (reached or given up) after it. Never for `restored`. */
  late: boolean;
  outcome: SuspensionCallbackOutcome | null;
  note: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  completedAt: string | null;
}

/**
 * Callback coverage of the suspensions for arrears in a month (by the suspension's business-time
 * month and the account's area), beside the ticket callbacks' in the staff metrics.
 */
export interface SuspensionCallbackCoverage {
  /** Suspensions for arrears in the month (one task each). */
  suspensions: number;
  /** Restored before anyone reached the subscriber: no call needed. */
  restored: number;
  /** Reached by phone (an outcome other than unreachable). */
  calledBack: number;
  /** Attempts used up without reaching the subscriber. */
  unreachable: number;
  /** Still to be called. */
  pending: number;
  /** calledBack / (suspensions − restored); null when nothing needed a call. */
  rate: number | null;
}
