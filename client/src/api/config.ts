/**
 * Where the API lives. H5 is served by the server itself, so '' (same origin) is right there;
 * the mini-program has no origin and defaults to a local server for WeChat DevTools.
 */
export function apiBase(): string {
  const configured = process.env.TARO_APP_API_BASE;
  if (configured) return configured.replace(/\/+$/, '');
  return process.env.TARO_ENV === 'weapp' ? 'http://127.0.0.1:3000' : '';
}
