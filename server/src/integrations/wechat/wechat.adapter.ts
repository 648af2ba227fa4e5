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
