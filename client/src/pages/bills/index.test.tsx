import type { AccountView, ArrearsView, BillView, CreatePaymentResult, Page } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../api/request';
import { saveToken } from '../../api/token';
import { resetClientConfig } from '../../api/client-config';
import { platformPay } from '../../platform';
import { resetPayOptions } from '../../platform/pay.h5';
import BillsPage from './index';

jest.mock('../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const account: AccountView = {
  id: 1,
  accountNo: '1000000001',
  serviceType: 'water',
  holderNameMasked: '张*',
  phoneMasked: '138****0001',
  address: '滨江路 1 号',
  area: 'binjiang',
  isDefault: true,
  prepaid: false,
  balanceFen: 0,
  amountDueFen: 11663,
  unpaidBills: 2,
  subscriptionExpiresOn: null,
};

const arrears: ArrearsView = {
  accountId: 1,
  principalFen: 11500,
  lateFeeFen: 163,
  totalDueFen: 11663,
  unpaidBills: 2,
  overdueBills: 1,
  oldestUnpaidPeriod: '2026-09',
};

function bill(over: Partial<BillView>): BillView {
  return {
    id: 1,
    accountId: 1,
    accountNo: '1000000001',
    period: '2026-10',
    dueDate: '2026-11-30',
    status: 'unpaid',
    amountFen: 5000,
    lateFeeFen: 0,
    totalFen: 5000,
    paidAt: null,
    ...over,
  };
}

const due = [bill({ id: 11, period: '2026-10', totalFen: 5000 }), bill({ id: 10, period: '2026-09', dueDate: '2026-10-31', status: 'overdue', amountFen: 6500, lateFeeFen: 163, totalFen: 6663 })];
const paid = [bill({ id: 9, period: '2026-08', status: 'paid', paidAt: '2026-09-10T02:00:00Z', totalFen: 4800 })];

const page = (items: BillView[]): Page<BillView> => ({ items, page: 1, pageSize: 50, total: items.length });

const created: CreatePaymentResult = {
  order: {
    id: 77,
    outTradeNo: 'OH20261126000001',
    kind: 'bills',
    channel: 'alipay_wap',
    status: 'created',
    amountFen: 11663,
    description: '账单缴费',
    expiresAt: '2026-11-26T01:00:00Z',
    paidAt: null,
    refundedFen: 0,
    billIds: [11, 10],
    closeUnconfirmed: false,
    createdAt: '2026-11-26T00:45:00Z',
  },
  pay: { kind: 'redirect', url: 'http://gateway.test/cashier/1' },
};

function serve(overrides: Record<string, (data?: Record<string, unknown>) => unknown> = {}) {
  requestMock.mockImplementation(async (path: string, opts?: { data?: Record<string, unknown> }) => {
    if (overrides[path]) return overrides[path](opts?.data);
    if (path === '/accounts') return [account];
    if (path === '/accounts/1/arrears') return arrears;
    if (path === '/bills') return page(opts?.data?.status === 'paid' ? paid : due);
    throw new Error(`unexpected ${path}`);
  });
}

