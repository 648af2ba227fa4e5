import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { invoiceView, serve } from '../invoice-fixtures';
import InvoiceDetailPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

describe('an electronic invoice', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { id: '5' }, path: '/pages/invoices/detail/index', onReady: '', onHide: '', onShow: '' } as never;
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('issued: the state in words, the number, each line’s tax, the totals, and the PDF as a plain link', async () => {
    serve(requestMock, { '/invoices/5': () => invoiceView() });
    render(<InvoiceDetailPage />);
    expect((await screen.findByText('已开具')).id).toBe('invoice-state');
    expect(document.querySelector('#invoice-no')!.textContent).toBe('26332000000000012345');
    expect(document.querySelector('#invoice-tax-no')!.textContent).toBe('9144030071526726XG');
    expect(document.querySelector('#invoice-line-0')!.textContent).toContain('金额 ¥28.16 · 税率 3% · 税额 ¥0.84');
    expect(document.querySelector('#invoice-line-1')!.textContent).toContain('税率 不征税');
    expect(document.querySelector('#invoice-net')!.textContent).toBe('¥37.66');
    expect(document.querySelector('#invoice-tax')!.textContent).toBe('¥0.84');
    expect(document.querySelector('#invoice-sum')!.textContent).toBe('¥38.50');
    const link = document.querySelector('#invoice-pdf') as HTMLAnchorElement;
    expect(link.tagName).toBe('A');
    expect(link.getAttribute('href')).toBe(`http://api.test${invoiceView().pdfUrl}`);
    expect(link.getAttribute('download')).toBe('电子发票_26332000000000012345.pdf');
    expect(link.textContent).toBe('下载发票 PDF');
  });

  it('refused: the reason and what to do; a wrong title is asked again from the order', async () => {
    serve(requestMock, {
      '/invoices/5': () =>
        invoiceView({
          state: 'failed',
          stateName: '开具失败',
          invoiceNo: null,
          pdfUrl: null,
          failure: { code: 'BUYER_INVALID', reason: '购买方纳税人识别号与名称不匹配', action: '请核对单位名称与统一社会信用代码（可从营业执照或单位财务处获取），修改抬头后重新申请', changeTitle: true },
        }),
    });
    const redirect = jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<InvoiceDetailPage />);
    expect(await screen.findByText('开具失败')).toBeTruthy();
    expect(document.querySelector('#invoice-failure-reason')!.textContent).toBe('原因：购买方纳税人识别号与名称不匹配');
    expect(document.querySelector('#invoice-failure-action')!.textContent).toContain('修改抬头后重新申请');
    expect(document.querySelector('#invoice-pdf')).toBeNull();
    fireEvent.click(document.querySelector('#invoice-change-title')!);
    expect(redirect).toHaveBeenCalledWith({ url: '/pages/invoices/request/index?orderId=77' });
  });

  it('a refusal staff handle asks nothing of the subscriber', async () => {
    serve(requestMock, {
      '/invoices/5': () =>
        invoiceView({ state: 'failed', stateName: '开具失败', invoiceNo: null, pdfUrl: null, failure: { code: 'QUOTA_EXCEEDED', reason: '本月开票额度不足', action: '本月开票额度已用完，客服会处理后重新开具，无需重复申请', changeTitle: false } }),
    });
    render(<InvoiceDetailPage />);
    expect(await screen.findByText(/无需重复申请/)).toBeTruthy();
    expect(document.querySelector('#invoice-change-title')).toBeNull();
  });

  it('reversed after a partial refund: 已红冲 with the red invoice to download, and the way to the new one', async () => {
    serve(requestMock, {
      '/invoices/5': () =>
        invoiceView({
          state: 'reversed',
          stateName: '已红冲',
          reversal: { invoiceNo: '26332000000000012399', reversedAt: '2026-11-21T03:00:00Z' },
          redPdfUrl: '/api/v1/invoice-files/5/red.pdf?expires=1795000000&sig=fedcba9876543210fedcba9876543210',
          replacedById: 9,
        }),
    });
    const redirect = jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<InvoiceDetailPage />);
    expect(await screen.findByText('已红冲')).toBeTruthy();
    expect(document.querySelector('#invoice-red-no')!.textContent).toBe('26332000000000012399');
    expect(document.querySelector('#invoice-red-pdf')!.getAttribute('download')).toBe('红字发票_26332000000000012399.pdf');
    expect(document.querySelector('#invoice-pdf')!.textContent).toBe('下载原发票 PDF（已作废）');
    fireEvent.click(document.querySelector('#invoice-replacement')!);
    expect(redirect).toHaveBeenCalledWith({ url: '/pages/invoices/detail/index?id=9' });
  });

  it('while the platform is at work, asks again by itself until it is issued and its PDF is there', async () => {
    jest.useFakeTimers();
    let calls = 0;
    // 申请中, then 已开具 before its PDF is fetched, then with the PDF.
    serve(requestMock, {
      '/invoices/5': () => (++calls === 1 ? invoiceView({ state: 'requested', stateName: '申请中', invoiceNo: null, pdfUrl: null }) : calls === 2 ? invoiceView({ pdfUrl: null }) : invoiceView()),
    });
    render(<InvoiceDetailPage />);
    await act(async () => {
      await jest.advanceTimersByTimeAsync(0);
    });
    expect(screen.getByText('申请中')).toBeTruthy();
    expect(document.querySelector('#invoice-pdf')).toBeNull();
    // Each answer still waiting for something schedules the next ask, three seconds on.
    await act(async () => {
      await jest.advanceTimersByTimeAsync(3000);
    });
    expect(screen.getByText('已开具')).toBeTruthy();
    expect(document.querySelector('#invoice-hint')!.textContent).toContain('PDF 文件正在从开票平台获取');
    expect(document.querySelector('#invoice-pdf')).toBeNull();
    await act(async () => {
      await jest.advanceTimersByTimeAsync(3000);
    });
    expect(calls).toBe(3);
    await waitFor(() => expect(screen.getByText('已开具')).toBeTruthy());
    expect(document.querySelector('#invoice-pdf')).toBeTruthy();
  });
});
