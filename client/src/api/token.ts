import Taro from '@tarojs/taro';

const TOKEN_KEY = 'openhall.token';
const EXPIRES_KEY = 'openhall.tokenExpiresAt';
/** Fired (no payload) whenever the session is saved or cleared, so every page can follow. */
export const SESSION_EVENT = 'openhall:session';

/** The stored session token, or null when absent or past its expiry. */
export function getToken(): string | null {
  const token = Taro.getStorageSync(TOKEN_KEY) as string | '';
  if (!token) return null;
  const expiresAt = Taro.getStorageSync(EXPIRES_KEY) as string | '';
  if (expiresAt && Date.parse(expiresAt) <= Date.now()) {
    clearToken();
    return null;
  }
  return token;
}

/** Keeps a session from a successful sign-in. */
export function saveToken(token: string, expiresAt?: string): void {
  Taro.setStorageSync(TOKEN_KEY, token);
  if (expiresAt) Taro.setStorageSync(EXPIRES_KEY, expiresAt);
  else Taro.removeStorageSync(EXPIRES_KEY);
  Taro.eventCenter.trigger(SESSION_EVENT);
}

export function clearToken(): void {
  Taro.removeStorageSync(TOKEN_KEY);
  Taro.removeStorageSync(EXPIRES_KEY);
  Taro.eventCenter.trigger(SESSION_EVENT);
}
