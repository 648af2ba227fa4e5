import { randomBytes } from 'node:crypto';
import type { SubscribeMessage } from '../../integrations/wechat/wechat-subscribe.adapter';

/** One message the sandbox accepted. */
export interface SandboxSubscribeMessage extends SubscribeMessage {
  msgid: string;
  sentAt: string;
}

/**
 * The sandbox side of the subscribe-message API: issues access tokens, checks each send the way
 * WeChat does (token, template id, field lengths), keeps what was accepted, newest first, for
 * `GET /sandbox/wechat/subscribe-messages?touser=`. `refuse(openid)` plays a user who has not
 * accepted the template (errcode 43101).
 */
export class WechatSubscribeSandbox {
  private readonly tokens = new Set<string>();
  private readonly messages: SandboxSubscribeMessage[] = [];
  private readonly refusing = new Set<string>();
  private sequence = 0;

  constructor(
    private readonly appid: string,
    private readonly secret: string,
    private readonly capacity = 1000,
  ) {}

  handleToken(q: Record<string, string | undefined>): Record<string, unknown> {
    if (q.grant_type !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type' };
    if (q.appid !== this.appid) return { errcode: 40013, errmsg: 'invalid appid' };
    if (q.secret !== this.secret) return { errcode: 40125, errmsg: 'invalid appsecret' };
    const token = randomBytes(24).toString('base64url');
    this.tokens.add(token);
    return { access_token: token, expires_in: 7200 };
  }

  handleSend(accessToken: string | undefined, body: unknown): Record<string, unknown> {
    if (!accessToken || !this.tokens.has(accessToken)) return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
    const m = body as Partial<SubscribeMessage> | null;
    if (!m || typeof m.touser !== 'string' || !m.touser) return { errcode: 40003, errmsg: 'invalid openid' };
    if (typeof m.template_id !== 'string' || !m.template_id) return { errcode: 40037, errmsg: 'invalid template_id' };
    if (!m.data || typeof m.data !== 'object') return { errcode: 47003, errmsg: 'argument invalid! data invalid' };
    for (const [key, field] of Object.entries(m.data)) {
      const value = (field as { value?: unknown } | null)?.value;
      const limit = /^thing\d+$/.test(key) ? 20 : /^phrase\d+$/.test(key) ? 5 : /^name\d+$/.test(key) ? 10 : 32;
      if (typeof value !== 'string' || value.length === 0 || [...value].length > limit) return { errcode: 47003, errmsg: `argument invalid! data.${key}.value invalid` };
    }
    if (this.refusing.has(m.touser)) return { errcode: 43101, errmsg: 'user refuse to accept the msg' };
    // WeChat answers each accepted send with its msgid.
    const msgid = String(Date.now() * 1000 + (++this.sequence % 1000));
    this.messages.unshift({ ...(m as SubscribeMessage), msgid, sentAt: new Date().toISOString() });
    if (this.messages.length > this.capacity) this.messages.length = this.capacity;
    return { errcode: 0, errmsg: 'ok', msgid };
  }

  /** Plays a user who has not accepted (or has used up) the subscription. */
  refuse(openid: string): void {
    this.refusing.add(openid);
  }

  list(touser?: string): SandboxSubscribeMessage[] {
    return touser ? this.messages.filter((m) => m.touser === touser) : [...this.messages];
  }
}
