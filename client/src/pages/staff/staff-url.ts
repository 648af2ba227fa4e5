/**
 * A console page's filters in its address, so a reload, a bookmark or a link a colleague sends opens
 * the same view. The console is H5 only with Taro's hash router: the page's query is the part of
 * the hash after `?`. Writing replaces the current history entry without navigating (Taro's router
 * is not involved, so the page is not mounted again).
 */

/** The current page's query parameters. */
export function readPageQuery(): Record<string, string> {
  if (typeof window === 'undefined') return {};
  const hash = window.location.hash;
  const at = hash.indexOf('?');
  if (at < 0) return {};
  return Object.fromEntries(new URLSearchParams(hash.slice(at + 1)).entries());
}

/** Replaces the current page's query with `params` (empty values left out). */
export function writePageQuery(params: Record<string, string | undefined>): void {
  if (typeof window === 'undefined') return;
  const hash = window.location.hash;
  const at = hash.indexOf('?');
  const route = (at < 0 ? hash : hash.slice(0, at)) || '#';
  const qs = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')).toString();
  const next = `${route}${qs ? `?${qs}` : ''}`;
  if (next === hash) return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${next}`);
}
