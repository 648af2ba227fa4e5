// Type anchor and fallback. Taro resolves `./share` to share.weapp.tsx or share.h5.tsx by TARO_ENV,
// and jest (moduleFileExtensions) to share.h5.tsx; this file is only reached on other platforms.
export * from './share.h5';
