import type { AccountStatus } from './billing-records';
import type { CallbackOutcome, CallbackStatus } from './callbacks';
import type { ServiceType } from './common';
import type { InvoiceState } from './invoices';
import type { StaffNotificationView } from './notifications';
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
  /** Portal users who bound the account (`userId` opens their subscriber page). */
  bindings: { userId: number; phoneMasked: string; isDefault: boolean; boundAt: string }[];
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
  /** Notices sent to the account's users about it, newest first, with whether each went out. */
  notifications: StaffNotificationView[];
}

/** Most entries of each list on the account page. */
export const STAFF_ACCOUNT_LIST_LIMIT = 24;

/** A ticket on the console's account and subscriber pages, with its ratings and callbacks. */
export type StaffOverviewTicket = StaffAccountOverview['tickets'][number];
/** An order on the console's account and subscriber pages, with its refunds. */
export type StaffOverviewPayment = StaffAccountOverview['payments'][number];

/**
 * `GET /api/v1/staff/subscribers/:userId`: one portal user (subscriber) whole, for the agent on the
 * phone — the accounts they bound (each linking to its account page), their tickets with ratings
 * and callbacks, their payments and refunds, the notices sent to them and whether each went out,
 * their invoices and the prepaid balances of their accounts. Read-only, masked, each opening
 * audit-logged; lists newest first, at most {@link STAFF_ACCOUNT_LIST_LIMIT} each.
 */
export interface StaffSubscriberOverview {
  user: {
    id: number;
    /** 138****0001, or null for a WeChat user who never gave a phone. */
    phoneMasked: string | null;
    /** Signed in from the mini-program (WeChat) at least once. */
    wechat: boolean;
    createdAt: string;
    lastLoginAt: string | null;
  };
  bindings: {
    accountNo: string;
    serviceType: ServiceType;
    status: AccountStatus;
    holderNameMasked: string;
    areaName: string;
    isDefault: boolean;
    boundAt: string;
    prepaid: boolean;
    /** Prepaid accounts: the balance in fen (the billing system's figure where it states one). */
    balanceFen: number | null;
  }[];
  tickets: (StaffOverviewTicket & { accountNo: string })[];
  payments: (StaffOverviewPayment & { accountNo: string | null })[];
  notifications: StaffNotificationView[];
  invoices: (StaffAccountOverview['invoices'][number] & { accountNo: string | null })[];
}
