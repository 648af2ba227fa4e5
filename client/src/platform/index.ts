export { platformLogin } from './login';
export { platformPay } from './pay';
export { platformSubscribe } from './subscribe';
export { loadPrivateImage, releasePrivateImage } from './private-image';
export type { PayChannelOption, PayLaunchOutcome, PlatformLogin, PlatformPay, PlatformSubscribe, ReceiptViewProps, SubscribeOutcome } from './types';
export { locate, openMap, type MapPoint } from './map';
