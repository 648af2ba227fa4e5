import { z } from 'zod';
import { pageQuerySchema, textSchema } from './common';
import { paymentChannels } from './payments';

/**
 * Prepaid accounts (预付费): the subscriber keeps a balance (话费 / 预存款) the billing system draws
 * down. Below zero the service is suspended for arrears (欠费停机) and restored (复机) once a top-up
 * or a payment clears them. The balance changes only through ledger entries: the portal's top-ups
 * (and their refunds), and what the billing system sends through its inlet (monthly deductions,
 * counter top-ups, adjustments).
 */

/** What moved a balance: a top-up (充值), a deduction (扣费), a refund of a top-up, an adjustment (调账). */
export const ledgerEntryKinds = ['topup', 'deduction', 'refund', 'adjustment'] as const;
/** One of {@link ledgerEntryKinds}. */
export type LedgerEntryKind = (typeof ledgerEntryKinds)[number];

/** How each kind is named to subscribers and staff. */
export const ledgerEntryKindNames: Record<LedgerEntryKind, string> = {
  topup: '充值',
  deduction: '扣费',
  refund: '退款',
  adjustment: '调账',
};

/**
 * Why a service is suspended (停机): arrears (欠费), the subscriber's own request (紧急停机: lost
 * phone, moving away), or something else the operator decided.
 */
export const suspensionReasons = ['arrears', 'request', 'other'] as const;
/** One of {@link suspensionReasons}. */
export type SuspensionReason = (typeof suspensionReasons)[number];

export const suspensionReasonNames: Record<SuspensionReason, string> = {
  arrears: '欠费停机',
  request: '用户申请停机',
  other: '停机',
};

/** One line of an account's balance history, newest first. Amounts in fen; `amountFen` is signed. */
export interface LedgerEntryView {
  id: number;
  kind: LedgerEntryKind;
  /** + credit (top-up, refund of a deduction), − debit (deduction, a top-up refunded). */
  amountFen: number;
  /** The balance after this entry as its source stated it (null when it did not). */
  balanceAfterFen: number | null;
  /** When it happened (ISO 8601). */
  occurredAt: string;
  /** What the subscriber reads: "2026年11月宽带月租", "微信支付充值". */
  description: string;
  /** Where it came from: the portal (a top-up order here) or the billing system. */
  source: 'portal' | 'billing';
  /** The payment order of a portal top-up (or of the top-up a refund undid). */
  orderId: number | null;
}

/** The operator's top-up rules (config/operator.json `prepaid`). */
export interface TopUpRules {
  /** The amounts offered as buttons, in fen. */
  presetsFen: number[];
  /** A custom amount must be within these, in fen. */
  minFen: number;
  maxFen: number;
}

/** A request to the billing system about the service: the subscriber's emergency stop or reopen, or the restoration after arrears. */
export const serviceRequestKinds = ['suspend', 'reopen', 'restore'] as const;
export type ServiceRequestKind = (typeof serviceRequestKinds)[number];
/** pending: sent (or waiting to be sent) to the billing system; done: it took effect at `effectiveAt`; refused: the billing system said no. */
export type ServiceRequestStatus = 'pending' | 'done' | 'refused';

export interface ServiceRequestView {
  id: number;
  kind: ServiceRequestKind;
  status: ServiceRequestStatus;
  requestedAt: string;
  /** When the billing system made it take effect. */
  effectiveAt: string | null;
  /** A restoration is followed as a ticket on the restoration commitment's clock. */
  ticketId: number | null;
  /** Why it was refused, in words. */
  refusal: string | null;
}

/** `GET /api/v1/accounts/:id/prepaid`: everything the balance page shows. */
export interface PrepaidView {
  accountId: number;
  /** Whether this account is prepaid; a postpaid account answers false and nothing else is meaningful. */
  prepaid: boolean;
  balanceFen: number;
  /** What must be paid to clear the arrears: max(0, −balance). */
  arrearsFen: number;
  /** When the newest entry the balance includes happened (null: no entry yet). */
  balanceAsOf: string | null;
  /** The service status at the billing system. */
  status: 'active' | 'suspended' | 'closed';
  /** Set while suspended. */
  suspension: { reason: SuspensionReason; since: string | null } | null;
  lowBalance: {
    /** The threshold that applies to this user (theirs, or the operator's default). */
    thresholdFen: number;
    /** True when the user has not set their own. */
    isDefault: boolean;
    defaultFen: number;
    /** Balance below the threshold now. */
    below: boolean;
  };
  topUp: TopUpRules;
  /** The newest request about the service (emergency stop, reopen, restoration), if any. */
  latestRequest: ServiceRequestView | null;
}

/**
 * `POST /api/v1/accounts/:id/top-ups`: a preset or a custom amount within the operator's rules
 * (checked by the server), paid through the same channels and settlement as bills.
 */
export const createTopUpSchema = z.object({
  amountFen: z.number().int('金额须为整数（分）').positive('金额须大于0'),
  channel: z.enum(paymentChannels),
  /** Where the H5 cashier returns to after paying (same-origin path). */
  returnPath: textSchema()
    .regex(/^\/(?![/\\])[^\s\\]*$/, '须为本站路径')
    .max(200)
    .optional(),
});
export type CreateTopUpInput = z.infer<typeof createTopUpSchema>;

/** `PUT /api/v1/accounts/:id/low-balance-threshold`: the user's own threshold in fen, or null for the operator's default. */
export const lowBalanceThresholdSchema = z.object({
  thresholdFen: z.number().int('金额须为整数（分）').min(0, '提醒金额不能为负').max(10_000_000, '提醒金额过大').nullable(),
});
export type LowBalanceThresholdInput = z.infer<typeof lowBalanceThresholdSchema>;

/** `POST /api/v1/accounts/:id/emergency-suspension`: why (optional, shown to staff). */
export const emergencySuspensionSchema = z.object({
  reason: z.enum(['lost_device', 'moving', 'other']).default('other'),
});
export type EmergencySuspensionInput = z.infer<typeof emergencySuspensionSchema>;

/** `POST /api/v1/accounts/:id/reopen`: a fresh SMS code sent to the signed-in phone (`POST …/reopen/code`). */
export const reopenServiceSchema = z.object({
  code: z.string().regex(/^\d{6}$/, '请输入6位短信验证码'),
});
export type ReopenServiceInput = z.infer<typeof reopenServiceSchema>;

/** `GET /api/v1/staff/service-requests`: by status and kind, newest first. */
export const staffServiceRequestQuerySchema = pageQuerySchema.extend({
  status: z.enum(['pending', 'done', 'refused']).optional(),
  kind: z.enum(serviceRequestKinds).optional(),
});
export type StaffServiceRequestQuery = z.infer<typeof staffServiceRequestQuerySchema>;

/** A service request as staff see it, with its account. */
export interface StaffServiceRequestView extends ServiceRequestView {
  accountId: number;
  accountNo: string;
  holderNameMasked: string;
  area: string;
  /** The subscriber's reason for a stop (lost_device, moving, other). */
  reason: string | null;
}
