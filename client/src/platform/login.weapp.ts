import Taro from '@tarojs/taro';
import { loginWithWechat } from '../api/auth';
import { getToken } from '../api/token';
import { consentedVersion } from '../lib/consent';
import type { PlatformLogin } from './types';

export const LOGIN_PAGE = '/pages/auth/login/index';

let inFlight: Promise<boolean> | null = null;

/**
 * `Taro.login` → server `jscode2session`; concurrent callers share one attempt. Only once the user
 * has ticked 同意 for 《用户协议》《隐私政策》 on the sign-in page (recorded here and on the server):
 * before that nothing about them (not even their openid) is sent.
 */
function silentLogin(): Promise<boolean> {
  const consent = consentedVersion();
  if (!consent) return Promise.resolve(false);
  if (!inFlight) {
    inFlight = (async () => {
      try {
        const { code } = await Taro.login();
        await loginWithWechat(code, consent);
        return true;
      } catch {
        return false;
      } finally {
        inFlight = null;
      }
    })();
  }
  return inFlight;
}

export const platformLogin: PlatformLogin = {
  silent: true,
  async ensureSignedIn() {
    return getToken() ? true : silentLogin();
  },
  // Consented before: sign in silently again; otherwise the sign-in page, with the agreements to accept.
  async promptSignIn() {
    if (consentedVersion() && (await silentLogin())) return true;
    await Taro.navigateTo({ url: LOGIN_PAGE });
    return false;
  },
};
