// Type anchor and fallback. Taro resolves `./photos` to photos.weapp.ts or photos.h5.ts by TARO_ENV,
// and jest (moduleFileExtensions) to photos.h5.ts; this file is only reached on other platforms.
export * from './photos.h5';
