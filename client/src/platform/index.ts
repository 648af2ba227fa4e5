export { platformLogin } from './login';
export { platformPay } from './pay';
export { platformSubscribe } from './subscribe';
export { loadPrivateImage, releasePrivateImage } from './private-image';
export type { FilePickerProps, PayChannelOption, PayLaunchOutcome, PickedFile, PlatformLogin, PlatformPay, PlatformSubscribe, ReceiptViewProps, SubscribeOutcome } from './types';
export { locate, openMap, type MapPoint, type Position } from './map';
