// Type anchor and fallback. Taro resolves `./pay` to pay.weapp.ts or pay.h5.ts by TARO_ENV, and
// jest (moduleFileExtensions) to pay.h5.ts; this file is only reached on other platforms.
export * from './pay.h5';
