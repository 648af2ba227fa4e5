/**
 * Whether the page runs inside WeChat's own browser (an official-account article, a chat link): its
 * user agent says MicroMessenger. The one place the H5 client tells WeChat's browser apart, because
 * paying works differently there: WeChat Pay's H5 product is for other browsers and WeChat blocks
 * Alipay's hand-off, so only JSAPI under an official account pays (platform/pay.h5.ts).
 */
export function isWechatBrowser(userAgent: string = typeof navigator === 'undefined' ? '' : navigator.userAgent): boolean {
  return /MicroMessenger/i.test(userAgent);
}
