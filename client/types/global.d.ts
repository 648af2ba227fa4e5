/// <reference types="@tarojs/taro" />

declare module '*.scss';
declare module '*.css';

declare namespace NodeJS {
  interface ProcessEnv {
    /** Which platform this bundle is for; Taro replaces it at build time. */
    TARO_ENV: 'weapp' | 'h5' | string;
    /** API origin, e.g. https://hall.example.com; '' means same origin (H5 served by the server). */
    TARO_APP_API_BASE?: string;
  }
}
