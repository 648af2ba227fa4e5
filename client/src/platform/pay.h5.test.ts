import { request } from '../api/request';
import { resetClientConfig } from '../api/client-config';
import { platformPay, resetPayOptions } from './pay.h5';
import { isWechatBrowser } from './wechat-browser';

jest.mock('../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

/**
 * The H5 site's payment in a phone browser and inside WeChat's browser (issue 23): WeChat's browser
 * pays by JSAPI under the official account through WeixinJSBridge, or, without one, says how to
 * pay instead of offering what cannot work there.
 */

const WECHAT_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323d) NetType/WIFI Language/zh_CN';
const SAFARI_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const params = { appId: 'wxmp', timeStamp: '1764100000', nonceStr: 'n0nce', package: 'prepay_id=wx26', signType: 'RSA' as const, paySign: 'c2ln' };

type Bridge = { invoke: jest.Mock };
const win = window as unknown as { WeixinJSBridge?: Bridge };

function browserIs(ua: string) {
  jest.spyOn(window.navigator, 'userAgent', 'get').mockReturnValue(ua);
}

beforeEach(() => {
  requestMock.mockReset();
  resetPayOptions();
  resetClientConfig();
});
afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
  delete win.WeixinJSBridge;
  window.history.replaceState(null, '', '/');
});

it('tells WeChat’s browser by its user agent', () => {
  expect(isWechatBrowser(WECHAT_UA)).toBe(true);
  expect(isWechatBrowser(SAFARI_UA)).toBe(false);
});

it('another browser: Alipay and WeChat H5 at once, without asking the server', async () => {
  browserIs(SAFARI_UA);
  expect(platformPay.knownOptions()?.channels.map((c) => c.channel)).toEqual(['alipay_wap', 'wechat_h5']);
  await expect(platformPay.loadOptions()).resolves.toMatchObject({ notice: null });
  expect(requestMock).not.toHaveBeenCalled();
  await expect(platformPay.launch({ kind: 'requestPayment', params })).rejects.toThrow();
});

it('WeChat’s browser with an official account: WeChat Pay (JSAPI) only, once the server said so', async () => {
  browserIs(WECHAT_UA);
  requestMock.mockResolvedValue({ wechatOfficialAccount: true });
  expect(platformPay.knownOptions()).toBeNull();
  const options = await platformPay.loadOptions();
  expect(options.channels).toEqual([{ channel: 'wechat_mp_jsapi', name: '微信支付' }]);
  expect(requestMock).toHaveBeenCalledWith('/client-config', { anonymous: true });
  expect(platformPay.knownOptions()).toBe(options);
});

it('WeChat’s browser without one: nothing offered, and it says how to pay', async () => {
  browserIs(WECHAT_UA);
  requestMock.mockResolvedValue({ wechatOfficialAccount: false });
  const options = await platformPay.loadOptions();
  expect(options.channels).toEqual([]);
  expect(options.notice).toContain('小程序');
  expect(options.notice).toContain('在浏览器中打开');
  expect(options.notice).not.toContain('undefined');
});

it('WeChat’s cashier through WeixinJSBridge: the signed parameters as given; ok is "returned", cancel and fail "cancelled"', async () => {
  browserIs(WECHAT_UA);
  const answers = ['get_brand_wcpay_request:ok', 'get_brand_wcpay_request:cancel', 'get_brand_wcpay_request:fail'];
  win.WeixinJSBridge = { invoke: jest.fn((_api, _p, cb: (r: { err_msg: string }) => void) => cb({ err_msg: answers.shift()! })) };
  await expect(platformPay.launch({ kind: 'requestPayment', params })).resolves.toBe('returned');
  expect(win.WeixinJSBridge.invoke).toHaveBeenCalledWith('getBrandWCPayRequest', params, expect.any(Function));
  await expect(platformPay.launch({ kind: 'requestPayment', params })).resolves.toBe('cancelled');
  await expect(platformPay.launch({ kind: 'requestPayment', params })).resolves.toBe('cancelled');
});

it('waits for WeixinJSBridgeReady when the bridge is not there yet, and gives up after a while', async () => {
  browserIs(WECHAT_UA);
  const launched = platformPay.launch({ kind: 'requestPayment', params });
  win.WeixinJSBridge = { invoke: jest.fn((_api, _p, cb: (r: { err_msg: string }) => void) => cb({ err_msg: 'get_brand_wcpay_request:ok' })) };
  document.dispatchEvent(new Event('WeixinJSBridgeReady'));
  await expect(launched).resolves.toBe('returned');

  delete win.WeixinJSBridge;
  jest.useFakeTimers();
  const never = platformPay.launch({ kind: 'requestPayment', params });
  await jest.advanceTimersByTimeAsync(10_000);
  await expect(never).resolves.toBe('cancelled');
});

it('reads how the browser came back, and forgets the OAuth code so a reload cannot send it again', () => {
  window.history.replaceState(null, '', '/?paymentId=12&via=oauth&code=C0DE&state=s7#/pages/billing/confirm/index?from=x');
  expect(platformPay.returned()).toEqual({ paymentId: 12, via: 'oauth', oauth: { code: 'C0DE', state: 's7' } });
  platformPay.forgetReturnCode();
  expect(window.location.search).toBe('?paymentId=12&via=oauth');
  expect(window.location.hash).toBe('#/pages/billing/confirm/index?from=x');
  expect(platformPay.returned()).toEqual({ paymentId: 12, via: 'oauth', oauth: null });

  window.history.replaceState(null, '', '/?paymentId=13&via=quit');
  expect(platformPay.returned()).toEqual({ paymentId: 13, via: 'quit', oauth: null });
  window.history.replaceState(null, '', '/?paymentId=14&out_trade_no=OH1&via=elsewhere');
  expect(platformPay.returned()).toEqual({ paymentId: 14, via: null, oauth: null });
  window.history.replaceState(null, '', '/?paymentId=abc');
  expect(platformPay.returned()).toBeNull();
});
