import Taro from '@tarojs/taro';

const KEY = 'openhall.consent';

/** The page showing one of the two texts: `?kind=user` (《用户协议》) or `?kind=privacy` (《隐私政策》). */
export const AGREEMENT_PAGE = '/pages/info/agreement/index';

/**
 * The agreements' version this device's user ticked 同意 for at sign-in (the server keeps it on the
 * user too). The mini-program signs in silently only once it is recorded: before that, its first
 * sign-in is on the sign-in page, with the checkbox.
 */
export function consentedVersion(): string | null {
  const v = Taro.getStorageSync(KEY);
  return typeof v === 'string' && v !== '' ? v : null;
}

export function recordConsent(version: string): void {
  Taro.setStorageSync(KEY, version);
}
