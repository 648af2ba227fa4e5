// Type anchor and fallback. Taro resolves `./save-file` to save-file.weapp.ts or save-file.h5.ts by
// TARO_ENV, and jest (moduleFileExtensions) to save-file.h5.ts; this file is only reached on other platforms.
export * from './save-file.h5';
