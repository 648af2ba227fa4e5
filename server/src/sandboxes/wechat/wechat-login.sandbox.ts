import { createHash } from 'node:crypto';

/**
 * What WeChat DevTools' `wx.login` gives without an AppID of one's own (the project's
 * `touristappid`): always this same text, never a real code.
 */
export const DEVTOOLS_MOCK_CODE = 'the code is a mock one';

/** A code as WeChat issues them (and DevTools with a real AppID): letters, digits, `-` and `_`. */
const WECHAT_CODE = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * The sandbox side of `jscode2session`. Three kinds of code sign in:
 * - `sandbox:<who>[#n]` (tests, scripts): the same `<who>` always maps to the same openid, so a
 *   simulated user keeps their identity across logins;
 * - DevTools' mock code, which is the same text on every login, and
 * - a code shaped like WeChat's (DevTools with a real AppID asks WeChat for one, which only WeChat
 *   could redeem): both are the one DevTools user, so the documented way to try the mini-program
 *   (open the repository in DevTools) signs in as the same person every time.
 * Codes are single-use, as in WeChat, except DevTools' mock code, which never changes.
 */
export class WechatLoginSandbox {
  private readonly used = new Set<string>();

  constructor(
    private readonly appid: string,
    private readonly secret: string,
  ) {}

  handle(q: Record<string, string | undefined>): Record<string, unknown> {
    if (q.appid !== this.appid) return { errcode: 40013, errmsg: 'invalid appid' };
    if (q.secret !== this.secret) return { errcode: 40125, errmsg: 'invalid appsecret' };
    if (q.grant_type !== 'authorization_code') return { errcode: 40002, errmsg: 'invalid grant_type' };
    const code = q.js_code ?? '';
    const who = this.userOf(code);
    if (who === undefined) return { errcode: 40029, errmsg: 'invalid code' };
    if (code !== DEVTOOLS_MOCK_CODE) {
      if (this.used.has(code)) return { errcode: 40163, errmsg: 'code been used' };
      this.used.add(code);
    }
    // `#` never appears in a `sandbox:` user's name, so no such user is the DevTools user by accident.
    const openid = 'o' + createHash('sha256').update(who === null ? `${this.appid}#devtools` : `${this.appid}:${who}`).digest('base64url').slice(0, 27);
    return { openid, session_key: createHash('sha256').update(`key:${code}`).digest('base64').slice(0, 24) };
  }

  /** Whom a code signs in: the simulated user it names, the DevTools user (null), or nobody (undefined). */
  private userOf(code: string): string | null | undefined {
    if (code.startsWith('sandbox:')) {
      const who = code.slice('sandbox:'.length).split('#')[0];
      return who === '' ? undefined : who;
    }
    if (code === DEVTOOLS_MOCK_CODE || WECHAT_CODE.test(code)) return null;
    return undefined;
  }
}
