// Type anchor and fallback. Taro resolves `./invoice-title` to invoice-title.weapp.ts or invoice-title.h5.ts by
// TARO_ENV, and jest (moduleFileExtensions) to invoice-title.h5.ts; this file is only reached on other platforms.
export * from './invoice-title.h5';
