import Taro from '@tarojs/taro';
import type {
  CalendarStatusView,
  BillingImportView,
  CallbackQueueQuery,
  CloseOutageInput,
  CloseOutageView,
  ContentKind,
  ContentWithdrawnView,
  DeclareOutageInput,
  MetricsQuery,
  MetricsView,
  OperatorAreaView,
  OutageView,
  PageQuery,
  ReconciliationDiffQuery,
  ReconciliationDiffView,
  ReconciliationRunView,
  RenewalStatsQuery,
  ResolveReconciliationDiffInput,
  ResolveRefundInput,
  StaffRefundView,
  RunReconciliationInput,
  RenewalStatsView,
  StaffContentInputs,
  StaffContentViews,
  StaffOutageQuery,
  CannedRepliesView,
  StaffDirectoryEntry,
  CallbackTaskView,
  ClassifyFaultInput,
  DecideExtensionInput,
  RecordCallbackInput,
  Page,
  RequestExtensionInput,
  SessionView,
  StaffLiveTokenView,
  StaffLoginInput,
  StaffSearchView,
  StaffAccountOverview,
  StaffSubscriberOverview,
  StaffAccountSummaryView,
  CreateStaffTicketInput,
  StaffRole,
  StaffTicketQuery,
  StaffTicketView,
  TransferTicketInput,
  UploadView,
} from '@openhall/shared';
import { saveApiFile } from '../platform/save-file';
import type { PickedFile } from '../platform/types';
import { apiBase } from './config';
import { ApiError } from './errors';
import { request, type TokenStore } from './request';

// The staff console's API. Staff sign in separately from subscribers and keep their own token, so a
// colleague testing the H5 site as a subscriber in the same browser keeps both sessions.

const TOKEN_KEY = 'openhall.staffToken';
const EXPIRES_KEY = 'openhall.staffTokenExpiresAt';
const PROFILE_KEY = 'openhall.staffProfile';

/** The signed-in staff member, as sign-in and `GET /staff/me` answer. */
export interface StaffProfile {
  id: number;
  username: string;
  name: string;
  jobNo: string;
  role: StaffRole;
}

/** The staff console's session token, forgotten once expired. */
export const staffTokens: TokenStore = {
  get() {
    const token = Taro.getStorageSync(TOKEN_KEY) as string | '';
    if (!token) return null;
    const expiresAt = Taro.getStorageSync(EXPIRES_KEY) as string | '';
    if (expiresAt && Date.parse(expiresAt) <= Date.now()) {
      staffTokens.clear();
      return null;
    }
    return token;
  },
  clear() {
    Taro.removeStorageSync(TOKEN_KEY);
    Taro.removeStorageSync(EXPIRES_KEY);
    Taro.removeStorageSync(PROFILE_KEY);
  },
};

/** Who is signed in to the console, or null (no session, or it expired). */
export function getStaffProfile(): StaffProfile | null {
  if (!staffTokens.get()) return null;
  const profile = Taro.getStorageSync(PROFILE_KEY) as StaffProfile | '';
  return profile || null;
}

const staff = { tokens: staffTokens };

/** Signs a staff member in and keeps the console's session. */
export async function loginStaff(input: StaffLoginInput): Promise<StaffProfile> {
  const session = await request<SessionView>('/staff/auth/login', { method: 'POST', data: { ...input }, anonymous: true });
  Taro.setStorageSync(TOKEN_KEY, session.token);
  Taro.setStorageSync(EXPIRES_KEY, session.expiresAt);
  const profile = session.staff ?? (await request<StaffProfile>('/staff/me', staff));
  Taro.setStorageSync(PROFILE_KEY, profile);
  return profile;
}

/** Ends the console session (best effort on the server) and forgets it here either way. */
export async function logoutStaff(): Promise<void> {
  try {
    await request<void>('/auth/logout', { method: 'POST', ...staff });
  } finally {
    staffTokens.clear();
  }
}

/** A one-minute token that opens the live stream (EventSource cannot send the bearer token). */
export function getLiveToken(): Promise<StaffLiveTokenView> {
  return request<StaffLiveTokenView>('/staff/live/token', { method: 'POST', ...staff });
}

/** The live stream's address for a stream token; `lastEventId` resumes after what this page has seen. */
export function staffLiveUrl(token: string, lastEventId?: string): string {
  const q = new URLSearchParams({ token });
  if (lastEventId) q.set('lastEventId', lastEventId);
  return `${apiBase()}/api/v1/staff/live?${q.toString()}`;
}

/** The queue, sorted by deadline by the server (soonest first, paused after running, no clock last). */
/** Where the holiday calendar stands: the console warns before it runs out, and of provisional years. */
export function getCalendarStatus(): Promise<CalendarStatusView> {
  return request<CalendarStatusView>('/staff/calendar', { ...staff });
}

