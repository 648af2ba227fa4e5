import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { COMPANY, invoiceView, orderView, savedTitle, serve } from '../invoice-fixtures';
import InvoiceRequestPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

/** Types into a Taro <Input> (its inner <input> appears asynchronously on H5). */
async function type(id: string, value: string) {
  const input = await waitFor(() => {
    const el = document.querySelector(`#${id} input`) as HTMLInputElement | null;
    if (!el) throw new Error(`no ${id} yet`);
    return el;
  });
  fireEvent.input(input, { target: { value } });
}

async function submit() {
  await act(async () => {
    fireEvent.click(document.querySelector('#invoice-submit')!);
  });
}

describe('asking for an electronic invoice', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { orderId: '77' }, path: '/pages/invoices/request/index', onReady: '', onHide: '', onShow: '' } as never;
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows what the invoice is for; a wrong credit code is named beside the field and nothing is sent; fixed, it is sent upper-cased and opens the invoice', async () => {
    const post = jest.fn(() => ({ invoice: invoiceView({ id: 12, state: 'requested', stateName: '申请中' }), created: true }));
    serve(requestMock, { '/invoices/orders/77': () => orderView(), '/invoice-titles': () => [], 'POST /invoices': post });
    const redirect = jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<InvoiceRequestPage />);
    expect((await screen.findByText('¥38.50')).id).toBe('invoice-amount');
    expect(screen.getByText('水费 2026年10月')).toBeTruthy();

    fireEvent.click(document.querySelector('#invoice-kind-company')!);
    await type('invoice-name', COMPANY.name);
    await type('invoice-tax-no', '9144030071526726XH');
    await submit();
    expect(document.querySelector('#invoice-tax-no-error')!.textContent).toBe('统一社会信用代码校验不通过，请核对后重新输入');
    expect(post).not.toHaveBeenCalled();

    await type('invoice-tax-no', '9144030071526726xg');
    await type('invoice-email', 'finance@example.com');
    await submit();
    expect(post).toHaveBeenCalledWith({ orderId: 77, title: { kind: 'company', name: COMPANY.name, taxNo: COMPANY.taxNo }, email: 'finance@example.com', saveTitle: true });
    expect(redirect).toHaveBeenCalledWith({ url: '/pages/invoices/detail/index?id=12' });
  });

  it('a saved title fills the form in one tap; a person’s title needs no tax number', async () => {
    const post = jest.fn(() => ({ invoice: invoiceView({ id: 13 }), created: true }));
    serve(requestMock, {
      '/invoices/orders/77': () => orderView(),
      '/invoice-titles': () => [savedTitle(), savedTitle({ id: 4, kind: 'personal', name: '张三', taxNo: null, email: null })],
      'POST /invoices': post,
    });
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<InvoiceRequestPage />);
    // Personal first: only the person's saved title is offered.
    await screen.findByText('张三');
    expect(screen.queryByText(COMPANY.name)).toBeNull();
    expect(document.querySelector('#invoice-tax-no')).toBeNull();
    fireEvent.click(document.querySelector('#invoice-kind-company')!);
    await waitFor(() => expect(document.querySelector('#invoice-tax-no input')).toBeTruthy());
    fireEvent.click(screen.getByText(COMPANY.name));
    await waitFor(() => expect((document.querySelector('#invoice-tax-no input') as HTMLInputElement).value).toBe(COMPANY.taxNo));
    expect((document.querySelector('#invoice-email input') as HTMLInputElement).value).toBe('finance@example.com');
    await submit();
    expect(post).toHaveBeenCalledWith(expect.objectContaining({ title: { kind: 'company', name: COMPANY.name, taxNo: COMPANY.taxNo } }));
  });

  it('an order that already has its invoice shows it instead of the form; a refunded one says why there is none', async () => {
    serve(requestMock, { '/invoices/orders/77': () => orderView({ invoice: { id: 5, state: 'issued', stateName: '已开具' } }), '/invoice-titles': () => [] });
    const { unmount } = render(<InvoiceRequestPage />);
    expect((await screen.findByText('已开具')).closest('#invoice-existing')).toBeTruthy();
    expect(document.querySelector('#invoice-submit')).toBeNull();
    unmount();

    serve(requestMock, { '/invoices/orders/77': () => orderView({ status: 'refunded', amountFen: 0, invoiceable: false }), '/invoice-titles': () => [] });
    render(<InvoiceRequestPage />);
    expect((await screen.findByText('订单已全额退款，无需开具发票')).id).toBe('invoice-unavailable');
  });

  it('an order paid by someone else is not the user’s: says the payer asks for it', async () => {
    serve(requestMock, {
      '/invoices/orders/77': () => {
        throw new ApiError('NOT_FOUND', 'no', 404);
      },
      '/invoice-titles': () => [],
    });
    render(<InvoiceRequestPage />);
    expect((await screen.findByText(/电子发票由付款人申请/)).id).toBe('invoice-not-mine');
  });

  it('what the server refuses is shown: a field it names beside the field, a state in its own words', async () => {
    let answer: ApiError = new ApiError('VALIDATION_FAILED', '请求参数有误', 400, { issues: [{ path: 'body.title.name', message: '发票抬头不能超过100个字' }] });
    serve(requestMock, {
      '/invoices/orders/77': () => orderView(),
      '/invoice-titles': () => [],
      'POST /invoices': () => {
        throw answer;
      },
    });
    render(<InvoiceRequestPage />);
    await type('invoice-name', '张三');
    await submit();
    expect(document.querySelector('#invoice-name-error')!.textContent).toBe('发票抬头不能超过100个字');
    answer = new ApiError('INVOICE_EXISTS', '该订单已申请发票（抬头：李四），同一笔支付只能开具一张发票；如需更换抬头请联系客服', 409);
    await type('invoice-name', '张三丰');
    await submit();
    expect(document.querySelector('#invoice-problem')!.textContent).toContain('抬头：李四');
  });
});
