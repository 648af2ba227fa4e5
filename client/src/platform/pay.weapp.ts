import Taro from '@tarojs/taro';
import type { PaymentAction } from '@openhall/shared';
import type { PayOptions, PlatformPay } from './types';

const OPTIONS: PayOptions = { channels: [{ channel: 'wechat_jsapi', name: '微信支付' }], notice: null };

/** Mini-program: WeChat Pay JSAPI through `requestPayment`, with the parameters the server signed. */
export const platformPay: PlatformPay = {
  knownOptions: () => OPTIONS,
  loadOptions: async () => OPTIONS,
  returnPathFor: () => undefined,
  async launch(action: PaymentAction) {
    if (action.kind !== 'requestPayment') throw new Error(`the mini-program cannot handle the pay action ${action.kind}`);
    try {
      await Taro.requestPayment({ ...action.params });
      return 'returned';
    } catch {
      // "requestPayment:fail cancel" and real failures alike: nothing was confirmed here; the caller asks the server.
      return 'cancelled';
    }
  },
  returned: () => null,
  forgetReturnCode: () => undefined,
};