export function listQueue(query: Partial<StaffTicketQuery> = {}): Promise<Page<StaffTicketView>> {
  return request<Page<StaffTicketView>>('/staff/tickets', { data: { ...query }, ...staff });
}

/** The operator's canned texts per console action. */
export function listCannedReplies(): Promise<CannedRepliesView> {
  return request<CannedRepliesView>('/staff/canned-replies', staff);
}

/** The operator's service areas (片区), code and name, in the configured order: for the consoles' area dropdowns. */
export function listOperatorAreas(): Promise<OperatorAreaView[]> {
  return request<OperatorAreaView[]>('/staff/areas', staff);
}

/** Active colleagues, to transfer a ticket to. */
export function listStaffUsers(): Promise<StaffDirectoryEntry[]> {
  return request<StaffDirectoryEntry[]>('/staff/users', staff);
}

export function getStaffTicket(id: number): Promise<StaffTicketView> {
  return request<StaffTicketView>(`/staff/tickets/${id}`, staff);
}

/** 首问负责制: the first claim wins; a later one answers TICKET_ALREADY_CLAIMED. */
export function claimTicket(id: number): Promise<StaffTicketView> {
  return request<StaffTicketView>(`/staff/tickets/${id}/claim`, { method: 'POST', ...staff });
}

/** The staff actions that take one text: a reply, a request for information (pauses the clock), the outcome. */
export type StaffMessageAction = 'reply' | 'request-information' | 'resolve';

/**
 * A reply may carry images (a WeChat Pay complaint's: uploadWechatComplaintImage) and an
 * idempotency key (one per reply composed, `newIdempotencyKey`): sent again with the same key, the
 * same reply is not recorded or sent twice.
 */
export function sendTicketMessage(id: number, action: StaffMessageAction, message: string, imageIds: readonly number[] = [], idempotencyKey?: string): Promise<StaffTicketView> {
  const data =
    action === 'reply' ? { message, ...(imageIds.length > 0 ? { imageIds: [...imageIds] } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) } : { message };
  return request<StaffTicketView>(`/staff/tickets/${id}/${action}`, { method: 'POST', data, ...staff });
}

export function escalateTicket(id: number, reason: string): Promise<StaffTicketView> {
  return request<StaffTicketView>(`/staff/tickets/${id}/escalate`, { method: 'POST', data: { reason }, ...staff });
}

export function transferTicket(id: number, input: TransferTicketInput): Promise<StaffTicketView> {
  return request<StaffTicketView>(`/staff/tickets/${id}/transfer`, { method: 'POST', data: { ...input }, ...staff });
}

export function requestExtension(id: number, input: RequestExtensionInput): Promise<StaffTicketView> {
  return request<StaffTicketView>(`/staff/tickets/${id}/extensions`, { method: 'POST', data: { ...input }, ...staff });
}

/** A supervisor approves or rejects an extension request. */
export function decideExtension(id: number, extensionId: number, input: DecideExtensionInput): Promise<StaffTicketView> {
  return request<StaffTicketView>(`/staff/tickets/${id}/extensions/${extensionId}/decision`, { method: 'POST', data: { ...input }, ...staff });
}

/** A supervisor classifies an open fault: ordinary (24 h) or major (72 h), with the reason the subscriber reads. */
export function classifyFault(id: number, input: ClassifyFaultInput): Promise<StaffTicketView> {
  return request<StaffTicketView>(`/staff/tickets/${id}/severity`, { method: 'POST', data: { ...input }, ...staff });
}

/** Callback tasks (回访): low ratings and tickets not rated in time, soonest due first. */
export function listCallbacks(query: Partial<Omit<CallbackQueueQuery, 'overdue'>> & { overdue?: boolean } = {}): Promise<Page<CallbackTaskView>> {
  const { overdue, ...rest } = query;
  return request<Page<CallbackTaskView>>('/staff/callbacks', { data: { ...rest, overdue: overdue === undefined ? undefined : String(overdue) }, ...staff });
}

/** Records a phone callback's outcome; `not_fixed` reopens the ticket, `unreachable` schedules another try. */
export function recordCallbackOutcome(id: number, input: RecordCallbackInput): Promise<CallbackTaskView> {
  return request<CallbackTaskView>(`/staff/callbacks/${id}/outcome`, { method: 'POST', data: { ...input }, ...staff });
}

/** The photos the subscriber attached to a ticket. */
export function listStaffTicketPhotos(id: number): Promise<UploadView[]> {
  return request<UploadView[]>(`/staff/tickets/${id}/photos`, staff);
}

/** One photo as an object URL for an <img> (see {@link loadStaffImage}). */
export function loadStaffTicketPhoto(ticketId: number, photoId: number): Promise<string> {
  return loadStaffImage(`/staff/tickets/${ticketId}/photos/${photoId}`);
}

