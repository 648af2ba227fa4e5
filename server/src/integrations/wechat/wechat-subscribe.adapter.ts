/** A subscribe message exactly as `POST /cgi-bin/message/subscribe/send` takes it. */
export interface SubscribeMessage {
  touser: string;
  template_id: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogram_state?: 'developer' | 'trial' | 'formal';
  lang?: string;
}

/**
 * `sent` (with WeChat's `msgid` for it, when the answer carries one); or `refused`: the user has not
 * accepted this template (errcode 43101), which retrying will not change — the caller may fall back to SMS.
 */
export type SubscribeSendResult = { result: 'sent'; msgid: string | null } | { result: 'refused' };

/** Sends WeChat mini-program subscribe messages (订阅消息). Throws when it should be retried. */
export interface WechatSubscribeSender {
  send(message: SubscribeMessage): Promise<SubscribeSendResult>;
}

/**
 * The msgid as WeChat wrote it. It is a 64-bit number (3248682510344192008), past what a JavaScript
 * number holds exactly, and the delivery result (subscribe_msg_sent_event) names it digit for digit:
 * read from the text, not from the parsed number.
 */
export function msgidOf(text: string, parsed: unknown): string | null {
  const digits = /"msgid"\s*:\s*"?(\d{1,64})"?/.exec(text)?.[1];
  if (digits) return digits;
  return parsed === undefined || parsed === null ? null : String(parsed).slice(0, 64);
}

/** errcodes meaning the access token is no longer good: fetch a new one and retry. */
const TOKEN_ERRORS = new Set([40001, 40014, 42001]);

/**
 * Calls the WeChat API as documented: an access token from `GET /cgi-bin/token` (cached until five
 * minutes before it expires), then `POST /cgi-bin/message/subscribe/send?access_token=…`.
 */
export class HttpWechatSubscribeSender implements WechatSubscribeSender {
  private token: { value: string; expiresAt: number } | null = null;

  constructor(
    private readonly base: () => string,
    private readonly appid: string,
    private readonly secret: string,
    private readonly timeoutMs = 5000,
  ) {}

  private url(path: string, query: Record<string, string>): URL {
    const url = new URL(this.base().replace(/\/$/, '') + path);
    url.search = new URLSearchParams(query).toString();
    return url;
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    const res = await fetch(this.url('/cgi-bin/token', { grant_type: 'client_credential', appid: this.appid, secret: this.secret }), { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new Error(`cgi-bin/token answered HTTP ${res.status}`);
    const body = (await res.json()) as { access_token?: string; expires_in?: number; errcode?: number; errmsg?: string };
    if (!body.access_token) throw new Error(`cgi-bin/token errcode ${body.errcode ?? '?'}: ${body.errmsg ?? ''}`);
    this.token = { value: body.access_token, expiresAt: Date.now() + Math.max(60, (body.expires_in ?? 7200) - 300) * 1000 };
    return body.access_token;
  }

  async send(message: SubscribeMessage): Promise<SubscribeSendResult> {
    const token = await this.accessToken();
    const res = await fetch(this.url('/cgi-bin/message/subscribe/send', { access_token: token }), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`subscribe/send answered HTTP ${res.status}`);
    const text = await res.text();
    const body = JSON.parse(text) as { errcode?: number; errmsg?: string; msgid?: string | number };
    const errcode = body.errcode ?? 0;
    if (errcode === 0) return { result: 'sent', msgid: msgidOf(text, body.msgid) };
    if (errcode === 43101) return { result: 'refused' };
    if (TOKEN_ERRORS.has(errcode)) this.token = null;
    throw new Error(`subscribe/send errcode ${errcode}: ${body.errmsg ?? ''}`);
  }
}
