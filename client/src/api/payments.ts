import type { ContinuePaymentInput, CreateBillPaymentInput, CreatePaymentResult, PaymentOrderView } from '@openhall/shared';
import { request } from './request';

// Payment orders (shared/src/payments.ts). The client never sends an amount: the server prices the
// bills, and only the server's order status says whether they were paid.

/** Opens an order for the bills; answers the order and what the platform does next to pay. */
export function createBillPayment(input: CreateBillPaymentInput): Promise<CreatePaymentResult> {
  return request<CreatePaymentResult>('/payments', { method: 'POST', data: { ...input } });
}

/** The order as the server knows it; `refresh` asks the gateway too while the order is still open. */
export function getPayment(id: number, refresh = false): Promise<PaymentOrderView> {
  return request<PaymentOrderView>(`/payments/${id}`, { data: refresh ? { refresh: 'true' } : undefined });
}

/**
 * Goes on paying an open order (its cashier was left; or back from the official account's OAuth
 * with its code): answers the order and what the platform does next, as creating it did.
 */
export function continuePayment(id: number, input: ContinuePaymentInput): Promise<CreatePaymentResult> {
  return request<CreatePaymentResult>(`/payments/${id}/pay`, { method: 'POST', data: { ...input } });
}

/** Gives up an open order so its bills are free again; the server asks the gateway first, so a paid order answers paid. */
export function closePayment(id: number): Promise<PaymentOrderView> {
  return request<PaymentOrderView>(`/payments/${id}/close`, { method: 'POST' });
}

/**
 * The print-ready receipt (缴费凭证, HTML) of one of the user's paid bill orders: every bill it paid,
 * someone else's too (代缴); BILL_NOT_PAID while the order is not paid.
 */
export function getOrderReceiptHtml(orderId: number): Promise<string> {
  return request<string>(`/payments/${orderId}/receipt`, { text: true });
}
