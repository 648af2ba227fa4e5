// Type anchor and fallback. Taro resolves `./private-image` to private-image.weapp.ts or
// private-image.h5.ts by TARO_ENV, and jest (moduleFileExtensions) to private-image.h5.ts; this file
// is only reached on other platforms.
export * from './private-image.h5';
