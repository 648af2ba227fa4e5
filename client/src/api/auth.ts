import type { SessionView, SmsLoginInput } from '@openhall/shared';
import { request } from './request';
import { forgetContactPhone, rememberContactPhone } from '../lib/contact-phone';
import { clearToken, saveToken } from './token';

/** The signed-in subscriber as `GET /me` answers. */
export interface MeView {
  id: number;
  phoneMasked: string | null;
  hasWechat: boolean;
}

/** Asks the server to text a sign-in code; answers how long until another may be sent. */
export function sendSmsCode(phone: string): Promise<{ expiresInSeconds: number; resendAfterSeconds: number }> {
  return request('/auth/sms/send', { method: 'POST', data: { phone }, anonymous: true });
}

/** Signs in with phone + SMS code and stores the session token. */
export async function loginWithSms(input: SmsLoginInput): Promise<SessionView> {
  const session = await request<SessionView>('/auth/sms/login', { method: 'POST', data: { ...input }, anonymous: true });
  saveToken(session.token, session.expiresAt);
  // The number just proven by SMS is the contact phone forms offer first.
  rememberContactPhone(input.phone);
  return session;
}

/** Signs in with a mini-program `Taro.login` code and stores the session token. */
export async function loginWithWechat(code: string, consentVersion?: string): Promise<SessionView> {
  const session = await request<SessionView>('/auth/wechat/login', { method: 'POST', data: { code, ...(consentVersion ? { consentVersion } : {}) }, anonymous: true });
  saveToken(session.token, session.expiresAt);
  return session;
}

export function getMe(): Promise<MeView> {
  return request<MeView>('/me');
}

/** Ends the session on the server (best effort) and forgets it here either way. */
export async function logout(): Promise<void> {
  try {
    await request<void>('/auth/logout', { method: 'POST' });
  } finally {
    clearToken();
    forgetContactPhone();
  }
}
