import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { orderView } from '../../invoices/invoice-fixtures';
import ReceiptPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const receipt = `<!doctype html><html><head><style nonce="n1">.sheet{width:148mm}</style></head><body><main class="sheet"><h1>缴费凭证</h1><p>户号 1000000001</p><p class="amount">¥53.90 元</p></main>
<div class="actions"><button type="button" id="print">打印</button></div><script nonce="n1">document.getElementById('print').onclick=()=>print()</script></body></html>`;

describe('receipt page', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { id: '10' }, path: '/pages/billing/receipt/index', onReady: '', onHide: '', onShow: '' } as never;
  });

  it('fetches the receipt with the session (as text) and shows it in a frame of its own, without its script', async () => {
    requestMock.mockResolvedValue(receipt);
    render(<ReceiptPage />);
    const frame = await waitFor(() => {
      const el = document.querySelector('#receipt-frame') as HTMLIFrameElement | null;
      if (!el) throw new Error('no frame yet');
      return el;
    });
    expect(requestMock).toHaveBeenCalledWith('/bills/10/receipt', { text: true });
    const doc = frame.getAttribute('srcdoc') ?? '';
    expect(doc).toContain('¥53.90 元');
    expect(doc).toContain('户号 1000000001');
    expect(doc).not.toContain('<script');
    expect(doc).not.toContain('<button');
    expect(screen.getByText('打印凭证')).toBeTruthy();
  });

  it('with ?paymentId=, fetches the receipt of that order (every bill it paid, someone else’s too), and offers its invoice', async () => {
    Current.router = { params: { paymentId: '77' }, path: '/pages/billing/receipt/index', onReady: '', onHide: '', onShow: '' } as never;
    requestMock.mockImplementation((async (path: string) => (path === '/invoices/orders/77' ? orderView() : receipt)) as never);
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<ReceiptPage />);
    await waitFor(() => expect(document.querySelector('#receipt-frame')).toBeTruthy());
    expect(requestMock).toHaveBeenCalledWith('/payments/77/receipt', { text: true });
    expect(requestMock.mock.calls.map((c) => c[0]).sort()).toEqual(['/invoices/orders/77', '/payments/77/receipt']);
    fireEvent.click(await screen.findByText('申请电子发票'));
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/invoices/request/index?orderId=77' });
    navigate.mockRestore();
  });

  it('a bill’s receipt shows the invoice of the order that paid it: its state, a tap away', async () => {
    const paid = { id: 10, status: 'paid', payment: { orderId: 78, channel: 'wechat_h5', channelName: '微信支付', outTradeNo: 'OH1', gatewayTradeNo: null, paidAt: null } };
    requestMock.mockImplementation((async (path: string) =>
      path === '/bills/10' ? paid : path === '/invoices/orders/78' ? orderView({ orderId: 78, invoice: { id: 5, state: 'issued', stateName: '已开具' } }) : receipt) as never);
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<ReceiptPage />);
    expect((await screen.findByText('已开具')).id).toBe('invoice-entry-state');
    fireEvent.click(document.querySelector('#invoice-entry-open')!);
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/invoices/detail/index?id=5' });
    navigate.mockRestore();
  });

  it('a bill someone else paid for the holder: its invoice is the payer’s', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    const paid = { id: 10, status: 'paid', payment: { orderId: 79, channel: 'alipay_wap', channelName: '支付宝', outTradeNo: 'OH2', gatewayTradeNo: null, paidAt: null } };
    requestMock.mockImplementation((async (path: string) => {
      if (path === '/invoices/orders/79') throw new ApiError('NOT_FOUND', 'no', 404);
      return path === '/bills/10' ? paid : receipt;
    }) as never);
    render(<ReceiptPage />);
    expect((await screen.findByText('该笔缴费由他人代缴，电子发票由付款人申请')).id).toBe('invoice-entry-not-mine');
  });

  it('explains that an unpaid bill has no receipt yet', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    requestMock.mockRejectedValue(new ApiError('BILL_NOT_PAID', 'not paid', 409));
    render(<ReceiptPage />);
    expect(await screen.findByText('该账单尚未缴费，缴费后才能打印缴费凭证')).toBeTruthy();
  });
});