/**
 * An image only staff may see (`apiPath` under /api/v1) as an object URL for an <img>. The bytes
 * need the bearer token, which an <img src> cannot send, so they are fetched here (the console is
 * H5 only: `fetch` and `URL` exist). Give the URL back with `URL.revokeObjectURL`.
 */
export async function loadStaffImage(apiPath: string): Promise<string> {
  const token = staffTokens.get();
  const res = await fetch(`${apiBase()}/api/v1${apiPath}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} }).catch((err: Error) => {
    throw new ApiError('NETWORK', err.message, 0);
  });
  if (!res.ok) throw new ApiError(res.status === 404 ? 'NOT_FOUND' : res.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL', `HTTP ${res.status}`, res.status);
  return URL.createObjectURL(await res.blob());
}

/** Area outages (区域故障), active first, then the most recently declared. */
export function listOutages(query: StaffOutageQuery = {}): Promise<OutageView[]> {
  return request<OutageView[]>('/staff/outages', { data: { ...query }, ...staff });
}

/** A supervisor declares an area outage; an agent is answered FORBIDDEN. */
export function declareOutage(input: DeclareOutageInput): Promise<OutageView> {
  return request<OutageView>('/staff/outages', { method: 'POST', data: { ...input }, ...staff });
}

/** Closes an active outage; its linked open tickets are resolved with the message (their ids in `resolvedTickets`). */
export function closeOutage(id: number, input: CloseOutageInput): Promise<CloseOutageView> {
  return request<CloseOutageView>(`/staff/outages/${id}/close`, { method: 'POST', data: { ...input }, ...staff });
}

/** Every record of one content kind (admin), a page at a time, in the server's staff order. */
export function listContent<K extends ContentKind>(kind: K, query: Partial<PageQuery> = {}): Promise<Page<StaffContentViews[K]>> {
  return request<Page<StaffContentViews[K]>>(`/staff/content/${kind}`, { data: { ...query }, ...staff });
}

/** Publishes a new record of one kind (admin). */
export function createContent<K extends ContentKind>(kind: K, input: StaffContentInputs[K]): Promise<StaffContentViews[K]> {
  return request<StaffContentViews[K]>(`/staff/content/${kind}`, { method: 'POST', data: { ...input }, ...staff });
}

/** Replaces every field of one record (admin). */
export function updateContent<K extends ContentKind>(kind: K, id: number, input: StaffContentInputs[K]): Promise<StaffContentViews[K]> {
  return request<StaffContentViews[K]>(`/staff/content/${kind}/${id}`, { method: 'PUT', data: { ...input }, ...staff });
}

/** Withdraws one record (admin); the audit log keeps what it said. */
export function withdrawContent(kind: ContentKind, id: number): Promise<ContentWithdrawnView> {
  return request<ContentWithdrawnView>(`/staff/content/${kind}/${id}`, { method: 'DELETE', ...staff });
}

/** First response, on-time, callback coverage, satisfaction, complaints and renewals by area and month (supervisor). */
export function getStaffMetrics(query: MetricsQuery = {}): Promise<MetricsView> {
  return request<MetricsView>('/staff/metrics', { data: { ...query }, ...staff });
}

/** Renewal rate by area for the packages expiring in a month, and why subscribers did not renew (supervisor). */
export function getRenewalStats(query: RenewalStatsQuery = {}): Promise<RenewalStatsView> {
  return request<RenewalStatsView>('/staff/renewals/stats', { data: { ...query }, ...staff });
}

/** Differences between the gateways' trade bills and the portal, newest first (supervisor). */
export function listReconciliationDifferences(query: Partial<Omit<ReconciliationDiffQuery, 'resolved'>> & { resolved?: boolean } = {}): Promise<Page<ReconciliationDiffView>> {
  const { resolved, ...rest } = query;
  return request<Page<ReconciliationDiffView>>('/staff/reconciliation/differences', {
    data: { ...rest, resolved: resolved === undefined ? undefined : String(resolved) },
    ...staff,
  });
}

/** The reconciliation runs of one business date, one per gateway (supervisor). */
export function listReconciliationRuns(date: string): Promise<ReconciliationRunView[]> {
  return request<ReconciliationRunView[]>('/staff/reconciliation/runs', { data: { date }, ...staff });
}

/**
 * Reconciles a past business date again now, both gateways unless one is named (supervisor). A
 * date not over yet answers VALIDATION_FAILED, a run another instance holds right now CONFLICT.
 */
export function runReconciliation(input: RunReconciliationInput): Promise<ReconciliationRunView[]> {
  return request<ReconciliationRunView[]>('/staff/reconciliation/runs', { method: 'POST', data: { ...input }, ...staff });
}

/**
 * Marks a difference handled by hand, with a note (supervisor). One already resolved answers
 * RECONCILIATION_DIFF_ALREADY_RESOLVED, its message naming who resolved it and when.
 */
export function resolveReconciliationDifference(id: number, input: ResolveReconciliationDiffInput): Promise<ReconciliationDiffView> {
  return request<ReconciliationDiffView>(`/staff/reconciliation/differences/${id}/resolve`, { method: 'POST', data: { ...input }, ...staff });
}

/**
 * Refunds the gateway refused that nobody has handled yet, newest first (supervisor); automatic
 * ones are retried meanwhile (`nextAttemptAt`).
 */
export function listFailedRefunds(query: PageQuery = { page: 1, pageSize: 20 }): Promise<Page<StaffRefundView>> {
  return request<Page<StaffRefundView>>('/staff/refunds', { data: { ...query, status: 'failed', resolved: 'false' }, ...staff });
}

/**
 * Marks a refused refund handled by hand, with a note (supervisor); its retries stop. One already
 * resolved, or no longer refused, answers CONFLICT saying why.
 */
export function resolveRefund(id: number, input: ResolveRefundInput): Promise<StaffRefundView> {
  return request<StaffRefundView>(`/staff/refunds/${id}/resolve`, { method: 'POST', data: { ...input }, ...staff });
}

/** The 20 newest billing imports, newest first: supervisors' CSV uploads and the billing system's batches (supervisor). */
export function listBillingImports(): Promise<BillingImportView[]> {
  return request<BillingImportView[]>('/staff/billing/imports', staff);
}

/** One import's progress and counts, to follow it while it is applied (supervisor). */
export function getBillingImport(id: number): Promise<BillingImportView> {
  return request<BillingImportView>(`/staff/billing/imports/${id}`, staff);
}

/** An upload may take this long: the server reads the whole file (up to a million rows) before it answers. */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;

/**
 * Uploads a CSV of billing records as the raw request body (supervisor); answers the import, queued
 * or already being applied. A file the server cannot read as meant (an unknown column, a quote left
 * open) answers VALIDATION_FAILED naming the column or row, and nothing of it is imported.
 */
export function uploadBillingCsv(file: PickedFile): Promise<BillingImportView> {
  return request<BillingImportView>(`/staff/billing/imports?fileName=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    body: { data: file.data, type: 'text/csv' },
    timeout: UPLOAD_TIMEOUT_MS,
    ...staff,
  });
}

