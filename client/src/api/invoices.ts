import type {
  InvoiceOrderView,
  InvoiceTitleView,
  InvoiceView,
  Page,
  ReissueInvoiceInput,
  RequestInvoiceInput,
  RequestInvoiceResult,
  StaffInvoiceQuery,
  StaffInvoiceView,
} from '@openhall/shared';
import { request } from './request';
import { staffTokens } from './staff';

// Electronic invoices (shared/src/invoices.ts): asked for on a paid order, issued by the operator's
// e-invoice platform, downloaded as PDF; the staff console's search and reissue.

/** Asks for the invoice of a paid order; the same order and title again answers the same invoice (`created: false`). */
export function requestInvoice(input: RequestInvoiceInput): Promise<RequestInvoiceResult> {
  return request<RequestInvoiceResult>('/invoices', { method: 'POST', data: { ...input } });
}

/** The user's invoices, newest first; of one order with `orderId`. */
export function listInvoices(query: { page?: number; pageSize?: number; orderId?: number } = {}): Promise<Page<InvoiceView>> {
  return request<Page<InvoiceView>>('/invoices', { data: { ...query } });
}

/** One of the user's invoices: its state in words, lines, PDF links (signed, valid an hour). */
export function getInvoice(id: number): Promise<InvoiceView> {
  return request<InvoiceView>(`/invoices/${id}`);
}

/** The user's paid orders with what an invoice would be for; `uninvoiced`: only those still to invoice. */
export function listInvoiceOrders(query: { page?: number; pageSize?: number; uninvoiced?: boolean } = {}): Promise<Page<InvoiceOrderView>> {
  return request<Page<InvoiceOrderView>>('/invoices/orders', { data: { ...query } });
}

/** One of the user's orders as the request page shows it (NOT_FOUND: not the user's, e.g. paid by someone else). */
export function getInvoiceOrder(orderId: number): Promise<InvoiceOrderView> {
  return request<InvoiceOrderView>(`/invoices/orders/${orderId}`);
}

/** The user's saved titles (常用抬头), most recently used first. */
export function listInvoiceTitles(): Promise<InvoiceTitleView[]> {
  return request<InvoiceTitleView[]>('/invoice-titles');
}

/** Forgets a saved title. */
export function deleteInvoiceTitle(id: number): Promise<void> {
  return request<void>(`/invoice-titles/${id}`, { method: 'DELETE' });
}

const staff = { tokens: staffTokens };

/** Staff: invoices by number, account, order, state (`failed`: refused invoices and refused reversals). */
export function searchStaffInvoices(query: Partial<StaffInvoiceQuery> = {}): Promise<Page<StaffInvoiceView>> {
  return request<Page<StaffInvoiceView>>('/staff/invoices', { data: { ...query }, ...staff });
}

/** Staff: sends a refused invoice (or its refused reversal) to the platform again, with a note. */
export function reissueInvoice(id: number, input: ReissueInvoiceInput): Promise<StaffInvoiceView> {
  return request<StaffInvoiceView>(`/staff/invoices/${id}/reissue`, { method: 'POST', data: { ...input }, ...staff });
}
