import { render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
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

  it('with ?paymentId=, fetches the receipt of that order (every bill it paid, someone else’s too)', async () => {
    Current.router = { params: { paymentId: '77' }, path: '/pages/billing/receipt/index', onReady: '', onHide: '', onShow: '' } as never;
    requestMock.mockResolvedValue(receipt);
    render(<ReceiptPage />);
    await waitFor(() => expect(document.querySelector('#receipt-frame')).toBeTruthy());
    expect(requestMock).toHaveBeenCalledWith('/payments/77/receipt', { text: true });
    expect(requestMock).toHaveBeenCalledTimes(1);
  });

  it('explains that an unpaid bill has no receipt yet', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    requestMock.mockRejectedValue(new ApiError('BILL_NOT_PAID', 'not paid', 409));
    render(<ReceiptPage />);
    expect(await screen.findByText('该账单尚未缴费，缴费后才能打印缴费凭证')).toBeTruthy();
  });
});
