import type { AccountStatus } from './billing-records';
import type { CallbackOutcome, CallbackStatus } from './callbacks';
import type { ServiceType } from './common';
import type { InvoiceState } from './invoices';
import type { PaymentChannel, PaymentOrderKind, PaymentOrderStatus, RefundStatus } from './payments';
import type { SuspensionReason } from './prepaid';
import type { TicketChannel, TicketStatus, TicketType } from './tickets';

/**
 * `GET /api/v1/staff/accounts/:accountNo`: one account whole, for the agent on the phone — read-only,
 * masked like the rest of the console, and each opening audit-logged. Lists are the newest first,
 * at most {@link STAFF_ACCOUNT_LIST_LIMIT} each.
 */
export interface StaffAccountOverview {
  account: {
    accountNo: string;
    serviceType: ServiceType;
    status: AccountStatus;
    /** 张*. */
    holderNameMasked: string;
    /** 138****0001. */
    holderPhoneMasked: string;
    address: string;
    areaName: string;
    prepaid: boolean;
    /** Prepaid accounts: the balance in fen (the billing system's figure where it states one). */
    balanceFen: number | null;
    suspendedFor: SuspensionReason | null;
    concession: string | null;
  };
  /** Portal users who bound the account. */
  bindings: { phoneMasked: string; isDefault: boolean; boundAt: string }[];
  bills: { period: string; amountFen: number; lateFeeFen: number; dueDate: string; status: 'unpaid' | 'paid' | 'cancelled'; paidAt: string | null }[];
  /** Orders paying this account's bills, renewing its packages or topping it up, with their refunds. */
  payments: {
    outTradeNo: string;
    kind: PaymentOrderKind;
    channel: PaymentChannel;
    status: PaymentOrderStatus;
    amountFen: number;
    paidAt: string | null;
    createdAt: string;
    refunds: { amountFen: number; status: RefundStatus; reason: string; createdAt: string }[];
  }[];
  packages: { product: 'tv' | 'broadband'; packageName: string; monthlyFeeFen: number; expiresOn: string }[];
  tickets: {
    id: number;
    type: TicketType;
    status: TicketStatus;
    /** Where it came from (portal, hotline, counter, WeChat Pay complaint). */
    channel: TicketChannel;
    createdAt: string;
    resolvedAt: string | null;
    /** The subscriber's ratings, one per resolution. */
    ratings: { stars: number; comment: string; createdAt: string }[];
    /** Phone callbacks (回访). */
    callbacks: { status: CallbackStatus; outcome: CallbackOutcome | null; stars: number | null; completedAt: string | null }[];
  }[];
  invoices: { invoiceNo: string | null; state: InvoiceState; totalFen: number; titleKind: 'personal' | 'company'; createdAt: string }[];
}

/** Most entries of each list on the account page. */
export const STAFF_ACCOUNT_LIST_LIMIT = 24;
