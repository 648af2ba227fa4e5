export { platformLogin } from './login';
export type { PlatformLogin } from './types';
export { locate, openMap, type MapPoint } from './map';
