import type { LedgerEntryView, Page, PageQuery, RecordSuspensionCallbackInput, SuspensionCallbackQuery, SuspensionCallbackView } from '@openhall/shared';
import { request } from './request';
import { staffTokens } from './staff';

// The console's callbacks of accounts suspended for arrears (停机用户回访), with the staff session.

const staff = { tokens: staffTokens };

/** The queue, soonest due first (the server's order). */
export function listSuspensionCallbacks(query: Partial<SuspensionCallbackQuery> = {}): Promise<Page<SuspensionCallbackView>> {
  return request<Page<SuspensionCallbackView>>('/staff/suspension-callbacks', { data: { ...query }, ...staff });
}

/** Records what the call found; a task someone else completed meanwhile answers CALLBACK_CLOSED. */
export function recordSuspensionCallbackOutcome(id: number, input: RecordSuspensionCallbackInput): Promise<SuspensionCallbackView> {
  return request<SuspensionCallbackView>(`/staff/suspension-callbacks/${id}/outcome`, { method: 'POST', data: { ...input }, ...staff });
}

/** An account's balance history for staff, newest first. */
export function listAccountLedger(accountId: number, query: Partial<PageQuery> = {}): Promise<Page<LedgerEntryView>> {
  return request<Page<LedgerEntryView>>(`/staff/accounts/${accountId}/ledger`, { data: { ...query }, ...staff });
}
