// Type anchor and fallback. Taro resolves `./receipt-view` to the .weapp or .h5 file by TARO_ENV,
// and jest (moduleFileExtensions) to receipt-view.h5.tsx; this file is only reached on other platforms.
export { default } from './receipt-view.h5';
