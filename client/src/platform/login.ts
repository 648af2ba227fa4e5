// Type anchor and fallback. Taro resolves `./login` to login.weapp.ts or login.h5.ts by TARO_ENV,
// and jest (moduleFileExtensions) to login.h5.ts; this file is only reached on other platforms.
export * from './login.h5';
