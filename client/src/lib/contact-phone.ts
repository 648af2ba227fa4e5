import Taro from '@tarojs/taro';
import { phoneSchema } from '@openhall/shared';

const KEY = 'openhall.contactPhone';

/**
 * The phone a form offers first as the subscriber's contact number: the one they signed in with by
 * SMS, or the last one they gave on a ticket. Kept on this device only (the server shows the
 * account's phone masked and never sends it back whole).
 */
export function recallContactPhone(): string {
  const v = Taro.getStorageSync(KEY);
  return typeof v === 'string' && phoneSchema.safeParse(v).success ? v : '';
}

export function rememberContactPhone(phone: string): void {
  if (phoneSchema.safeParse(phone).success) Taro.setStorageSync(KEY, phone);
}

/** Signing out forgets it with the session. */
export function forgetContactPhone(): void {
  Taro.removeStorageSync(KEY);
}
