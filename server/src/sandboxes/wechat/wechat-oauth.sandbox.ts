import { randomBytes } from 'node:crypto';
import { newSandboxWechatUser, sandboxOpenid, sandboxWechatUserOf } from './wechat-sandbox-user';

/**
 * The sandbox side of an official account's web OAuth (see wechat-oauth.adapter.ts), playing both
 * of WeChat's hosts: the authorize page (open.weixin.qq.com, `GET /connect/oauth2/authorize`) and
 * the code exchange (api.weixin.qq.com, `GET /sns/oauth2/access_token`).
 *
 * As WeChat does, the page answers only inside WeChat's browser (a user agent with
 * MicroMessenger), only for the official account's appid, only with `response_type=code` and a
 * `redirect_uri` on the authorized domain (网页授权域名: the site's own host here), and
 * `snsapi_base` asks nobody: it sends the browser straight back with `code` and `state` added to
 * the query, before any `#`. Who the payer is comes from the browser's sandbox WeChat user (a
 * cookie, see wechat-sandbox-user.ts), so one browser keeps one openid. Codes are single-use and
 * valid five minutes; the exchange answers WeChat's error codes (40029 invalid, 40163 used,
 * 40013 appid, 40125 secret).
 */

/** What the authorize page does: send the browser on (setting the sandbox user's cookie when new), or show a page. */
export type SandboxAuthorizeAnswer =
  | { kind: 'redirect'; location: string; newUser: string | null }
  | { kind: 'page'; status: number; title: string; message: string };

export interface WechatOAuthSandboxOptions {
  appid: string;
  secret: string;
  /** The hosts OAuth may return to (the official account's 网页授权域名): the site's own. */
  authorizedHosts: () => string[];
  /** Real time by default; codes expire on it. */
  now?: () => number;
}

const CODE_TTL_MS = 5 * 60_000;

export class WechatOAuthSandbox {
  private readonly codes = new Map<string, { openid: string; expiresAt: number; used: boolean }>();
  private readonly now: () => number;

  constructor(private readonly opts: WechatOAuthSandboxOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** `GET /connect/oauth2/authorize`: the query as sent, the browser's user agent and its sandbox-user cookie. */
  authorize(q: Record<string, string | undefined>, userAgent: string, cookie: string | undefined): SandboxAuthorizeAnswer {
    if (!/MicroMessenger/i.test(userAgent)) return refuse(200, '请在微信客户端打开链接');
    if (q.appid !== this.opts.appid) return refuse(400, 'appid 参数错误（40013 invalid appid）');
    if (q.response_type !== 'code') return refuse(400, 'response_type 参数错误，应为 code');
    if (q.scope !== 'snsapi_base') return refuse(400, 'scope 参数错误：沙箱公众号只做静默授权（snsapi_base）');
    if (q.state !== undefined && !/^[A-Za-z0-9]{0,128}$/.test(q.state)) return refuse(400, 'state 参数错误：最多 128 个字母或数字');
    let back: URL;
    try {
      back = new URL(q.redirect_uri ?? '');
    } catch {
      return refuse(400, 'redirect_uri 参数错误');
    }
    if ((back.protocol !== 'http:' && back.protocol !== 'https:') || !this.opts.authorizedHosts().includes(back.host)) {
      return refuse(400, 'redirect_uri 域名与后台配置不一致（10003）');
    }
    const known = sandboxWechatUserOf(cookie);
    const who = known ?? newSandboxWechatUser();
    this.prune();
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { openid: sandboxOpenid(this.opts.appid, who), expiresAt: this.now() + CODE_TTL_MS, used: false });
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.state ?? '');
    return { kind: 'redirect', location: back.toString(), newUser: known ? null : who };
  }

  /** `GET /sns/oauth2/access_token`: the code for the payer's openid, once. */
  handleAccessToken(q: Record<string, string | undefined>): Record<string, unknown> {
    if (q.appid !== this.opts.appid) return { errcode: 40013, errmsg: 'invalid appid' };
    if (q.secret !== this.opts.secret) return { errcode: 40125, errmsg: 'invalid appsecret' };
    if (q.grant_type !== 'authorization_code') return { errcode: 40002, errmsg: 'invalid grant_type' };
    const entry = this.codes.get(q.code ?? '');
    if (!entry || entry.expiresAt <= this.now()) return { errcode: 40029, errmsg: 'invalid code' };
    if (entry.used) return { errcode: 40163, errmsg: 'code been used' };
    entry.used = true;
    return {
      access_token: randomBytes(24).toString('base64url'),
      expires_in: 7200,
      refresh_token: randomBytes(24).toString('base64url'),
      openid: entry.openid,
      scope: 'snsapi_base',
    };
  }

  private prune(): void {
    const now = this.now();
    for (const [code, entry] of this.codes) if (entry.expiresAt <= now) this.codes.delete(code);
  }
}

function refuse(status: number, message: string): SandboxAuthorizeAnswer {
  return { kind: 'page', status, title: '微信网页授权', message };
}
