/**
 * Where the API lives: the origin the build was given (TARO_APP_API_BASE, checked by
 * client/config/index.ts, which refuses a mini-program build without one), or '' for the H5 site
 * served by the OpenHall server itself (same origin).
 */
export function apiBase(): string {
  return (process.env.TARO_APP_API_BASE ?? '').replace(/\/+$/, '');
}
