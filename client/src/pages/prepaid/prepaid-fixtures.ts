import type { AccountView, LedgerEntryView, PrepaidView, ServiceRequestView, TicketView } from '@openhall/shared';
import { request } from '../../api/request';

// Test data of the prepaid pages: the demo account 3000000001 (赵六, 35.00 left) as the API shows it.

export const prepaidAccount: AccountView = {
  id: 3,
  accountNo: '3000000001',
  serviceType: 'broadband',
  holderNameMasked: '赵*',
  phoneMasked: '138****0004',
  address: '杭州市滨江区江南名府7幢1单元1102室',
  area: 'binjiang',
  isDefault: true,
  prepaid: true,
  balanceFen: 3500,
  amountDueFen: 0,
  unpaidBills: 0,
  subscriptionExpiresOn: null,
};

/** A postpaid water account bound beside it. */
export const waterAccount: AccountView = {
  ...prepaidAccount,
  id: 1,
  accountNo: '1000000001',
  serviceType: 'water',
  holderNameMasked: '张*',
  phoneMasked: '138****0001',
  prepaid: false,
  balanceFen: 0,
  amountDueFen: 11663,
  unpaidBills: 2,
};

/** The view of account 3 with 35.00 left and the default threshold; `over` changes it. */
export function prepaidView(over: Partial<PrepaidView> = {}): PrepaidView {
  const balanceFen = over.balanceFen ?? 3500;
  return {
    accountId: 3,
    prepaid: true,
    balanceFen,
    arrearsFen: Math.max(0, -balanceFen),
    balanceAsOf: '2026-12-01T00:00:00.000Z',
    status: 'active',
    suspension: null,
    lowBalance: { thresholdFen: 2000, isDefault: true, defaultFen: 2000, below: balanceFen < 2000 },
    topUp: { presetsFen: [2000, 5000, 10000, 20000], minFen: 1000, maxFen: 500000 },
    latestRequest: null,
    ...over,
  };
}

/** Suspended for arrears, owing 28.00 (the demo account 3000000002's state). */
export function arrearsView(over: Partial<PrepaidView> = {}): PrepaidView {
  return prepaidView({
    balanceFen: -2800,
    status: 'suspended',
    suspension: { reason: 'arrears', since: '2026-11-29T02:00:00.000Z' },
    lowBalance: { thresholdFen: 2000, isDefault: true, defaultFen: 2000, below: true },
    ...over,
  });
}

export function serviceRequest(over: Partial<ServiceRequestView> = {}): ServiceRequestView {
  return { id: 9, kind: 'suspend', status: 'pending', requestedAt: '2026-12-04T02:00:00.000Z', effectiveAt: null, ticketId: null, refusal: null, ...over };
}

/** The restoration ticket the portal filed when a top-up cleared the arrears: 停机复通 within 5 working days. */
export function restorationTicket(over: Partial<TicketView> = {}): TicketView {
  return {
    id: 55,
    type: 'restoration',
    severity: null,
    status: 'accepted',
    accountId: 3,
    description: '户号3000000001欠费已缴清，申请复机',
    contactPhoneMasked: '138****0004',
    clock: {
      commitmentCode: 'restoration',
      title: '停机复通',
      targetAmount: 5,
      targetUnit: 'working_days',
      startedAt: '2026-12-04T02:00:00.000Z',
      deadline: '2026-12-11T02:00:00.000Z',
      paused: false,
      remainingMs: 4 * 86_400_000 + 3.5 * 3_600_000,
      risk: 'ok',
      breached: false,
      onTime: null,
      pausedFor: null,
      pausedUntil: null,
      calendarNote: null,
      extensions: [],
    },
    owner: null,
    technician: null,
    workOrderNo: null,
    urgeCount: 0,
    canUrge: false,
    createdAt: '2026-12-04T02:00:00.000Z',
    resolvedAt: null,
    ...over,
  };
}

export function ledgerEntry(id: number, over: Partial<LedgerEntryView> = {}): LedgerEntryView {
  return {
    id,
    kind: 'deduction',
    amountFen: -5000,
    balanceAfterFen: 3500,
    occurredAt: '2026-12-01T00:00:00.000Z',
    description: '2026-12宽带月租',
    source: 'billing',
    orderId: null,
    ...over,
  };
}

type Handler = (data: Record<string, unknown>, method: string) => unknown;

/**
 * Answers the mocked `request()` by path (`'POST /accounts/3/reopen'` or just the path, any method);
 * a path nobody answers fails the test loudly.
 */
export function serve(requestMock: jest.MockedFunction<typeof request>, handlers: Record<string, Handler>): void {
  requestMock.mockImplementation(async (path: string, opts?: { method?: string; data?: Record<string, unknown> }) => {
    const method = opts?.method ?? 'GET';
    const handler = handlers[`${method} ${path}`] ?? handlers[path];
    if (!handler) throw new Error(`unexpected ${method} ${path}`);
    return handler(opts?.data ?? {}, method);
  });
}
