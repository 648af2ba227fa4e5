import type { CreatePaymentResult, PaymentOrderView } from '@openhall/shared';
import { act, render, renderHook, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { resetClientConfig } from '../api/client-config';
import { ApiError, errorMessageOf } from '../api/errors';
import { request } from '../api/request';
import PayChannelPicker from '../components/pay-channel-picker';
import { platformPay as weappPay } from '../platform/pay.weapp';
import { resetPayOptions } from '../platform/pay.h5';
import { platformPay } from '../platform';
import { payingPageOf, usePayment } from './payment';

jest.mock('../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const order = { id: 42, status: 'created' } as PaymentOrderView;
const params = { appId: 'wx1', timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p', signType: 'RSA' as const, paySign: 's' };
const created: CreatePaymentResult = { order, pay: { kind: 'requestPayment', params } };

describe('mini-program payment', () => {
  afterEach(() => jest.restoreAllMocks());

  it('hands the server-signed parameters to requestPayment; success is only "returned", failure "cancelled"', async () => {
    const requestPayment = jest
      .spyOn(Taro, 'requestPayment')
      .mockResolvedValueOnce({ errMsg: 'requestPayment:ok' } as never)
      .mockRejectedValueOnce({ errMsg: 'requestPayment:fail cancel' });
    await expect(weappPay.launch(created.pay)).resolves.toBe('returned');
    expect(requestPayment).toHaveBeenCalledWith(params);
    await expect(weappPay.launch(created.pay)).resolves.toBe('cancelled');
    await expect(weappPay.launch({ kind: 'redirect', url: 'http://x' })).rejects.toThrow();
    expect(weappPay.knownOptions()?.channels.map((c) => c.channel)).toEqual(['wechat_jsapi']);
  });
});

describe('usePayment', () => {
  beforeEach(() => {
    requestMock.mockReset();
    jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('goes to the confirming page after the cashier returns, whatever the cashier said', async () => {
    jest.spyOn(platformPay, 'launch').mockResolvedValue('returned');
    const { result } = renderHook(() => usePayment());
    await act(() => result.current.pay(async () => created));
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/billing/confirm/index?paymentId=42' });
  });

  it('carries the caller’s query to the confirming page, ahead of the order id', async () => {
    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('returned');
    const create = jest.fn(async (_channel: string, _returnPath: string | undefined) => created);
    const { result } = renderHook(() => usePayment());
    await act(() => result.current.pay(create, { subscriptionId: 3 }));
    expect(create).toHaveBeenCalledWith('alipay_wap', '/#/pages/billing/confirm/index?subscriptionId=3');
    expect(launch).toHaveBeenCalledWith(created.pay);
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/billing/confirm/index?subscriptionId=3&paymentId=42' });
  });

  it('gives up an order whose cashier was closed, so its bills are free again, and stays', async () => {
    jest.spyOn(platformPay, 'launch').mockResolvedValue('cancelled');
    requestMock.mockResolvedValue({ ...order, status: 'closed' });
    const { result } = renderHook(() => usePayment());
    await act(() => result.current.pay(async () => created));
    expect(requestMock).toHaveBeenCalledWith('/payments/42/close', { method: 'POST' });
    expect(Taro.navigateTo).not.toHaveBeenCalled();
    expect(Taro.showToast).toHaveBeenCalled();
  });

  it('still confirms when the server finds the "cancelled" order paid after all', async () => {
    jest.spyOn(platformPay, 'launch').mockResolvedValue('cancelled');
    requestMock.mockResolvedValue({ ...order, status: 'paid' });
    const { result } = renderHook(() => usePayment());
    await act(() => result.current.pay(async () => created));
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/billing/confirm/index?paymentId=42' });
  });
});

describe('usePayment: what can pay here, and open orders', () => {
  const WECHAT_UA = 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.50.2600';
  beforeEach(() => {
    requestMock.mockReset();
    resetPayOptions();
    resetClientConfig();
    jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    Current.router = null;
  });

  it('in WeChat’s browser without an official account: the picker says how to pay, and paying sends nothing', async () => {
    jest.spyOn(window.navigator, 'userAgent', 'get').mockReturnValue(WECHAT_UA);
    requestMock.mockResolvedValue({ wechatOfficialAccount: false });
    render(<PayChannelPicker value="alipay_wap" onChange={() => undefined} />);
    expect((await screen.findByText(/在浏览器中打开/)).id).toBe('pay-channels-notice');
    expect(document.querySelector('#pay-channel-alipay_wap')).toBeNull();
    expect(document.querySelector('#pay-channel-wechat_h5')).toBeNull();

    const { result } = renderHook(() => usePayment());
    await waitFor(() => expect(result.current.available).toBe(false));
    const create = jest.fn(async () => created);
    await act(() => result.current.pay(create));
    expect(create).not.toHaveBeenCalled();
    expect(errorMessageOf(result.current.error)).toContain('在浏览器中打开');
  });

  it('in WeChat’s browser with one: WeChat Pay (JSAPI) is the channel, and its OAuth redirect is followed', async () => {
    jest.spyOn(window.navigator, 'userAgent', 'get').mockReturnValue(WECHAT_UA);
    requestMock.mockResolvedValue({ wechatOfficialAccount: true });
    render(<PayChannelPicker value="wechat_mp_jsapi" onChange={() => undefined} />);
    await waitFor(() => expect(document.querySelector('#pay-channel-wechat_mp_jsapi')).toBeTruthy());
    expect(document.querySelector('#pay-channel-alipay_wap')).toBeNull();

    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    const { result } = renderHook(() => usePayment());
    await waitFor(() => expect(result.current.channel).toBe('wechat_mp_jsapi'));
    const create = jest.fn(async () => ({ order, pay: { kind: 'redirect' as const, url: 'https://open.weixin.qq.com/connect/oauth2/authorize?x#wechat_redirect' } }));
    await act(() => result.current.pay(create));
    expect(create).toHaveBeenCalledWith('wechat_mp_jsapi', '/#/pages/billing/confirm/index');
    expect(launch).toHaveBeenCalledWith({ kind: 'redirect', url: 'https://open.weixin.qq.com/connect/oauth2/authorize?x#wechat_redirect' });
  });

  it('bills held by the user’s own open order lead to that order (to go on or cancel); someone else’s order leaves the refusal', async () => {
    Current.router = { params: { token: 'T0k' }, path: '/pages/pay-for/share/index', onReady: '', onHide: '', onShow: '' } as never;
    const held = new ApiError('BILL_IN_OPEN_ORDER', 'held', 409, { billIds: [3], orderIds: [55] });
    requestMock.mockResolvedValueOnce({ ...order, id: 55, status: 'created' });
    const { result } = renderHook(() => usePayment());
    await act(() => result.current.pay(() => Promise.reject(held)));
    expect(requestMock).toHaveBeenCalledWith('/payments/55', { data: undefined });
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/billing/confirm/index?paymentId=55&via=open' });
    expect(result.current.error).toBeNull();
    // Cancelling it there leads back here, to pay another way.
    expect(payingPageOf(55)).toBe('/pages/pay-for/share/index?token=T0k');

    (Taro.navigateTo as jest.Mock).mockClear();
    requestMock.mockRejectedValueOnce(new ApiError('NOT_FOUND', 'not yours', 404));
    await act(() => result.current.pay(() => Promise.reject(held)));
    expect(Taro.navigateTo).not.toHaveBeenCalled();
    expect(result.current.error).toBe(held);
  });
});
