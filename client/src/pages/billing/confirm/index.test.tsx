import type { PaymentOrderView } from '@openhall/shared';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { orderView } from '../../invoices/invoice-fixtures';
import PaymentConfirmPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

function orderWith(over: Partial<PaymentOrderView> = {}): PaymentOrderView {
  return {
    id: 77,
    outTradeNo: 'OH20261126000001',
    kind: 'bills',
    channel: 'alipay_wap',
    status: 'created',
    amountFen: 11663,
    description: '城市水务账单缴费 2026-09,2026-10',
    expiresAt: '2026-11-26T01:00:00Z',
    paidAt: null,
    refundedFen: 0,
    billIds: [10],
    closeUnconfirmed: false,
    createdAt: '2026-11-26T00:45:00Z',
    ...over,
  };
}

/** Answers the orders in turn, the last one for good (and a paid order's invoice entry: nothing asked for yet). */
function answer(...orders: PaymentOrderView[]) {
  let n = 0;
  requestMock.mockImplementation(async (path: string) => (path.startsWith('/invoices/orders/') ? orderView() : orders[Math.min(n++, orders.length - 1)]));
}

/** Lets the poll's timers run for `ms`, with the answers they trigger. */
async function pass(ms: number) {
  await act(async () => {
    await jest.advanceTimersByTimeAsync(ms);
  });
}

const title = () => document.querySelector('#pay-result-title')!.textContent;

