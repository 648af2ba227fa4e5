import type {
  CreatePaymentResult,
  CreateTopUpInput,
  EmergencySuspensionInput,
  LedgerEntryView,
  Page,
  PrepaidView,
  ServiceRequestView,
} from '@openhall/shared';
import { request } from './request';

// Prepaid accounts (shared/src/prepaid.ts). Each call names a bound account; someone else's answers 404.

/** Balance, arrears, suspension, the low-balance threshold, the top-up rules and the latest service request. */
export function getPrepaid(accountId: number): Promise<PrepaidView> {
  return request<PrepaidView>(`/accounts/${accountId}/prepaid`);
}

/** The balance history, newest first. */
export function listLedger(accountId: number, query: { page?: number; pageSize?: number } = {}): Promise<Page<LedgerEntryView>> {
  return request<Page<LedgerEntryView>>(`/accounts/${accountId}/ledger`, { data: { ...query } });
}

/** The user's own low-balance threshold in fen, or null for the operator's default; answers the view as it now stands. */
export function setLowBalanceThreshold(accountId: number, thresholdFen: number | null): Promise<PrepaidView> {
  return request<PrepaidView>(`/accounts/${accountId}/low-balance-threshold`, { method: 'PUT', data: { thresholdFen } });
}

/** Opens a top-up order (the server checks the amount against the operator's rules); paid like a bill order. */
export function createTopUp(accountId: number, input: CreateTopUpInput): Promise<CreatePaymentResult> {
  return request<CreatePaymentResult>(`/accounts/${accountId}/top-ups`, { method: 'POST', data: { ...input } });
}

/** 紧急停机: pending until the billing system confirms (`effectiveAt`). */
export function requestEmergencySuspension(accountId: number, input: EmergencySuspensionInput): Promise<ServiceRequestView> {
  return request<ServiceRequestView>(`/accounts/${accountId}/emergency-suspension`, { method: 'POST', data: { ...input } });
}

/** Texts a code to the account's registered phone, which reopening needs. */
export function sendReopenCode(accountId: number): Promise<{ phoneMasked: string; expiresInSeconds: number }> {
  return request<{ phoneMasked: string; expiresInSeconds: number }>(`/accounts/${accountId}/reopen/code`, { method: 'POST' });
}

/** 复机 with the texted code: pending until the billing system confirms. */
export function reopenService(accountId: number, code: string): Promise<ServiceRequestView> {
  return request<ServiceRequestView>(`/accounts/${accountId}/reopen`, { method: 'POST', data: { code } });
}

