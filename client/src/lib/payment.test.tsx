import type { CreatePaymentResult, PaymentOrderView } from '@openhall/shared';
import { act, renderHook } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../api/request';
import { platformPay as weappPay } from '../platform/pay.weapp';
import { platformPay } from '../platform';
import { usePayment } from './payment';

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
    expect(weappPay.channels.map((c) => c.channel)).toEqual(['wechat_jsapi']);
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
