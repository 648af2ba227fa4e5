import { act, fireEvent, render, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { prepaidAccount, prepaidView, serve } from '../prepaid-fixtures';
import TopUpPage from './index';

// The top-up page as the mini-program builds it: WeChat Pay JSAPI through requestPayment (pay.weapp.ts).
jest.mock('../../../platform/pay', () => jest.requireActual('../../../platform/pay.weapp'));
jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const params = { appId: 'wx1', timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p', signType: 'RSA' as const, paySign: 's' };

describe('top-up in the mini-program', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { id: '3' }, path: '/pages/prepaid/topup/index', onReady: '', onHide: '', onShow: '' } as never;
  });
  afterEach(() => jest.restoreAllMocks());

  it('offers WeChat Pay only, hands the signed parameters to requestPayment, then confirms with the server for this account', async () => {
    const create = jest.fn(() => ({ order: { id: 88, status: 'created' }, pay: { kind: 'requestPayment', params } }));
    serve(requestMock, { '/accounts': () => [prepaidAccount], '/accounts/3/prepaid': () => prepaidView(), 'POST /accounts/3/top-ups': create });
    const requestPayment = jest.spyOn(Taro, 'requestPayment').mockResolvedValue({ errMsg: 'requestPayment:ok' } as never);
    const navigate = jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    render(<TopUpPage />);
    await waitFor(() => expect(document.querySelector('#topup-preset-10000')).toBeTruthy());
    expect([...document.querySelectorAll('#pay-channels .chips__item')].map((c) => c.textContent)).toEqual(['微信支付']);

    fireEvent.click(document.querySelector('#topup-preset-10000')!);
    await act(async () => {
      fireEvent.click(document.querySelector('#topup-pay')!);
    });
    await waitFor(() => expect(navigate).toHaveBeenCalledWith({ url: '/pages/billing/confirm/index?accountId=3&paymentId=88' }));
    // No return path: nothing leaves the mini-program.
    expect(create).toHaveBeenCalledWith({ amountFen: 10000, channel: 'wechat_jsapi', returnPath: undefined }, 'POST');
    expect(requestPayment).toHaveBeenCalledWith(params);
  });
});