describe('bills tab', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows the arrears summary and the bills still owed, in yuan, with their status', async () => {
    serve();
    render(<BillsPage />);
    expect(await screen.findByText('¥116.63')).toBeTruthy();
    expect(screen.getByText(/2 笔未缴（1 笔逾期），最早 2026年9月，含滞纳金 ¥1.63/)).toBeTruthy();
    expect(await screen.findByText('2026年10月')).toBeTruthy();
    expect(screen.getByText('¥50.00')).toBeTruthy();
    expect(screen.getByText('¥66.63')).toBeTruthy();
    expect(screen.getByText('已逾期')).toBeTruthy();
    expect(screen.getByText('张*', { exact: false })).toBeTruthy();
    expect(requestMock).toHaveBeenCalledWith('/bills', expect.objectContaining({ data: expect.objectContaining({ accountId: 1, status: 'unpaid,overdue' }) }));
  });

  it('lists paid bills on the 已缴 tab, without checkboxes', async () => {
    serve();
    render(<BillsPage />);
    await screen.findByText('2026年10月');
    fireEvent.click(screen.getByText('已缴'));
    expect(await screen.findByText('2026年8月')).toBeTruthy();
    expect(requestMock).toHaveBeenCalledWith('/bills', expect.objectContaining({ data: expect.objectContaining({ status: 'paid' }) }));
    expect(document.querySelector('#bill-check-9')).toBeNull();
    expect(document.querySelector('#bills-pay')).toBeNull();
  });

  it('pays the selected bills through the chosen channel and hands the gateway URL to the platform', async () => {
    const create = jest.fn(() => created);
    serve({ '/payments': create });
    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    render(<BillsPage />);
    await screen.findByText('2026年10月');

    const submit = () => document.querySelector('#bills-pay-submit') as HTMLElement;
    // Owed bills come selected.
    await waitFor(() => expect(screen.getByText('已选 2 笔，合计', { exact: false })).toBeTruthy());
    expect(submit().getAttribute('aria-disabled')).toBe('false');
    expect(document.querySelector('#bills-pay-total')!.textContent).toBe('¥116.63');

    fireEvent.click(screen.getByText('微信支付'));
    await act(async () => {
      fireEvent.click(submit());
    });
    await waitFor(() => expect(launch).toHaveBeenCalledWith(created.pay));
    expect(create).toHaveBeenCalledWith({ billIds: [11, 10], channel: 'wechat_h5', returnPath: '/#/pages/billing/confirm/index' });
  });

  it('selects the owed bills by default; with none selected 去缴费 and 分享代付 look disabled and a tap sends nothing', async () => {
    serve();
    render(<BillsPage />);
    await screen.findByText('2026年10月');
    await waitFor(() => expect(document.querySelector('#bill-check-11')!.className).toContain('bill-row__check--on'));
    expect(document.querySelector('#bill-check-10')!.className).toContain('bill-row__check--on');
    expect(document.querySelector('#bills-pay-total')!.textContent).toBe('¥116.63');
    expect(screen.getByText('取消全选')).toBeTruthy();

    // Unticking one leaves the other chosen; unticking both disables both actions.
    fireEvent.click(document.querySelector('#bill-check-11')!);
    expect(document.querySelector('#bills-pay-total')!.textContent).toBe('¥66.63');
    fireEvent.click(document.querySelector('#bill-check-10')!);
    const submit = document.querySelector('#bills-pay-submit') as HTMLElement;
    const shareButton = document.querySelector('#bills-share') as HTMLElement;
    for (const b of [submit, shareButton]) {
      expect(b.getAttribute('aria-disabled')).toBe('true');
      expect(b.className).toContain('action-btn--disabled');
    }
    requestMock.mockClear();
    await act(async () => {
      fireEvent.click(submit);
      fireEvent.click(shareButton);
    });
    expect(requestMock).not.toHaveBeenCalled();
    expect(document.querySelector('#bills-pay-error')).toBeNull();
  });

  it('in WeChat’s browser without an official account 去缴费 looks disabled and sends nothing; the notice says how to pay, and sharing still works', async () => {
    resetPayOptions();
    resetClientConfig();
    jest
      .spyOn(window.navigator, 'userAgent', 'get')
      .mockReturnValue('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.50.2600');
    serve({ '/client-config': () => ({ wechatOfficialAccount: false }) });
    render(<BillsPage />);
    await screen.findByText('2026年10月');
    expect((await screen.findByText(/在浏览器中打开/)).id).toBe('pay-channels-notice');
    const submit = document.querySelector('#bills-pay-submit') as HTMLElement;
    await waitFor(() => expect(submit.getAttribute('aria-disabled')).toBe('true'));
    expect(submit.className).toContain('action-btn--disabled');
    expect(document.querySelector('#bills-share')!.getAttribute('aria-disabled')).toBe('false');
    requestMock.mockClear();
    await act(async () => {
      fireEvent.click(submit);
    });
    expect(requestMock).not.toHaveBeenCalled();
    resetPayOptions();
    resetClientConfig();
  });

  it('a bill the user unticked stays unticked when the list reloads; a new bill comes ticked', async () => {
    let items = due;
    serve({ '/bills': () => page(items) });
    const { rerender } = render(<BillsPage />);
    await screen.findByText('2026年10月');
    await waitFor(() => expect(document.querySelector('#bill-check-10')!.className).toContain('--on'));
    fireEvent.click(document.querySelector('#bill-check-10')!);
    items = [bill({ id: 12, period: '2026-11', totalFen: 4000 }), ...due];
    // Back to the tab: the lists reload.
    fireEvent.click(screen.getByText('逾期'));
    fireEvent.click(screen.getByText('待缴'));
    rerender(<BillsPage />);
    await screen.findByText('2026年11月');
    await waitFor(() => expect(document.querySelector('#bill-check-12')!.className).toContain('--on'));
    expect(document.querySelector('#bill-check-11')!.className).toContain('--on');
    expect(document.querySelector('#bill-check-10')!.className).not.toContain('--on');
  });

  it('a double tap on 分享代付 creates one share', async () => {
    let release: (v: unknown) => void = () => undefined;
    const create = jest.fn(() => new Promise((resolve) => (release = resolve)));
    serve({ '/bill-shares': create });
    jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<BillsPage />);
    await screen.findByText('2026年10月');
    await waitFor(() => expect(document.querySelector('#bills-share')!.getAttribute('aria-disabled')).toBe('false'));
    const shareButton = document.querySelector('#bills-share') as HTMLElement;
    act(() => {
      fireEvent.click(shareButton);
      fireEvent.click(shareButton);
    });
    fireEvent.click(shareButton);
    // While the share is on its way, 去缴费 cannot start a payment of the same bills either.
    fireEvent.click(document.querySelector('#bills-pay-submit')!);
    await act(async () => release({ id: 5, token: 'T'.repeat(32), status: 'active' }));
    expect(create).toHaveBeenCalledTimes(1);
    expect(requestMock.mock.calls.map((c) => c[0])).not.toContain('/payments');
  });

  it('a double tap on 去缴费 creates one order', async () => {
    let release: (v: CreatePaymentResult) => void = () => undefined;
    const create = jest.fn(() => new Promise<CreatePaymentResult>((resolve) => (release = resolve)));
    serve({ '/payments': create });
    jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    render(<BillsPage />);
    await screen.findByText('2026年10月');
    await waitFor(() => expect(document.querySelector('#bills-pay-submit')!.getAttribute('aria-disabled')).toBe('false'));
    const submit = document.querySelector('#bills-pay-submit') as HTMLElement;
    // Both taps land before React re-renders the button as disabled (as in the mini-program, where it is a render late).
    act(() => {
      fireEvent.click(submit);
      fireEvent.click(submit);
    });
    fireEvent.click(submit);
    await waitFor(() => expect(create).toHaveBeenCalledTimes(1));
    await act(async () => release(created));
    expect(create).toHaveBeenCalledTimes(1);
  });

  it('shows the error table message when the server refuses the order', async () => {
    const { ApiError } = jest.requireActual('../../api/errors');
    serve({
      '/payments': () => {
        throw new ApiError('BILL_IN_OPEN_ORDER', 'open', 409);
      },
    });
    const launch = jest.spyOn(platformPay, 'launch');
    render(<BillsPage />);
    await screen.findByText('2026年10月');
    await act(async () => {
      fireEvent.click(document.querySelector('#bills-pay-submit')!);
    });
    expect(await screen.findByText('该账单有一笔待支付的订单，请先完成或等待其关闭（约15分钟）后再试')).toBeTruthy();
    expect(launch).not.toHaveBeenCalled();
  });

  it('shares the chosen bills for someone else to pay (分享代付) and opens the share with its link', async () => {
    const create = jest.fn(() => ({ id: 5, token: 'T'.repeat(32), status: 'active' }));
    serve({ '/bill-shares': create });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<BillsPage />);
    await screen.findByText('2026年10月');
    const shareButton = () => document.querySelector('#bills-share') as HTMLElement;
    await waitFor(() => expect(shareButton().getAttribute('aria-disabled')).toBe('false'));
    await act(async () => {
      fireEvent.click(shareButton());
    });
    expect(create).toHaveBeenCalledWith({ billIds: [11, 10] });
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/pay-for/shares/index?id=5' });
  });

  it('says why a share was refused', async () => {
    const { ApiError } = jest.requireActual('../../api/errors');
    serve({
      '/bill-shares': () => {
        throw new ApiError('BILL_ALREADY_PAID', 'paid', 409);
      },
    });
    const navigate = jest.spyOn(Taro, 'navigateTo');
    render(<BillsPage />);
    await screen.findByText('2026年10月');
    await act(async () => {
      fireEvent.click(document.querySelector('#bills-share')!);
    });
    expect((await screen.findByText('该账单已缴清，无需重复缴费')).id).toBe('bills-pay-error');
    expect(navigate).not.toHaveBeenCalled();
  });

  it('says so when nothing is owed, and offers no pay button', async () => {
    serve({ '/bills': () => page([]) });
    render(<BillsPage />);
    expect(await screen.findByText('没有待缴账单')).toBeTruthy();
    expect(document.querySelector('#bills-pay')).toBeNull();
  });

  it('shows the offline message with a retry when the bills cannot be loaded', async () => {
    const { ApiError } = jest.requireActual('../../api/errors');
    serve({
      '/bills': () => {
        throw new ApiError('NETWORK', 'request:fail', 0);
      },
    });
    render(<BillsPage />);
    expect(await screen.findByText('网络连接失败，请检查网络后重试')).toBeTruthy();
    expect(screen.getByText('重试')).toBeTruthy();
  });

  it('a prepaid account shows its balance and 充值 instead of bills; owing, 去充值 opens with what clears the arrears', async () => {
    const prepaidAccount: AccountView = { ...account, id: 3, accountNo: '3000000001', serviceType: 'broadband', holderNameMasked: '赵*', amountDueFen: 0, unpaidBills: 0, balanceFen: 3500, prepaid: true };
    const view = {
      accountId: 3,
      prepaid: true,
      balanceFen: 3500,
      arrearsFen: 0,
      status: 'active',
      suspension: null,
      lowBalance: { thresholdFen: 2000, isDefault: true, defaultFen: 2000, below: false },
      topUp: { presetsFen: [2000, 5000], minFen: 1000, maxFen: 500000 },
      latestRequest: null,
    };
    let current: Record<string, unknown> = view;
    serve({ '/accounts': () => [prepaidAccount], '/accounts/3/prepaid': () => current, '/accounts/3/arrears': () => ({ ...arrears, accountId: 3 }), '/bills': () => page([]) });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    const { unmount } = render(<BillsPage />);
    await waitFor(() => expect(document.querySelector('#bills-prepaid-balance')?.textContent).toBe('¥35.00'));
    expect(document.querySelector('#bills-tabs')).toBeNull();
    expect(document.querySelector('#bills-arrears')).toBeNull();
    fireEvent.click(document.querySelector('#bills-prepaid-topup')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/prepaid/topup/index?id=3' });
    fireEvent.click(document.querySelector('#bills-prepaid-ledger')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/prepaid/index/index?id=3' });
    unmount();

    current = { ...view, balanceFen: -500, arrearsFen: 500, status: 'suspended', suspension: { reason: 'arrears', since: null } };
    render(<BillsPage />);
    await waitFor(() => expect(document.querySelector('#bills-prepaid-balance')?.textContent).toBe('-¥5.00'));
    // Less than the smallest top-up is owed: the smallest top-up clears it.
    expect(document.querySelector('#bills-prepaid')!.textContent).toContain('充值 ¥10.00 或以上结清欠费后自动申请复机');
    fireEvent.click(document.querySelector('#bills-prepaid-topup')!);
    expect(navigate).toHaveBeenLastCalledWith({ url: '/pages/prepaid/topup/index?id=3&amount=1000' });
  });

  it('asks a visitor without a session to sign in, without loading bills', async () => {
    window.localStorage.clear();
    serve();
    render(<BillsPage />);
    await waitFor(() => expect(document.querySelector('#bills-signin')).toBeTruthy());
    expect(requestMock.mock.calls.map((c) => c[0])).not.toContain('/bills');
  });
});