describe('payment confirming page', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { paymentId: '77' }, path: '/pages/billing/confirm/index', onReady: '', onHide: '', onShow: '' } as never;
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    window.history.replaceState(null, '', '/');
  });

  it('keeps asking the server (and the gateway through it) until the order is paid', async () => {
    answer(orderWith(), orderWith(), orderWith({ status: 'paid', paidAt: '2026-11-26T00:46:00Z' }));
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('正在确认支付结果…');
    await pass(2000);
    expect(title()).toBe('正在确认支付结果…');
    await pass(2000);
    expect(title()).toBe('支付成功');
    expect(screen.getByText('¥116.63')).toBeTruthy();
    expect(document.querySelector('#pay-receipt')).toBeTruthy();

    // The first question reads the order; the later ones ask the gateway too.
    expect(requestMock.mock.calls[0]).toEqual(['/payments/77', { data: undefined }]);
    expect(requestMock.mock.calls[1]).toEqual(['/payments/77', { data: { refresh: 'true' } }]);
    // Paid is final: no more questions.
    await pass(10_000);
    expect(requestMock.mock.calls.filter((c) => c[0] === '/payments/77')).toHaveLength(3);
  });

  it('paid: the invoice can be asked for right away, a renewal as a bill', async () => {
    requestMock.mockImplementation(async (path: string) =>
      path === '/invoices/orders/77' ? orderView({ kind: 'renewal', kindName: '套餐续费', amountFen: 7500 }) : orderWith({ kind: 'renewal', billIds: [], status: 'paid', amountFen: 7500 }),
    );
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('支付成功');
    expect(screen.getByText(/可开具金额 ¥75.00/)).toBeTruthy();
    fireEvent.click(document.querySelector('#invoice-entry-request')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/invoices/request/index?orderId=77' });
  });

  it('a paid bill order links to its receipt: the bill’s for one bill, the order’s for several (also when paid for someone else)', async () => {
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    answer(orderWith({ status: 'paid', billIds: [10] }));
    const one = render(<PaymentConfirmPage />);
    await pass(0);
    fireEvent.click(document.querySelector('#pay-receipt')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/billing/receipt/index?id=10' });
    one.unmount();

    answer(orderWith({ status: 'paid', billIds: [41, 42] }));
    render(<PaymentConfirmPage />);
    await pass(0);
    fireEvent.click(document.querySelector('#pay-receipt')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/billing/receipt/index?paymentId=77' });
  });

  it('after a paid renewal, links back to the renewed package', async () => {
    Current.router = { params: { paymentId: '77', subscriptionId: '3' }, path: '/pages/billing/confirm/index', onReady: '', onHide: '', onShow: '' } as never;
    answer(orderWith({ kind: 'renewal', billIds: [], status: 'paid' }));
    const redirect = jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('支付成功');
    expect(document.querySelector('#pay-receipt')).toBeNull();
    fireEvent.click(document.querySelector('#pay-renewal')!);
    expect(redirect).toHaveBeenCalledWith({ url: '/pages/billing/renew/index?subscriptionId=3' });
  });

  it('after a paid top-up, shows the account’s new balance and links to its balance page', async () => {
    Current.router = { params: { paymentId: '77', accountId: '3' }, path: '/pages/billing/confirm/index', onReady: '', onHide: '', onShow: '' } as never;
    const paid = orderWith({ kind: 'topup', billIds: [], amountFen: 5000, status: 'paid', paidAt: '2026-12-04T02:46:00Z' });
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/payments/77') return paid;
      if (path === '/accounts/3/prepaid') return { accountId: 3, prepaid: true, balanceFen: 8500, arrearsFen: 0, latestRequest: null };
      throw new Error(`unexpected ${path}`);
    });
    const redirect = jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('支付成功');
    expect(document.querySelector('#pay-result-hint')!.textContent).toBe('款项已入账，账户余额已更新');
    expect(document.querySelector('#pay-new-balance')!.textContent).toBe('¥85.00');
    expect(document.querySelector('#pay-receipt')).toBeNull();
    fireEvent.click(document.querySelector('#pay-prepaid')!);
    expect(redirect).toHaveBeenCalledWith({ url: '/pages/prepaid/index/index?id=3' });
  });

  it('a top-up that cleared the arrears says the restoration was asked for', async () => {
    Current.router = { params: { paymentId: '77', accountId: '3' }, path: '/pages/billing/confirm/index', onReady: '', onHide: '', onShow: '' } as never;
    const restore = { id: 4, kind: 'restore', status: 'pending', requestedAt: '2026-12-04T02:46:00Z', effectiveAt: null, ticketId: 12, refusal: null };
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/payments/77') return orderWith({ kind: 'topup', billIds: [], status: 'paid' });
      if (path === '/accounts/3/prepaid') return { accountId: 3, prepaid: true, balanceFen: 2200, arrearsFen: 0, latestRequest: restore };
      throw new Error(`unexpected ${path}`);
    });
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(document.querySelector('#pay-new-balance')!.textContent).toBe('¥22.00');
    expect(document.querySelector('#pay-restore')!.textContent).toContain('已为您申请复机');
  });

  it('a top-up whose restoration already took effect says when; one that did not clear the arrears says what is still owed', async () => {
    Current.router = { params: { paymentId: '77', accountId: '3' }, path: '/pages/billing/confirm/index', onReady: '', onHide: '', onShow: '' } as never;
    const done = { id: 4, kind: 'restore', status: 'done', requestedAt: '2026-11-26T00:46:00Z', effectiveAt: '2026-11-26T00:46:30Z', ticketId: 12, refusal: null };
    let prepaid: Record<string, unknown> = { accountId: 3, prepaid: true, balanceFen: 2200, arrearsFen: 0, latestRequest: done };
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/payments/77') return orderWith({ kind: 'topup', billIds: [], status: 'paid' });
      if (path === '/accounts/3/prepaid') return prepaid;
      throw new Error(`unexpected ${path}`);
    });
    const { unmount } = render(<PaymentConfirmPage />);
    await pass(0);
    expect(document.querySelector('#pay-restore')!.textContent).toBe('欠费已结清，已于 11月26日 08:46 复机');
    expect(document.querySelector('#pay-still-owing')).toBeNull();
    unmount();

    // Still owing; the newest restoration is an old one, from before this order: nothing said about it.
    prepaid = { accountId: 3, prepaid: true, balanceFen: -800, arrearsFen: 800, latestRequest: { ...done, requestedAt: '2026-10-01T00:00:00Z', effectiveAt: '2026-10-01T00:01:00Z' } };
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(document.querySelector('#pay-new-balance')!.textContent).toBe('-¥8.00');
    expect(document.querySelector('#pay-still-owing')!.textContent).toBe('仍欠费 ¥8.00，结清后才能复机');
    expect(document.querySelector('#pay-restore')).toBeNull();
  });

  it('a paid top-up whose balance cannot be fetched says where to look, and still counts as paid', async () => {
    Current.router = { params: { paymentId: '77', accountId: '3' }, path: '/pages/billing/confirm/index', onReady: '', onHide: '', onShow: '' } as never;
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/payments/77') return orderWith({ kind: 'topup', billIds: [], status: 'paid' });
      throw Object.assign(new Error('offline'), { code: 'NETWORK' });
    });
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('支付成功');
    expect(document.querySelector('#pay-balance-unknown')!.textContent).toBe('余额暂时无法查询，可稍后在余额页查看');
    expect(document.querySelector('#pay-new-balance')).toBeNull();
  });

  it('says nothing was charged when the order closed', async () => {
    answer(orderWith(), orderWith({ status: 'closed' }));
    render(<PaymentConfirmPage />);
    await pass(2000);
    expect(title()).toBe('订单已关闭，未扣款');
    expect(document.querySelector('#pay-receipt')).toBeNull();
  });

  it('closed while the gateway could not be reached: promises nothing about the money, says it comes back if taken', async () => {
    answer(orderWith({ status: 'closed', closeUnconfirmed: true }));
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('订单已关闭');
    expect(document.querySelector('#pay-result-hint')!.textContent).toContain('自动原路退回');
  });

  it('stops after a minute without an answer, says so, and asks again on demand', async () => {
    answer(orderWith());
    render(<PaymentConfirmPage />);
    await pass(61_000);
    expect(title()).toBe('暂未收到支付结果');
    const asked = requestMock.mock.calls.length;
    await pass(10_000);
    expect(requestMock).toHaveBeenCalledTimes(asked);

    answer(orderWith({ status: 'paid', paidAt: '2026-11-26T00:50:00Z' }));
    fireEvent.click(document.querySelector('#pay-retry')!);
    await pass(0);
    expect(title()).toBe('支付成功');
  });

  it.each(['NETWORK', 'TIMEOUT'])('keeps waiting through a lost answer (%s) instead of giving up', async (code) => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    let n = 0;
    requestMock.mockImplementation(async () => {
      n += 1;
      if (n === 1) throw new ApiError(code, 'request:fail', 0);
      return orderWith({ status: 'paid' });
    });
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('正在确认支付结果…');
    await pass(2000);
    expect(title()).toBe('支付成功');
  });

  it('reads the order id the H5 gateway put in the address when it sent the browser back', async () => {
    Current.router = { params: {}, path: '/pages/billing/confirm/index', onReady: '', onHide: '', onShow: '' } as never;
    window.history.replaceState(null, '', '/?paymentId=91&out_trade_no=OH1#/pages/billing/confirm/index');
    answer(orderWith({ id: 91, status: 'paid' }));
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(requestMock.mock.calls[0][0]).toBe('/payments/91');
    expect(title()).toBe('支付成功');
  });
});
