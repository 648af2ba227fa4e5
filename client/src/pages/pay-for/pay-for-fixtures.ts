import type { BillShareView, CreatePaymentResult, PayForAccountView, SharedBillView } from '@openhall/shared';
import type { request } from '../../api/request';

// What the pay-for pages' tests are served: an account someone pays for, shares, a created order.

export function payForView(over: Partial<PayForAccountView> = {}): PayForAccountView {
  return {
    accountNo: '1000000003',
    holderNameMasked: '李*',
    areaName: '西湖区',
    serviceType: 'tv_broadband',
    bills: [
      { id: 31, period: '2026-09', dueDate: '2026-10-20', amountFen: 9900, lateFeeFen: 150, totalFen: 10050, overdue: true },
      { id: 32, period: '2026-10', dueDate: '2099-11-20', amountFen: 9900, lateFeeFen: 0, totalFen: 9900, overdue: false },
    ],
    totalFen: 19950,
    saved: false,
    ...over,
  };
}

export function sharedBill(over: Partial<SharedBillView> = {}): SharedBillView {
  return {
    status: 'active',
    holderNameMasked: '吴*',
    areaName: '西湖区',
    serviceType: 'water',
    bills: [
      { id: 41, period: '2026-10', dueDate: '2099-12-20', amountFen: 4200, lateFeeFen: 0, totalFen: 4200, overdue: false },
      { id: 42, period: '2026-11', dueDate: '2099-12-20', amountFen: 4200, lateFeeFen: 0, totalFen: 4200, overdue: false },
    ],
    totalFen: 8400,
    expiresAt: '2026-12-03T02:00:00Z',
    ...over,
  };
}

export const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';

export function share(over: Partial<BillShareView> = {}): BillShareView {
  return {
    id: 5,
    token: TOKEN,
    accountNo: '1000000001',
    periods: ['2026-10', '2026-11'],
    amountFen: 8400,
    status: 'active',
    expiresAt: '2026-12-03T02:00:00Z',
    createdAt: '2026-11-26T02:00:00Z',
    paidAt: null,
    paidByMasked: null,
    ...over,
  };
}

export function createdOrder(amountFen: number, billIds: number[], pay: CreatePaymentResult['pay'] = { kind: 'redirect', url: 'http://gateway.test/cashier/9' }): CreatePaymentResult {
  return {
    order: {
      id: 90,
      outTradeNo: 'OH20261126000090',
      kind: 'bills',
      channel: 'alipay_wap',
      status: 'created',
      amountFen,
      description: '账单缴费',
      expiresAt: '2026-11-26T01:00:00Z',
      paidAt: null,
      refundedFen: 0,
      billIds,
      closeUnconfirmed: false,
      createdAt: '2026-11-26T00:45:00Z',
    },
    pay,
  };
}

type Handler = (data: Record<string, unknown> | undefined) => unknown;

/**
 * Serves the mocked `request` from a table keyed `path` (GET) or `METHOD path`; anything else fails
 * the test. Answers may throw (an ApiError) to stand for a refusal.
 */
export function serve(mock: jest.MockedFunction<typeof request>, table: Record<string, Handler>): void {
  mock.mockImplementation((async (path: string, opts?: { method?: string; data?: Record<string, unknown> }) => {
    const method = opts?.method ?? 'GET';
    const handler = table[method === 'GET' ? path : `${method} ${path}`];
    if (!handler) throw new Error(`unexpected ${method} ${path}`);
    return handler(opts?.data);
  }) as never);
}
