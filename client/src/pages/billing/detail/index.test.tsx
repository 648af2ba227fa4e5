import type { BillDetailView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { platformPay } from '../../../platform';
import BillDetailPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

function billWith(over: Partial<BillDetailView> = {}): BillDetailView {
  return {
    id: 10,
    accountId: 1,
    accountNo: '1000000001',
    period: '2026-09',
    dueDate: '2026-10-31',
    status: 'overdue',
    amountFen: 6500,
    lateFeeFen: 163,
    totalFen: 6663,
    paidAt: null,
    lines: [
      { id: 101, itemCode: 'water', name: '水费', quantity: 15, unit: '立方米', unitPriceFen: 290, amountFen: 4350 },
      { id: 102, itemCode: 'sewage', name: '污水处理费', quantity: 15, unit: '立方米', unitPriceFen: 143, amountFen: 2150 },
    ],
    payment: null,
    ...over,
  };
}

describe('bill detail page', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { id: '10' }, path: '/pages/billing/detail/index', onReady: '', onHide: '', onShow: '' } as never;
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows period, due date, status, line items and today’s late fee of an unpaid bill, and pays it alone', async () => {
    const create = jest.fn((_data?: Record<string, unknown>) => ({ order: { id: 5 }, pay: { kind: 'redirect', url: 'http://gw.test/x' } }));
    requestMock.mockImplementation(async (path: string, opts?: { data?: Record<string, unknown> }) => {
      if (path === '/bills/10') return billWith();
      if (path === '/payments') return create(opts?.data);
      throw new Error(`unexpected ${path}`);
    });
    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    render(<BillDetailPage />);

    expect(await screen.findByText('2026年9月账单')).toBeTruthy();
    expect(screen.getByText('2026-10-31')).toBeTruthy();
    expect(screen.getByText('已逾期')).toBeTruthy();
    expect(screen.getByText('污水处理费')).toBeTruthy();
    expect(screen.getByText('15 立方米 × ¥2.90', { exact: false })).toBeTruthy();
    expect(screen.getByText('¥43.50')).toBeTruthy();
    expect(screen.getByText('滞纳金（截至今日）')).toBeTruthy();
    expect(screen.getByText('¥1.63')).toBeTruthy();
    expect(document.querySelector('#bill-total')!.textContent).toBe('¥66.63');
    expect(document.querySelector('#bill-receipt')).toBeNull();

    await act(async () => {
      fireEvent.click(document.querySelector('#bill-pay')!);
    });
    await waitFor(() => expect(launch).toHaveBeenCalled());
    expect(create).toHaveBeenCalledWith({ billIds: [10], channel: 'alipay_wap', returnPath: '/#/pages/billing/confirm/index' });
  });

  it('shows the settling payment of a paid bill and opens its receipt', async () => {
    requestMock.mockResolvedValue(
      billWith({
        status: 'paid',
        paidAt: '2026-10-20T06:30:00Z',
        payment: { orderId: 5, channel: 'alipay_wap', channelName: '支付宝', outTradeNo: 'OH2026102000001', gatewayTradeNo: '2026102022001', paidAt: '2026-10-20T06:30:00Z' },
      }),
    );
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<BillDetailPage />);

    expect(await screen.findByText('支付宝')).toBeTruthy();
    expect(screen.getByText('2026102022001')).toBeTruthy();
    expect(screen.getByText('10月20日 14:30')).toBeTruthy();
    expect(screen.getByText('实缴金额')).toBeTruthy();
    expect(document.querySelector('#bill-pay')).toBeNull();
    fireEvent.click(document.querySelector('#bill-receipt')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/billing/receipt/index?id=10' });
  });

  it('says the bill was not found (someone else’s bill answers 404)', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    requestMock.mockRejectedValue(new ApiError('NOT_FOUND', '账单不存在', 404));
    render(<BillDetailPage />);
    expect(await screen.findByText('没有找到相关信息')).toBeTruthy();
  });
});
