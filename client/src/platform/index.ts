export { platformLogin } from './login';
export { platformPay } from './pay';
export type { PayChannelOption, PayLaunchOutcome, PlatformLogin, PlatformPay, ReceiptViewProps } from './types';
export { locate, openMap, type MapPoint } from './map';
