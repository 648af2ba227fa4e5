import type { BillDetailView, BillDisputeView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { platformPay } from '../../../platform';
import { orderView } from '../../invoices/invoice-fixtures';
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
    paidElsewhere: null,
    ...over,
  };
}

function disputeOf(over: Partial<BillDisputeView> = {}): BillDisputeView {
  return { id: 3, billId: 10, lineId: 102, ticketId: 7, reason: '污水处理费计量有误', createdAt: '2026-11-02T02:00:00Z', lateFeeSuspended: true, ...over };
}

/** Types into a Taro <Textarea> (the inner element appears asynchronously on H5). */
async function typeInto(id: string, value: string) {
  const el = await waitFor(() => {
    const found = document.querySelector(`#${id} textarea`) ?? document.querySelector(`textarea#${id}`);
    if (!found) throw new Error(`no textarea in #${id}`);
    return found as HTMLTextAreaElement;
  });
  el.value = value;
  fireEvent.input(el, { target: { value } });
}

async function click(selector: string) {
  await act(async () => {
    fireEvent.click(await waitFor(() => document.querySelector(selector) ?? Promise.reject(new Error(`no ${selector}`))));
  });
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
      if (path === '/bills/10/disputes') return [];
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
    const paid = billWith({
      status: 'paid',
      paidAt: '2026-10-20T06:30:00Z',
      payment: { orderId: 5, channel: 'alipay_wap', channelName: '支付宝', outTradeNo: 'OH2026102000001', gatewayTradeNo: '2026102022001', paidAt: '2026-10-20T06:30:00Z' },
    });
    requestMock.mockImplementation(async (path: string) => (path === '/bills/10/disputes' ? [] : paid));
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

  it('a paid bill offers the electronic invoice of the order that paid it', async () => {
    const paid = billWith({
      status: 'paid',
      paidAt: '2026-10-20T06:30:00Z',
      payment: { orderId: 5, channel: 'alipay_wap', channelName: '支付宝', outTradeNo: 'OH2026102000001', gatewayTradeNo: '2026102022001', paidAt: '2026-10-20T06:30:00Z' },
    });
    requestMock.mockImplementation(async (path: string) => (path === '/bills/10/disputes' ? [] : path === '/invoices/orders/5' ? orderView({ orderId: 5, amountFen: 6663 }) : paid));
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<BillDetailPage />);
    expect(await screen.findByText(/可开具金额 ¥66.63/)).toBeTruthy();
    fireEvent.click(document.querySelector('#invoice-entry-request')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/invoices/request/index?orderId=5' });
  });

  it('says the bill was not found (someone else’s bill answers 404)', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    requestMock.mockRejectedValue(new ApiError('NOT_FOUND', '账单不存在', 404));
    render(<BillDetailPage />);
    expect(await screen.findByText('没有找到相关信息')).toBeTruthy();
  });

  describe('disputing a line (有异议)', () => {
    it('disputes a line: checks the reason, files it, links the complaint ticket and says the late fee stops', async () => {
      const post = jest.fn((_data?: Record<string, unknown>) => ({ dispute: disputeOf({ id: 4, lineId: 101, ticketId: 42 }), ticket: { id: 42 } }));
      requestMock.mockImplementation(async (path: string, opts?: { method?: string; data?: Record<string, unknown> }) => {
        if (path === '/bills/10') return billWith();
        if (path === '/bills/10/disputes') return [];
        if (path === '/bills/10/dispute' && opts?.method === 'POST') return post(opts.data);
        throw new Error(`unexpected ${path}`);
      });
      const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
      render(<BillDetailPage />);
      await screen.findByText('2026年9月账单');

      await click('#line-dispute-open-101');
      await typeInto('line-dispute-reason-101', '太少');
      await click('#line-dispute-submit-101');
      expect(await screen.findByText('请说明异议原因（至少5个字）')).toBeTruthy();
      expect(post).not.toHaveBeenCalled();

      await typeInto('line-dispute-reason-101', '本月水表读数有误，用量不对');
      await click('#line-dispute-submit-101');
      await waitFor(() => expect(post).toHaveBeenCalledWith({ lineId: 101, reason: '本月水表读数有误，用量不对' }));

      expect(await screen.findByText('异议已提交，已为您创建投诉工单')).toBeTruthy();
      expect(screen.getByText('投诉处理期间，该账单的滞纳金暂停计算')).toBeTruthy();
      expect(document.querySelector('#line-dispute-open-101')).toBeNull();
      // The other line can still be disputed.
      expect(document.querySelector('#line-dispute-open-102')).not.toBeNull();
      await click('#line-dispute-ticket-101');
      expect(navigate).toHaveBeenCalledWith({ url: '/pages/tickets/detail/index?id=42' });
    });

    it('shows an already-disputed line’s state and links its complaint ticket instead of offering the action', async () => {
      requestMock.mockImplementation(async (path: string) => {
        if (path === '/bills/10') return billWith();
        if (path === '/bills/10/disputes') return [disputeOf({ lineId: 102, ticketId: 7 })];
        throw new Error(`unexpected ${path}`);
      });
      const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
      render(<BillDetailPage />);

      expect(await screen.findByText('已提出异议，投诉处理中')).toBeTruthy();
      expect(screen.getByText('投诉处理期间，该账单的滞纳金暂停计算')).toBeTruthy();
      expect(document.querySelector('#line-dispute-open-102')).toBeNull();
      expect(document.querySelector('#line-dispute-open-101')).not.toBeNull();
      await click('#line-dispute-ticket-102');
      expect(navigate).toHaveBeenCalledWith({ url: '/pages/tickets/detail/index?id=7' });
    });

    it('shows a server refusal in the words of the message table and keeps the form', async () => {
      requestMock.mockImplementation(async (path: string, opts?: { method?: string }) => {
        if (path === '/bills/10') return billWith();
        if (path === '/bills/10/disputes') return [];
        if (path === '/bills/10/dispute' && opts?.method === 'POST') throw new ApiError('RATE_LIMITED', 'Too many requests', 429);
        throw new Error(`unexpected ${path}`);
      });
      render(<BillDetailPage />);
      await screen.findByText('2026年9月账单');

      await click('#line-dispute-open-101');
      await typeInto('line-dispute-reason-101', '本月水表读数有误，用量不对');
      await click('#line-dispute-submit-101');

      expect(await screen.findByText('操作过于频繁，请稍后再试')).toBeTruthy();
      expect(screen.queryByText('Too many requests')).toBeNull();
      expect(screen.queryByText('异议已提交，已为您创建投诉工单')).toBeNull();
      expect(document.querySelector('#line-dispute-submit-101')).not.toBeNull();
    });
  });
});
