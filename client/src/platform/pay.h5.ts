import type { PaymentAction, PaymentReturnVia } from '@openhall/shared';
import { getClientConfig } from '../api/client-config';
import type { PayLaunchOutcome, PayOptions, PayReturn, PlatformPay } from './types';
import { isWechatBrowser } from './wechat-browser';

/** Any phone browser but WeChat's: the gateways' own cashiers, Alipay WAP and WeChat Pay H5. */
const BROWSER: PayOptions = {
  channels: [
    { channel: 'alipay_wap', name: '支付宝' },
    { channel: 'wechat_h5', name: '微信支付' },
  ],
  notice: null,
};

/** WeChat's browser with an official account: WeChat Pay JSAPI under it, after its silent OAuth. */
const IN_WECHAT: PayOptions = { channels: [{ channel: 'wechat_mp_jsapi', name: '微信支付' }], notice: null };

/** WeChat's browser without one: nothing here can pay (WeChat H5 pay is for other browsers, Alipay is blocked). */
const IN_WECHAT_UNAVAILABLE: PayOptions = {
  channels: [],
  notice: '微信内无法在网页中完成支付。请在「网上营业厅」小程序中缴费，或点右上角“…”选择“在浏览器中打开”后，用支付宝或微信支付。',
};

const CONFIG_UNKNOWN: PayOptions = { channels: [], notice: '暂时无法获取支付方式，请检查网络后重新进入本页' };

let wechatOptions: PayOptions | null = null;

const VIA: readonly PaymentReturnVia[] = ['quit', 'wechat', 'oauth'];

/** How long to wait for WeChat's bridge to appear before giving up on the cashier. */
const BRIDGE_WAIT_MS = 10_000;

interface WeixinJSBridge {
  invoke(api: 'getBrandWCPayRequest', params: Record<string, string>, callback: (res: { err_msg?: string }) => void): void;
}

/**
 * WeChat's own cashier in its browser: `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` with the
 * server-signed parameters (the bridge may only be ready after `WeixinJSBridgeReady`). `:ok` is only
 * a hint that the user paid; `:cancel` and `:fail` alike mean nothing was confirmed here.
 */
function payInWechat(params: Record<string, string>): Promise<PayLaunchOutcome> {
  const w = window as unknown as { WeixinJSBridge?: WeixinJSBridge };
  return new Promise((resolve) => {
    const run = () =>
      w.WeixinJSBridge!.invoke('getBrandWCPayRequest', params, (res) => {
        resolve(res?.err_msg === 'get_brand_wcpay_request:ok' ? 'returned' : 'cancelled');
      });
    if (w.WeixinJSBridge) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      document.removeEventListener('WeixinJSBridgeReady', ready);
      resolve('cancelled');
    }, BRIDGE_WAIT_MS);
    const ready = () => {
      clearTimeout(timer);
      run();
    };
    document.addEventListener('WeixinJSBridgeReady', ready, { once: true });
  });
}

/**
 * H5: in a phone browser, the gateway's own cashier, Alipay WAP (the signed gateway URL) or WeChat
 * H5 (its h5_url); either sends the browser back to `returnPath` with `?paymentId=` (and `via`).
 * Inside WeChat's browser, WeChat Pay JSAPI under the official account: the order's pay action
 * first sends the browser through the official account's OAuth, which comes back to the confirming
 * page; there WeChat's bridge takes the signed parameters. Without an official account nothing is
 * offered there, and the options say how to pay instead.
 */
export const platformPay: PlatformPay = {
  knownOptions() {
    return isWechatBrowser() ? wechatOptions : BROWSER;
  },
  async loadOptions() {
    if (!isWechatBrowser()) return BROWSER;
    if (wechatOptions) return wechatOptions;
    try {
      const config = await getClientConfig();
      wechatOptions = config.wechatOfficialAccount ? IN_WECHAT : IN_WECHAT_UNAVAILABLE;
      return wechatOptions;
    } catch {
      return CONFIG_UNKNOWN;
    }
  },
  // The site uses the hash router: the gateway comes back to the document root and the route is
  // in the fragment. The server puts `?paymentId=` in the query, before the fragment.
  returnPathFor: (pagePath) => `/#${pagePath}`,
  async launch(action: PaymentAction) {
    if (action.kind === 'redirect') {
      window.location.assign(action.url);
      return 'left';
    }
    if (!isWechatBrowser()) throw new Error('only WeChat’s browser can take JSAPI payment parameters');
    return payInWechat({ ...action.params });
  },
  returned(): PayReturn | null {
    if (typeof window === 'undefined') return null;
    const q = new URLSearchParams(window.location.search);
    const raw = q.get('paymentId');
    const id = raw ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    const via = VIA.find((v) => v === q.get('via')) ?? null;
    const code = q.get('code');
    return { paymentId: id, via, oauth: via === 'oauth' && code ? { code, state: q.get('state') ?? '' } : null };
  },
  forgetReturnCode() {
    if (typeof window === 'undefined') return;
    const url = new URL(window.location.href);
    if (!url.searchParams.has('code') && !url.searchParams.has('state')) return;
    url.searchParams.delete('code');
    url.searchParams.delete('state');
    window.history.replaceState(window.history.state, '', url.toString());
  },
};

/** Forgets what the server said about WeChat's browser (tests). */
export function resetPayOptions(): void {
  wechatOptions = null;
}
