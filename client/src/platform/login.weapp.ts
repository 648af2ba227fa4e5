import Taro from '@tarojs/taro';
import { loginWithWechat } from '../api/auth';
import { getToken } from '../api/token';
import type { PlatformLogin } from './types';

let inFlight: Promise<boolean> | null = null;

/** `Taro.login` → server `jscode2session`; concurrent callers share one attempt. */
function silentLogin(): Promise<boolean> {
  if (!inFlight) {
    inFlight = (async () => {
      try {
        const { code } = await Taro.login();
        await loginWithWechat(code);
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
  promptSignIn: silentLogin,
};
