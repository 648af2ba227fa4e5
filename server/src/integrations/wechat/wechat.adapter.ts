import { createHash } from 'node:crypto';

/** What `jscode2session` gives back for a valid login code. */
export interface WechatSession {
  openid: string;
  unionid?: string;
}

/** WeChat mini-program login: exchanges a `wx.login` code for the user's openid. */
export interface WechatLoginClient {
  /** Resolves null when WeChat says the code is invalid or used; throws when WeChat cannot be reached. */
  code2Session(code: string): Promise<WechatSession | null>;
}

/** Calls `GET {base}/sns/jscode2session` exactly as the real WeChat API expects. */
export class HttpWechatLoginClient implements WechatLoginClient {
  constructor(
    private readonly base: () => string,
    private readonly appid: string,
    private readonly secret: string,
    private readonly timeoutMs = 5000,
  ) {}

  async code2Session(code: string): Promise<WechatSession | null> {
    const url = new URL(this.base().replace(/\/$/, '') + '/sns/jscode2session');
    url.search = new URLSearchParams({ appid: this.appid, secret: this.secret, js_code: code, grant_type: 'authorization_code' }).toString();
    const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new Error(`jscode2session answered HTTP ${res.status}`);
    const body = (await res.json()) as { openid?: string; unionid?: string; errcode?: number; errmsg?: string };
    if (body.errcode) {
      // 40029 invalid code, 40163 code been used: the user's fault, not an outage.
      if (body.errcode === 40029 || body.errcode === 40163) return null;
      throw new Error(`jscode2session errcode ${body.errcode}: ${body.errmsg ?? ''}`);
    }
    if (!body.openid) throw new Error('jscode2session answered without openid');
    return { openid: body.openid, ...(body.unionid ? { unionid: body.unionid } : {}) };
  }
}

/**
 * The sandbox side of `jscode2session`. Codes look like `sandbox:<anything>`; the same suffix
 * always maps to the same openid, so a simulated user keeps their identity across logins.
 * Each code is single-use, as in WeChat.
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
    if (!code.startsWith('sandbox:') || code.length <= 'sandbox:'.length) return { errcode: 40029, errmsg: 'invalid code' };
    if (this.used.has(code)) return { errcode: 40163, errmsg: 'code been used' };
    this.used.add(code);
    const who = code.slice('sandbox:'.length).split('#')[0];
    const openid = 'o' + createHash('sha256').update(`${this.appid}:${who}`).digest('base64url').slice(0, 27);
    return { openid, session_key: createHash('sha256').update(`key:${code}`).digest('base64').slice(0, 24) };
  }
}
