import type { ArrearsView, BillDetailView, BillDisputeView, BillStatus, BillView, DisputeBillLineInput, Page, TicketView } from '@openhall/shared';
import { request } from './request';

// The subscriber's bills (shared/src/billing.ts). Amounts stay integer fen; pages format them.

/** The user's bills, newest first, for one account and one or more displayed statuses. */
export function listBills(query: { accountId?: number; status?: readonly BillStatus[]; page?: number; pageSize?: number }): Promise<Page<BillView>> {
  return request<Page<BillView>>('/bills', {
    data: { accountId: query.accountId, status: query.status?.join(','), page: query.page, pageSize: query.pageSize },
  });
}

/** One bill with its lines, today's late fee and the payment that settled it. */
export function getBill(id: number): Promise<BillDetailView> {
  return request<BillDetailView>(`/bills/${id}`);
}

/** What one account owes today: total, late fees, oldest unpaid period. */
export function getArrears(accountId: number): Promise<ArrearsView> {
  return request<ArrearsView>(`/accounts/${accountId}/arrears`);
}

/**
 * The print-ready receipt (缴费凭证) of a paid bill, as the server renders it (HTML). It needs the
 * bearer token, so it is fetched rather than linked; BILL_NOT_PAID while the bill is unpaid.
 */
export function getReceiptHtml(billId: number): Promise<string> {
  return request<string>(`/bills/${billId}/receipt`, { text: true });
}

/**
 * 账单异议: disputes one line of a bill. The server files a complaint ticket tied to the bill (one
 * per line; CONFLICT if the line is already disputed), and the late fee stops growing until it is answered.
 */
export function disputeBillLine(billId: number, input: DisputeBillLineInput): Promise<{ dispute: BillDisputeView; ticket: TicketView }> {
  return request<{ dispute: BillDisputeView; ticket: TicketView }>(`/bills/${billId}/dispute`, { method: 'POST', data: { ...input } });
}

/** The disputes of one bill, each with its complaint ticket and whether it still holds the late fee. */
export function listBillDisputes(billId: number): Promise<BillDisputeView[]> {
  return request<BillDisputeView[]>(`/bills/${billId}/disputes`);
}