/** Saves the import template (every column, an example of each record type) to the user's downloads. */
export function downloadBillingTemplate(): Promise<void> {
  return saveApiFile('/staff/billing/imports/template.csv', '账单数据导入模板.csv', staffTokens.get());
}

/** Saves the rows a finished CSV import refused, with the row number and the reason, to the user's downloads. */
export function downloadRejectedRows(view: Pick<BillingImportView, 'id' | 'batchId'>): Promise<void> {
  return saveApiFile(`/staff/billing/imports/${view.id}/rejected.csv`, `${view.batchId.replace(/\.csv$/i, '')}-未导入.csv`, staffTokens.get());
}

/**
 * The console's search: a ticket number (#123), work-order number, phone, account number or holder
 * name; masked results, audit-logged by the server. Text that is none of these answers VALIDATION_FAILED.
 */
export function searchStaff(q: string): Promise<StaffSearchView> {
  return request<StaffSearchView>('/staff/search', { data: { q }, ...staff });
}

/** One account whole for the agent on the phone, by its account number (read-only, masked; the server audit-logs each opening). */
export function getStaffAccount(accountNo: string): Promise<StaffAccountOverview> {
  return request<StaffAccountOverview>(`/staff/accounts/${encodeURIComponent(accountNo)}`, staff);
}

/** One portal user (subscriber) whole for the agent on the phone, by their user id (read-only, masked; the server audit-logs each opening). */
export function getStaffSubscriber(userId: number): Promise<StaffSubscriberOverview> {
  return request<StaffSubscriberOverview>(`/staff/subscribers/${userId}`, staff);
}

/** What the new-ticket form shows of an account typed from a caller: masked holder, area, address, bound users (audit-logged). */
export function getStaffAccountSummary(accountNo: string): Promise<StaffAccountSummaryView> {
  return request<StaffAccountSummaryView>(`/staff/accounts/${encodeURIComponent(accountNo)}/summary`, staff);
}

/** Files a ticket for a caller (hotline) or a visitor (counter); the signed-in agent owns it (首问负责). */
export function createStaffTicket(input: CreateStaffTicketInput): Promise<StaffTicketView> {
  return request<StaffTicketView>('/staff/tickets', { method: 'POST', data: { ...input }, ...staff });
}
