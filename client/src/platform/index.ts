export { platformLogin } from './login';
export { platformPay } from './pay';
export { platformSubscribe } from './subscribe';
export { loadPrivateImage, releasePrivateImage } from './private-image';
export type { FilePickerProps, PayChannelOption, PayLaunchOutcome, PayOptions, PayReturn, PickedFile, PlatformLogin, PlatformPay, PlatformSubscribe, ReceiptViewProps, SubscribeOutcome } from './types';
export { locate, openMap, type MapPoint, type Position } from './map';
