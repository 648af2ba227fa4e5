import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { COMPANY, invoiceView, orderView, serve } from '../invoice-fixtures';
import InvoiceRequestPage from './index';

// The request page as the mini-program builds it: titles can come from WeChat's own (invoice-title.weapp.ts).
jest.mock('../../../platform/invoice-title', () => jest.requireActual('../../../platform/invoice-title.weapp'));
jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const value = (id: string) => (document.querySelector(`#${id} input`) as HTMLInputElement | null)?.value;

describe('asking for an invoice in the mini-program', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { orderId: '77' }, path: '/pages/invoices/request/index', onReady: '', onHide: '', onShow: '' } as never;
  });
  afterEach(() => jest.restoreAllMocks());

  it('fills a company title from WeChat’s saved titles (chooseInvoiceTitle) and sends it', async () => {
    const post = jest.fn(() => ({ invoice: invoiceView({ id: 12 }), created: true }));
    serve(requestMock, { '/invoices/orders/77': () => orderView(), '/invoice-titles': () => [], 'POST /invoices': post });
    Object.assign(Taro, {
      chooseInvoiceTitle: jest.fn(async () => ({ type: '0', title: COMPANY.name, taxNumber: COMPANY.taxNo, companyAddress: '', telephone: '', bankName: '', bankAccount: '', errMsg: 'chooseInvoiceTitle:ok' })),
    });
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<InvoiceRequestPage />);
    const button = await screen.findByText('从微信选择抬头');
    await act(async () => {
      fireEvent.click(button);
    });
    await waitFor(() => expect(value('invoice-tax-no')).toBe(COMPANY.taxNo));
    expect(value('invoice-name')).toBe(COMPANY.name);
    expect(document.querySelector('#invoice-kind-company')!.className).toContain('chips__item--on');
    await act(async () => {
      fireEvent.click(document.querySelector('#invoice-submit')!);
    });
    expect(post).toHaveBeenCalledWith(expect.objectContaining({ title: { kind: 'company', name: COMPANY.name, taxNo: COMPANY.taxNo } }));
  });

  it('a closed picker changes nothing; a refused permission says what to do', async () => {
    serve(requestMock, { '/invoices/orders/77': () => orderView(), '/invoice-titles': () => [] });
    const choose = jest.fn().mockRejectedValueOnce({ errMsg: 'chooseInvoiceTitle:fail cancel' }).mockRejectedValueOnce({ errMsg: 'chooseInvoiceTitle:fail auth deny' });
    Object.assign(Taro, { chooseInvoiceTitle: choose });
    const toast = jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<InvoiceRequestPage />);
    const button = await screen.findByText('从微信选择抬头');
    await act(async () => {
      fireEvent.click(button);
    });
    expect(toast).not.toHaveBeenCalled();
    await act(async () => {
      fireEvent.click(button);
    });
    expect(toast).toHaveBeenCalledWith({ title: expect.stringContaining('未允许读取微信发票抬头'), icon: 'none' });
  });
});
