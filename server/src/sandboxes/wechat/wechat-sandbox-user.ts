import { createHash, randomBytes } from 'node:crypto';

/**
 * Who is "signed in to WeChat" in a browser that talks to the sandboxes, and their openids. Sandbox
 * only: the OAuth page of the official account and the WeChat Pay sandbox's client side share it,
 * as WeChat's own browser and WeChat Pay share the WeChat user.
 *
 * The sandbox WeChat user of a browser is a random name kept in a cookie under `/sandbox`, set the
 * first time the browser meets the OAuth page: the same browser is the same person from then on.
 * Their openid under an appid is derived from both, and starts with a prefix of that appid's own,
 * so the WeChat Pay sandbox can tell from an openid alone which appid it belongs to, and refuse an
 * order that pairs an appid with another appid's openid as WeChat does.
 */

/** The cookie naming the browser's sandbox WeChat user. */
export const SANDBOX_WECHAT_USER_COOKIE = 'oh_sandbox_wechat_user';

/** A sandbox WeChat user's name as kept in the cookie. */
const USER = /^[A-Za-z0-9]{8,64}$/;

/** A new sandbox WeChat user (the cookie's value). */
export function newSandboxWechatUser(): string {
  return randomBytes(12).toString('hex');
}

/** The cookie's value when it names a sandbox WeChat user, otherwise null. */
export function sandboxWechatUserOf(cookie: string | undefined): string | null {
  return cookie && USER.test(cookie) ? cookie : null;
}

/** The first six characters every sandbox openid under `appid` shares ('o' + five of the appid's own). */
export function sandboxOpenidPrefix(appid: string): string {
  return 'o' + createHash('sha256').update(`openid-prefix:${appid}`).digest('base64url').slice(0, 5);
}

/** The openid of sandbox WeChat user `who` under `appid`: 28 characters, like WeChat's, stable. */
export function sandboxOpenid(appid: string, who: string): string {
  return sandboxOpenidPrefix(appid) + createHash('sha256').update(`${appid}:${who}`).digest('base64url').slice(0, 22);
}

/** Which of `appids` a sandbox openid belongs to (by its prefix), or null when none. */
export function sandboxOpenidOwner(openid: string, appids: readonly string[]): string | null {
  if (openid.length !== 28) return null;
  return appids.find((a) => openid.startsWith(sandboxOpenidPrefix(a))) ?? null;
}
