import type { CreatePaymentResult, PaymentOrderView } from '@openhall/shared';
import { act, fireEvent, render } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { platformPay } from '../../../platform';
import PaymentConfirmPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

/**
 * Back on the confirming page without a payment (issue 23): the cashier left (Alipay's quit
 * address), WeChat H5's return that says nothing, WeChat's cashier cancelled after the official
 * account's OAuth, or an open order that held the bills. The subscriber goes on with the same order
 * or cancels it and chooses another way at once; nothing waits 15 minutes.
 */

function orderWith(over: Partial<PaymentOrderView> = {}): PaymentOrderView {
  return {
    id: 77,
    outTradeNo: 'OH20261126000001',
    kind: 'bills',
    channel: 'alipay_wap',
    status: 'created',
    amountFen: 11663,
    description: '城市水务账单缴费 2026-09,2026-10',
    expiresAt: '2026-11-26T01:00:00Z',
    paidAt: null,
    refundedFen: 0,
    billIds: [10],
    closeUnconfirmed: false,
    createdAt: '2026-11-26T00:45:00Z',
    ...over,
  };
}

const params = { appId: 'wxmp', timeStamp: '1', nonceStr: 'n', package: 'prepay_id=wx1', signType: 'RSA' as const, paySign: 's' };

/** Routes each API call: GET and POSTs of /payments/77, everything else unexpected. */
function serve(handlers: { get?: () => PaymentOrderView; pay?: (body: Record<string, unknown>) => CreatePaymentResult | Promise<CreatePaymentResult>; close?: () => PaymentOrderView }) {
  requestMock.mockImplementation(async (path: string, options?: { method?: string; data?: Record<string, unknown> }) => {
    if (path === '/payments/77' && !options?.method) return handlers.get!();
    if (path === '/payments/77/pay') return handlers.pay!(options!.data!);
    if (path === '/payments/77/close') return handlers.close!();
    if (path.startsWith('/invoices/orders/')) return null;
    throw new Error(`unexpected ${options?.method ?? 'GET'} ${path}`);
  });
}

async function pass(ms: number) {
  await act(async () => {
    await jest.advanceTimersByTimeAsync(ms);
  });
}

const title = () => document.querySelector('#pay-result-title')!.textContent;
const button = (id: string) => document.querySelector(`#${id}`) as HTMLElement | null;
const calls = (path: string) => requestMock.mock.calls.filter((c) => c[0] === path);

/**
 * The browser as an H5 cashier or the OAuth sent it back: `search` before the hash route; order 77
 * was paid from `payingPage` (what the paying page remembered before the browser left).
 */
function backAt(search: string, payingPage = '/pages/billing/detail/index?id=10', route = '/pages/billing/confirm/index') {
  window.history.replaceState(null, '', `/${search}#${route}`);
  const [path, query] = route.split('?');
  Current.router = { params: Object.fromEntries(new URLSearchParams(query)), path, onReady: '', onHide: '', onShow: '' } as never;
  Taro.setStorageSync('openhall.payingPages', { 77: payingPage });
}

