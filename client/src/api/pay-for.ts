import type {
  BillShareView,
  CreateBillShareInput,
  CreatePaymentResult,
  PayForAccountView,
  PayForPaymentInput,
  PayShareInput,
  SharedBillView,
} from '@openhall/shared';
import { request } from './request';

// Paying for someone else (shared/src/pay-for.ts): an account by its number (代缴) and bills a
// holder shares (分享代付). What comes back shows the holder masked, the district, never the address.

/** Looks an account up by its number: PAY_FOR_NOTHING_OWED alike for no account and nothing owed; RATE_LIMITED with `retryAfterSeconds`. */
export function lookupPayFor(accountNo: string): Promise<PayForAccountView> {
  return request<PayForAccountView>('/pay-for/lookup', { method: 'POST', data: { accountNo } });
}

/** Opens the payer's own order for owed bills of an account by its number. */
export function createPayForPayment(input: PayForPaymentInput): Promise<CreatePaymentResult> {
  return request<CreatePaymentResult>('/pay-for/payments', { method: 'POST', data: { ...input } });
}

/** The accounts the user keeps to pay for, with what each owes now. */
export function listPayForAccounts(): Promise<PayForAccountView[]> {
  return request<PayForAccountView[]>('/pay-for/accounts');
}

/** Keeps an account to pay for (counted as a lookup). */
export function savePayForAccount(accountNo: string): Promise<PayForAccountView> {
  return request<PayForAccountView>('/pay-for/accounts', { method: 'POST', data: { accountNo } });
}

/** Stops keeping an account to pay for. */
export function forgetPayForAccount(accountNo: string): Promise<void> {
  return request<void>(`/pay-for/accounts/${accountNo}`, { method: 'DELETE' });
}

/** Shares owed bills of one bound account: a link (a share card in the mini-program) valid 7 days. */
export function createBillShare(input: CreateBillShareInput): Promise<BillShareView> {
  return request<BillShareView>('/bill-shares', { method: 'POST', data: { ...input } });
}

/** The user's shares, newest first, with who paid them (masked). */
export function listBillShares(): Promise<BillShareView[]> {
  return request<BillShareView[]>('/bill-shares');
}

/** Withdraws a share: its link pays nothing any more. */
export function withdrawBillShare(id: number): Promise<BillShareView> {
  return request<BillShareView>(`/bill-shares/${id}/withdraw`, { method: 'POST' });
}

/** A shared bill as anyone with the link sees it (no sign-in needed to look). */
export function getSharedBill(token: string): Promise<SharedBillView> {
  return request<SharedBillView>(`/shares/${encodeURIComponent(token)}`, { anonymous: true });
}

/** Pays a shared bill with the signed-in user's own account; SHARE_NOT_PAYABLE once paid, withdrawn or expired. */
export function payBillShare(token: string, input: PayShareInput): Promise<CreatePaymentResult> {
  return request<CreatePaymentResult>(`/shares/${encodeURIComponent(token)}/pay`, { method: 'POST', data: { ...input } });
}
