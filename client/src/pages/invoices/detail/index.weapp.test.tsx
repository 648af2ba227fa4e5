import { act, fireEvent, render, screen } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { invoiceView, serve } from '../invoice-fixtures';
import InvoiceDetailPage from './index';

// The invoice page as the mini-program builds it: the PDF is downloaded and opened in WeChat's viewer (invoice-pdf.weapp.tsx).
jest.mock('../../../platform/invoice-pdf', () => jest.requireActual('../../../platform/invoice-pdf.weapp'));
jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

describe('an electronic invoice in the mini-program', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { id: '5' }, path: '/pages/invoices/detail/index', onReady: '', onHide: '', onShow: '' } as never;
    serve(requestMock, { '/invoices/5': () => invoiceView() });
  });
  afterEach(() => jest.restoreAllMocks());

  it('downloads the signed PDF and opens it as a document; no link is shown', async () => {
    const download = jest.fn(async () => ({ statusCode: 200, tempFilePath: 'wxfile://tmp/invoice.pdf' }));
    const open = jest.fn(async () => ({ errMsg: 'openDocument:ok' }));
    Object.assign(Taro, { downloadFile: download, openDocument: open });
    render(<InvoiceDetailPage />);
    const button = await screen.findByText('下载发票 PDF');
    expect(document.querySelector('a#invoice-pdf')).toBeNull();
    await act(async () => {
      fireEvent.click(button);
    });
    expect(download).toHaveBeenCalledWith({ url: `http://api.test${invoiceView().pdfUrl}` });
    expect(open).toHaveBeenCalledWith({ filePath: 'wxfile://tmp/invoice.pdf', fileType: 'pdf', showMenu: true });
  });

  it('an expired link says to refresh instead of opening anything', async () => {
    const open = jest.fn();
    Object.assign(Taro, { downloadFile: jest.fn(async () => ({ statusCode: 404, tempFilePath: '' })), openDocument: open });
    const toast = jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<InvoiceDetailPage />);
    const button = await screen.findByText('下载发票 PDF');
    await act(async () => {
      fireEvent.click(button);
    });
    expect(open).not.toHaveBeenCalled();
    expect(toast).toHaveBeenCalledWith({ title: '下载链接已过期，请下拉刷新后重试', icon: 'none' });
  });
});