describe('back at the confirming page without a payment', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    window.history.replaceState(null, '', '/');
  });

  it('Alipay’s quit address: asks once, then offers 继续支付 and 取消订单 instead of waiting', async () => {
    backAt('?paymentId=77&via=quit');
    serve({ get: () => orderWith() });
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('支付未完成');
    expect(document.querySelector('#pay-result-hint')!.textContent).toBe('订单保留至 11月26日 09:00，可继续支付这笔订单，或取消订单后换一种方式支付');
    expect(calls('/payments/77')).toEqual([['/payments/77', { data: { refresh: 'true' } }]]);
    expect(button('pay-continue')).toBeTruthy();
    expect(button('pay-cancel')!.textContent).toBe('取消订单，换种方式支付');
    // No "请勿重复支付" wait: nothing more is asked.
    await pass(30_000);
    expect(calls('/payments/77')).toHaveLength(1);
  });

  it('继续支付 goes on with the same order: the server’s new pay action goes to the cashier, returning here', async () => {
    backAt('?paymentId=77&via=quit');
    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('left');
    const action = { kind: 'redirect' as const, url: 'http://pay.example/gateway.do?x' };
    const pay = jest.fn(() => ({ order: orderWith(), pay: action }));
    serve({ get: () => orderWith(), pay });
    render(<PaymentConfirmPage />);
    await pass(0);
    fireEvent.click(button('pay-continue')!);
    await pass(0);
    expect(pay).toHaveBeenCalledWith({ returnPath: '/#/pages/billing/confirm/index' });
    expect(launch).toHaveBeenCalledWith(action);
    expect(title()).toBe('正在发起支付…');
  });

  it('取消订单，换种方式支付: closed at the gateway, back to the page paid from at once', async () => {
    backAt('?paymentId=77&via=quit');
    const redirect = jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    const toast = jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    serve({ get: () => orderWith(), close: () => orderWith({ status: 'closed' }) });
    render(<PaymentConfirmPage />);
    await pass(0);
    fireEvent.click(button('pay-cancel')!);
    await pass(0);
    expect(calls('/payments/77/close')).toHaveLength(1);
    expect(toast).toHaveBeenCalledWith({ title: '订单已取消，未扣款', icon: 'none' });
    expect(redirect).toHaveBeenCalledWith({ url: '/pages/billing/detail/index?id=10' });
  });

  it('cancelling an order that was paid after all shows it paid; one closed only here says what happens to the money; the bills tab opens as a tab', async () => {
    backAt('?paymentId=77&via=quit');
    serve({ get: () => orderWith(), close: () => orderWith({ status: 'paid', paidAt: '2026-11-26T00:50:00Z' }) });
    const paid = render(<PaymentConfirmPage />);
    await pass(0);
    fireEvent.click(button('pay-cancel')!);
    await pass(0);
    expect(title()).toBe('支付成功');
    paid.unmount();

    backAt('?paymentId=77&via=quit', '/pages/bills/index');
    const tab = jest.spyOn(Taro, 'switchTab').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    serve({ get: () => orderWith(), close: () => orderWith({ status: 'closed', closeUnconfirmed: true }) });
    render(<PaymentConfirmPage />);
    await pass(0);
    fireEvent.click(button('pay-cancel')!);
    await pass(0);
    expect(title()).toBe('订单已关闭');
    expect(document.querySelector('#pay-result-hint')!.textContent).toContain('自动原路退回');
    expect(tab).not.toHaveBeenCalled();
    fireEvent.click(button('pay-choose-again')!);
    expect(tab).toHaveBeenCalledWith({ url: '/pages/bills/index' });
  });

  it('WeChat H5’s return says nothing: asks the subscriber, and 已完成支付 waits for the server', async () => {
    backAt('?paymentId=77&via=wechat');
    let paid = false;
    serve({ get: () => (paid ? orderWith({ status: 'paid', channel: 'wechat_h5' }) : orderWith({ channel: 'wechat_h5' })) });
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('请确认微信支付是否已完成');
    expect(button('pay-check')!.textContent).toBe('已完成支付');
    expect(button('pay-continue')).toBeTruthy();
    paid = true;
    fireEvent.click(button('pay-check')!);
    await pass(0);
    expect(title()).toBe('支付成功');
  });

  it('back from the official account’s OAuth: the code goes to the server once and out of the address; WeChat’s cashier paid → waits for the server', async () => {
    backAt('?paymentId=77&via=oauth&code=C0DE123&state=abc123');
    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('returned');
    const pay = jest.fn(() => ({ order: orderWith({ channel: 'wechat_mp_jsapi' }), pay: { kind: 'requestPayment' as const, params } }));
    let n = 0;
    serve({ get: () => (++n >= 2 ? orderWith({ channel: 'wechat_mp_jsapi', status: 'paid' }) : orderWith({ channel: 'wechat_mp_jsapi' })), pay });
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(pay).toHaveBeenCalledWith({ returnPath: '/#/pages/billing/confirm/index', oauthCode: 'C0DE123', oauthState: 'abc123' });
    expect(window.location.search).toBe('?paymentId=77&via=oauth');
    expect(launch).toHaveBeenCalledWith({ kind: 'requestPayment', params });
    await pass(2000);
    expect(title()).toBe('支付成功');
    expect(pay).toHaveBeenCalledTimes(1);
  });

  it('WeChat’s cashier cancelled: 支付未完成; 继续支付 needs no new authorization', async () => {
    backAt('?paymentId=77&via=oauth&code=C0DE123&state=abc123');
    const launch = jest.spyOn(platformPay, 'launch').mockResolvedValue('cancelled');
    const pay = jest.fn(() => ({ order: orderWith({ channel: 'wechat_mp_jsapi' }), pay: { kind: 'requestPayment' as const, params } }));
    serve({ get: () => orderWith({ channel: 'wechat_mp_jsapi' }), pay });
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('支付未完成');
    fireEvent.click(button('pay-continue')!);
    await pass(0);
    expect(pay).toHaveBeenLastCalledWith({ returnPath: '/#/pages/billing/confirm/index' });
    expect(launch).toHaveBeenCalledTimes(2);
  });

  it('a used OAuth code: says so and offers 继续支付 (a new authorization)', async () => {
    backAt('?paymentId=77&via=oauth&code=C0DE123&state=abc123');
    serve({
      get: () => orderWith({ channel: 'wechat_mp_jsapi' }),
      pay: () => Promise.reject(new ApiError('WECHAT_OAUTH_CODE_INVALID', 'used', 400)),
    });
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('支付未完成');
    expect(document.querySelector('#pay-action-error')!.textContent).toBe('微信授权已失效，请点“继续支付”重新发起');
    expect(button('pay-continue')).toBeTruthy();
  });

  it('going on with an order that was paid (or closed) meanwhile shows what it is now', async () => {
    backAt('?paymentId=77&via=quit');
    let status: PaymentOrderView['status'] = 'created';
    serve({ get: () => orderWith({ status }), pay: () => Promise.reject(new ApiError('ORDER_NOT_PAYABLE', '订单已支付', 409)) });
    render(<PaymentConfirmPage />);
    await pass(0);
    status = 'paid';
    fireEvent.click(button('pay-continue')!);
    await pass(0);
    expect(title()).toBe('支付成功');
  });

  it('no result within a minute: 继续支付 and 取消订单 beside 再查一次', async () => {
    backAt('');
    Current.router = { params: { paymentId: '77' }, path: '/pages/billing/confirm/index', onReady: '', onHide: '', onShow: '' } as never;
    serve({ get: () => orderWith() });
    render(<PaymentConfirmPage />);
    await pass(61_000);
    expect(title()).toBe('暂未收到支付结果');
    expect(button('pay-retry')).toBeTruthy();
    expect(button('pay-continue')).toBeTruthy();
    expect(button('pay-cancel')).toBeTruthy();
  });

  it('sent to an open order that held the bills: names it and offers the same choice', async () => {
    backAt('');
    Current.router = { params: { paymentId: '77', via: 'open' }, path: '/pages/billing/confirm/index', onReady: '', onHide: '', onShow: '' } as never;
    serve({ get: () => orderWith() });
    render(<PaymentConfirmPage />);
    await pass(0);
    expect(title()).toBe('您有一笔待支付的订单');
    expect(button('pay-continue')).toBeTruthy();
  });
});
