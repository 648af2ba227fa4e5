import Taro from '@tarojs/taro';
import { platformLogin } from '../platform';

let prompting = false;

/**
 * What happens when the server says a subscriber's session is gone (it expired, or was signed out
 * elsewhere): the user is told, then signed in again the platform's way — the mini-program silently
 * through `wx.login`, the H5 site on the sign-in page, which returns to where they were. Several
 * requests failing at once prompt once.
 */
export function handleSessionExpired(): void {
  if (prompting) return;
  if (/pages\/auth\/login\//.test(currentRoute())) return;
  prompting = true;
  // The mini-program signs in again by itself: nothing to ask of the user there.
  if (!platformLogin.silent) void Taro.showToast({ title: '登录已过期，请重新登录', icon: 'none', duration: 2000 });
  void platformLogin
    .promptSignIn()
    .catch(() => false)
    .finally(() => {
      prompting = false;
    });
}

/** The route of the page on top ('' when there is none yet, or the router is not up). */
function currentRoute(): string {
  try {
    const pages = Taro.getCurrentPages();
    return pages[pages.length - 1]?.route ?? '';
  } catch {
    return '';
  }
}
