/**
 * An official account's (公众号) web OAuth, as the H5 site uses it inside WeChat's browser to learn
 * who is paying: silent `snsapi_base` authorization, then the code exchanged for the payer's openid
 * under the official account's appid (what WeChat Pay JSAPI needs as `payer.openid`).
 *
 * 1. The browser goes to `{open}/connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope=snsapi_base&state#wechat_redirect`;
 *    WeChat sends it back to `redirect_uri` with `code` and `state` added to the query (before any `#`).
 * 2. The server calls `GET {api}/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`.
 * A code is valid once, for five minutes.
 */

/** What the code exchange gives back: the payer's openid under the official account. */
export interface WechatOAuthIdentity {
  openid: string;
  /**
   * WeChat's "snapshot page" virtual account (`is_snapshotuser: 1`): the page was opened as a
   * snapshot (e.g. from Moments) and the openid is not a real user's, so it cannot pay.
   */
  snapshot: boolean;
}

/** The official account's OAuth, as the payment service uses it. */
export interface WechatOAuthClient {
  /** The official account's appid (what the JSAPI order is placed under). */
  readonly appid: string;
  /** Where to send the browser: WeChat asks nobody (snsapi_base) and comes back to `redirectUri`. */
  authorizeUrl(redirectUri: string, state: string): string;
  /** Resolves null when WeChat says the code is invalid, expired or used; throws when WeChat cannot be reached. */
  exchangeCode(code: string): Promise<WechatOAuthIdentity | null>;
}

/** `state` as WeChat takes it: up to 128 letters and digits. */
const STATE = /^[A-Za-z0-9]{1,128}$/;

/** The official account's OAuth over real HTTP: `open` is WeChat's page host, `api` its API base. */
export class HttpWechatOAuthClient implements WechatOAuthClient {
  constructor(
    private readonly open: () => string,
    private readonly api: () => string,
    readonly appid: string,
    private readonly secret: string,
    private readonly timeoutMs = 5000,
  ) {}

  authorizeUrl(redirectUri: string, state: string): string {
    if (!STATE.test(state)) throw new RangeError('state must be 1–128 letters and digits');
    if (!/^https?:\/\//.test(redirectUri)) throw new RangeError('redirect_uri must be an absolute URL');
    // WeChat reads the parameters in this order and wants the fragment; redirect_uri is URL-encoded.
    const query = [
      `appid=${encodeURIComponent(this.appid)}`,
      `redirect_uri=${encodeURIComponent(redirectUri)}`,
      'response_type=code',
      'scope=snsapi_base',
      `state=${state}`,
    ].join('&');
    return `${this.open().replace(/\/+$/, '')}/connect/oauth2/authorize?${query}#wechat_redirect`;
  }

  async exchangeCode(code: string): Promise<WechatOAuthIdentity | null> {
    const url = new URL(this.api().replace(/\/+$/, '') + '/sns/oauth2/access_token');
    url.search = new URLSearchParams({ appid: this.appid, secret: this.secret, code, grant_type: 'authorization_code' }).toString();
    const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new Error(`sns/oauth2/access_token answered HTTP ${res.status}`);
    const body = (await res.json()) as { openid?: unknown; is_snapshotuser?: unknown; errcode?: number; errmsg?: string };
    if (body.errcode) {
      // 40029 invalid code, 40163 code been used: the user's to redo, not an outage.
      if (body.errcode === 40029 || body.errcode === 40163) return null;
      throw new Error(`sns/oauth2/access_token errcode ${body.errcode}: ${body.errmsg ?? ''}`);
    }
    if (typeof body.openid !== 'string' || !body.openid) throw new Error('sns/oauth2/access_token answered without openid');
    return { openid: body.openid, snapshot: body.is_snapshotuser === 1 };
  }
}
