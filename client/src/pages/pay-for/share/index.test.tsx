import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { platformPay } from '../../../platform';
import { createdOrder, serve, sharedBill, TOKEN } from '../pay-for-fixtures';
import SharedBillPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

function openWith(token: string) {
  Current.router = { params: { token }, path: '/pages/pay-for/share/index', onReady: '', onHide: '', onShow: '' } as never;
}

describe('a shared bill’s pay page', () => {
  beforeEach(() => {
    requestMock.mockReset();
    openWith(TOKEN);
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows anyone with the link the amount, the holder masked and the district, and sends a visitor to sign in before paying', async () => {
    serve(requestMock, { [`/shares/${TOKEN}`]: () => sharedBill() });
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<SharedBillPage />);
    expect((await screen.findByText('¥84.00', { selector: '#share-amount' })).id).toBe('share-amount');
    expect(document.querySelector('#share-holder')!.textContent).toBe('吴*');
    expect(document.querySelector('#share-area')!.textContent).toBe('西湖区');
    expect(screen.getByText('2026年10月')).toBeTruthy();
    // Looked at without a session: the link works for anyone.
    expect(requestMock).toHaveBeenCalledWith(`/shares/${TOKEN}`, { anonymous: true });
    expect(document.querySelector('#share-pay')).toBeNull();
    fireEvent.click(screen.getByText('登录后代付'));
    expect(navigate).toHaveBeenCalledWith({ url: '/pages/auth/login/index' });
  });

  it('signed in, pays it with the payer’s own channel through the platform’s cashier', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    const pay = jest.fn(() => createdOrder(8400, [41, 42]));
    serve(requestMock, { [`/shares/${TOKEN}`]: () => sharedBill(), [`POST /shares/${TOKEN}/pay`]: pay });
    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    render(<SharedBillPage />);
    await screen.findByText('确认代付 ¥84.00');
    await act(async () => {
      fireEvent.click(document.querySelector('#share-pay')!);
    });
    await waitFor(() => expect(launch).toHaveBeenCalledWith({ kind: 'redirect', url: 'http://gateway.test/cashier/9' }));
    expect(pay).toHaveBeenCalledWith({ channel: 'alipay_wap', returnPath: '/#/pages/billing/confirm/index' });
  });

  it('paid by someone else meanwhile: the refusal brings the page up to date, in words', async () => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    let state = sharedBill();
    serve(requestMock, {
      [`/shares/${TOKEN}`]: () => state,
      [`POST /shares/${TOKEN}/pay`]: () => {
        state = sharedBill({ status: 'paid', bills: [], totalFen: 0 });
        throw new ApiError('SHARE_NOT_PAYABLE', '该账单已付款，无需再付', 409, { status: 'paid' });
      },
    });
    render(<SharedBillPage />);
    await screen.findByText('确认代付 ¥84.00');
    await act(async () => {
      fireEvent.click(document.querySelector('#share-pay')!);
    });
    expect(await screen.findByText('该账单已付款，无需再付')).toBeTruthy();
    expect(document.querySelector('#share-pay')).toBeNull();
  });

  it.each([
    ['paid', '该账单已付款，无需再付'],
    ['withdrawn', '分享人已撤回该账单，如需代付请联系分享人'],
    ['expired', '该分享已失效（超过7天或账单已变更），请联系分享人重新分享'],
  ] as const)('%s: the page says so in words and offers no payment', async (status, words) => {
    saveToken('tok', '2099-01-01T00:00:00Z');
    serve(requestMock, { [`/shares/${TOKEN}`]: () => sharedBill({ status, bills: [], totalFen: 0 }) });
    render(<SharedBillPage />);
    expect((await screen.findByText(words)).id).toBe('share-state');
    expect(document.querySelector('#share-hero')!.getAttribute('data-status')).toBe(status);
    expect(document.querySelector('#share-pay')).toBeNull();
    expect(document.querySelector('#share-signin')).toBeNull();
  });

  it('a cut-short link or one that is no share reads as an invalid link', async () => {
    openWith('AbCdEf');
    render(<SharedBillPage />);
    expect(await screen.findByText('链接无效：请让分享人重新发送完整的链接')).toBeTruthy();
    expect(requestMock).not.toHaveBeenCalled();
    cleanup();

    openWith('x'.repeat(32));
    serve(requestMock, {
      [`/shares/${'x'.repeat(32)}`]: () => {
        throw new ApiError('NOT_FOUND', 'none', 404);
      },
    });
    render(<SharedBillPage />);
    expect((await screen.findByText('链接无效：请让分享人重新发送完整的链接')).closest('#share-error')).toBeTruthy();
  });
});
