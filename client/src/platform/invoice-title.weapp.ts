import Taro from '@tarojs/taro';
import type { PlatformInvoiceTitles } from './types';

/**
 * Mini-program: the titles the user keeps in WeChat (我 → 卡包 → 发票抬头), through
 * `wx.chooseInvoiceTitle` (scope.invoiceTitle, asked on first use). WeChat's `type` is '0' for a
 * company (单位) and '1' for a person (个人).
 */
export const platformInvoiceTitles: PlatformInvoiceTitles = {
  available: typeof Taro.canIUse === 'function' ? Taro.canIUse('chooseInvoiceTitle') : true,
  async choose() {
    let picked: Taro.chooseInvoiceTitle.SuccessCallbackResult;
    try {
      picked = await Taro.chooseInvoiceTitle();
    } catch (err) {
      const msg = String((err as { errMsg?: string })?.errMsg ?? err);
      if (/cancel/i.test(msg)) return null;
      if (/auth|deny|denied/i.test(msg)) throw new Error('未允许读取微信发票抬头，可在右上角“…→设置”中开启，或直接填写');
      throw new Error('暂时无法读取微信发票抬头，请直接填写');
    }
    const company = String(picked.type) === '0';
    return { kind: company ? 'company' : 'personal', name: picked.title ?? '', taxNo: company ? (picked.taxNumber ?? '') : '' };
  },
};
