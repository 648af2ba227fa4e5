// Type anchor and fallback. Taro resolves `./invoice-pdf` to invoice-pdf.weapp.tsx or invoice-pdf.h5.tsx by
// TARO_ENV, and jest (moduleFileExtensions) to invoice-pdf.h5.tsx; this file is only reached on other platforms.
export * from './invoice-pdf.h5';
