// Type anchor and fallback. Taro resolves `./subscribe` to subscribe.weapp.ts or subscribe.h5.ts by
// TARO_ENV, and jest (moduleFileExtensions) to subscribe.h5.ts; this file is only reached on other platforms.
export * from './subscribe.h5';
