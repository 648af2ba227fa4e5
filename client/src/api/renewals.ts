import type {
  CreatePaymentResult,
  CreateRenewalInput,
  RenewalDeclineReason,
  RenewalQuoteInput,
  RenewalQuoteView,
  SubscriptionView,
} from '@openhall/shared';
import { request } from './request';

// Early renewal (提前续费, shared/src/renewals.ts). Prices and the new expiry come from the server.

/** The user's TV and broadband packages, soonest expiry first. */
export function listSubscriptions(): Promise<SubscriptionView[]> {
  return request<SubscriptionView[]>('/subscriptions');
}

/** The server's price for renewing `months` months, with discounts and the new expiry. */
export function quoteRenewal(input: RenewalQuoteInput): Promise<RenewalQuoteView> {
  return request<RenewalQuoteView>('/renewals/quote', { method: 'POST', data: { ...input } });
}

/** Opens the payment order for a renewal (priced again on the server). */
export function createRenewal(input: CreateRenewalInput): Promise<CreatePaymentResult> {
  return request<CreatePaymentResult>('/renewals', { method: 'POST', data: { ...input } });
}

/** Says why the package will not be renewed; `comment` is required for `other`. */
export function declineRenewal(input: { subscriptionId: number; reasonCode: RenewalDeclineReason; comment: string }): Promise<unknown> {
  return request('/renewals/decline', { method: 'POST', data: { ...input } });
}
