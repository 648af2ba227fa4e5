/**
 * Every error the API can answer with. The client maps each code to one Chinese message
 * (client/src/api/error-messages.ts), so adding a code here means adding its message there.
 */
export const errorCodes = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INTERNAL',
  'SERVICE_UNAVAILABLE',
  'UPSTREAM_FAILED',
  'SMS_CODE_INVALID',
  'SMS_CODE_EXPIRED',
  'SMS_CODE_TOO_MANY_ATTEMPTS',
  'SMS_SEND_TOO_FREQUENT',
  'WECHAT_CODE_INVALID',
  'INVALID_CREDENTIALS',
  'ACCOUNT_BIND_FAILED',
  'ACCOUNT_BIND_LOCKED',
  'ACCOUNT_ALREADY_BOUND',
  'NOTICE_TOO_LATE',
  'BILL_ALREADY_PAID',
  'BILL_CANCELLED',
  'BILL_CHANGED',
  'BILLING_UNAVAILABLE',
  'BILLING_SIGNATURE_INVALID',
  'BILL_IN_OPEN_ORDER',
  'RENEWAL_IN_OPEN_ORDER',
  'ACCOUNT_CLOSED',
  'ACCOUNT_NOT_PREPAID',
  'TOPUP_AMOUNT_INVALID',
  'TOPUP_BALANCE_SPENT',
  'SERVICE_REQUEST_PENDING',
  'SERVICE_STATE_CONFLICT',
  'PAY_FOR_NOTHING_OWED',
  'SHARE_NOT_PAYABLE',
  'ORDER_NOT_PAYABLE',
  'WECHAT_OPENID_REQUIRED',
  'WECHAT_MP_NOT_CONFIGURED',
  'WECHAT_OAUTH_CODE_INVALID',
  'WECHAT_PAYER_MISMATCH',
  'PAYMENT_GATEWAY_FAILED',
  'ORDER_NOT_REFUNDABLE',
  'REFUND_AMOUNT_EXCEEDED',
  'BILL_NOT_PAID',
  'RENEWAL_UNAVAILABLE',
  'TICKET_ALREADY_CLAIMED',
  'TICKET_INVALID_STATE',
  'WECHATPAY_COMPLAINT_COMPLETED',
  'TICKET_URGE_LIMITED',
  'WORKORDER_SIGNATURE_INVALID',
  'WORKORDER_EVENT_TIME_INVALID',
  'APPOINTMENT_SLOT_FULL',
  'TICKET_RATING_CLOSED',
  'TICKET_ALREADY_RATED',
  'CALLBACK_CLOSED',
  'NOTIFICATION_MANDATORY',
  'RECONCILIATION_DIFF_ALREADY_RESOLVED',
  'ORDER_NOT_INVOICEABLE',
  'INVOICE_EXISTS',
  'INVOICE_NOT_REISSUABLE',
  'SURVEY_NOT_EDITABLE',
  'SURVEY_DATES_INVALID',
  'SURVEY_CLOSED',
  'SURVEY_NOT_IN_AUDIENCE',
  'SURVEY_ALREADY_ANSWERED',
  'SURVEY_ANSWER_INVALID',
  'SURVEY_ANSWER_MISSING',
] as const;

/** A machine-readable error code, stable across releases. */
export type ErrorCode = (typeof errorCodes)[number];

/** One field problem inside a VALIDATION_FAILED answer. */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `body.phone`. */
  path: string;
  message: string;
}

/** The one error envelope every failing API response carries. */
export interface ErrorEnvelope {
  error: {
    code: ErrorCode;
    message: string;
    details?: unknown;
    /** Present on 500s so a support person can find the log line. */
    requestId?: string;
  };
}
