import { act, fireEvent, render, screen } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { invoiceView, orderView, serve } from '../invoice-fixtures';
import MyInvoicesPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const page = <T,>(items: T[], total = items.length, n = 1) => ({ items, page: n, pageSize: 20, total });

describe('my invoices', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: {}, path: '/pages/invoices/list/index', onReady: '', onHide: '', onShow: '' } as never;
  });
  afterEach(() => jest.restoreAllMocks());

  it('lists paid orders still to invoice (a renewal, a top-up) and the invoices with their state in words', async () => {
    const lists = jest.fn((data?: Record<string, unknown>) =>
      data?.page === 2 ? page([invoiceView({ id: 2, title: { kind: 'personal', name: '王五', taxNo: null } })], 21, 2) : page([invoiceView(), invoiceView({ id: 4, state: 'reversed', stateName: '已红冲' })], 21),
    );
    serve(requestMock, {
      '/invoices/orders': () =>
        page([
          orderView({ orderId: 80, kind: 'renewal', kindName: '套餐续费', description: '有线电视基本包 续费3个月', amountFen: 7500 }),
          orderView({ orderId: 81, kind: 'topup', kindName: '预付费充值', description: '宽带充值', amountFen: 5000 }),
        ]),
      '/invoices': lists,
    });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<MyInvoicesPage />);
    expect(await screen.findByText('套餐续费 · 有线电视基本包 续费3个月')).toBeTruthy();
    expect(screen.getByText('¥75.00')).toBeTruthy();
    expect(requestMock).toHaveBeenCalledWith('/invoices/orders', { data: { uninvoiced: true, pageSize: 20 } });
    expect(document.querySelector('#invoices-state-5')!.textContent).toBe('已开具');
    expect(document.querySelector('#invoices-state-4')!.textContent).toBe('已红冲');
    expect(screen.getByText('开票记录（21）')).toBeTruthy();

    fireEvent.click(document.querySelector('#invoices-request-81')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/invoices/request/index?orderId=81' });
    fireEvent.click(document.querySelector('#invoices-item-4')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/invoices/detail/index?id=4' });

    await act(async () => {
      fireEvent.click(document.querySelector('#invoices-more')!);
    });
    expect(await screen.findByText('王五')).toBeTruthy();
  });

  it('says so when there is nothing to invoice and nothing asked for yet', async () => {
    serve(requestMock, { '/invoices/orders': () => page([]), '/invoices': () => page([]) });
    render(<MyInvoicesPage />);
    expect(await screen.findByText('没有待开票的缴费')).toBeTruthy();
    expect(screen.getByText('还没有申请过发票')).toBeTruthy();
  });
});
