// Type anchor and fallback. Taro resolves `./file-picker` to the .weapp or .h5 file by TARO_ENV,
// and jest (moduleFileExtensions) to file-picker.h5.tsx; this file is only reached on other platforms.
export { default } from './file-picker.h5';
