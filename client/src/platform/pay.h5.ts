import type { PaymentAction } from '@openhall/shared';
import type { PlatformPay } from './types';

/**
 * H5: a phone browser pays at the gateway's own cashier, Alipay WAP (the signed gateway URL) or
 * WeChat H5 (its h5_url); either sends the browser back to `returnPath` with `?paymentId=`.
 */
export const platformPay: PlatformPay = {
  channels: [
    { channel: 'alipay_wap', name: '支付宝' },
    { channel: 'wechat_h5', name: '微信支付' },
  ],
  // The site uses the hash router: the gateway comes back to the document root and the route is
  // in the fragment. The server puts `?paymentId=` in the query, before the fragment.
  returnPathFor: (pagePath) => `/#${pagePath}`,
  async launch(action: PaymentAction) {
    if (action.kind !== 'redirect') throw new Error(`H5 cannot handle the pay action ${action.kind}`);
    window.location.assign(action.url);
    return 'left';
  },
  returnedPaymentId() {
    if (typeof window === 'undefined') return null;
    const raw = new URLSearchParams(window.location.search).get('paymentId');
    const id = raw ? Number(raw) : NaN;
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  },
};
