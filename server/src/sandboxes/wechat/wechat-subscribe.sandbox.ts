import { randomBytes } from 'node:crypto';
import { sealWechatPush, subscribeSentEventJson, wechatPushAesKey, type WechatPushMode } from '../../integrations/wechat/wechat-push.protocol';
import type { SubscribeMessage } from '../../integrations/wechat/wechat-subscribe.adapter';
import { Redelivery } from '../redelivery';

/** One message the sandbox accepted. */
export interface SandboxSubscribeMessage extends SubscribeMessage {
  msgid: string;
  sentAt: string;
  /** The `subscribe_msg_sent_event` pushed for it (null until the first push). */
  result: { errorCode: number; errorStatus: string; attempts: number; acknowledged: boolean } | null;
}

/** WeChat pushes again when it gets no `success` within 5 s, three times in all. */
export const WECHAT_PUSH_RETRY_MS = [5_000, 5_000, 5_000];

export interface WechatSubscribeSandboxOptions {
  /** The mini-program's message push URL (OpenHall's route), read at each push; unset: no pushes. */
  pushUrl?: () => string;
  /** The push Token configured with it. */
  pushToken?: string | null;
  /** The console's 消息加密方式 (default plain) and the EncodingAESKey that compat and safe encrypt with. */
  pushMode?: WechatPushMode;
  pushAesKey?: string | null;
  now?: () => Date;
  /** How long after an accepted send its delivery result is pushed. */
  pushDelayMs?: number;
  /** Multiplies the retry delays (SANDBOX_NOTIFY_SCALE). */
  retryScale?: number;
  onPushError?: (info: { what: string; attempt: number; error: string }) => void;
  capacity?: number;
}

/**
 * The sandbox side of the subscribe-message API: issues access tokens, checks each send the way
 * WeChat does (token, template id, field lengths), keeps what was accepted, newest first, for
 * `GET /sandbox/wechat/subscribe-messages?touser=`. `refuse(openid)` plays a user who has not
 * accepted the template (errcode 43101). After an accepted send it pushes WeChat's
 * `subscribe_msg_sent_event` to the message push URL, signed with the push token and, in compatible
 * or safe mode, encrypted with the EncodingAESKey for the mini-program's appid
 * (wechat-push.protocol.ts): `success`, or for a user who set the messages to 拒收 in WeChat's 服务通知
 * after accepting (`refuseDelivery(openid)`) ErrorCode 10004 "fail:user refuse to accept the msg".
 */
export class WechatSubscribeSandbox {
  private readonly tokens = new Set<string>();
  private readonly messages: SandboxSubscribeMessage[] = [];
  private readonly refusing = new Set<string>();
  private readonly refusingDelivery = new Set<string>();
  private sequence = 0;
  private readonly pushes: Redelivery;
  /** The EncodingAESKey the console holds now (see useEncodingAesKey). */
  private pushAesKey: string | null;

  constructor(
    private readonly appid: string,
    private readonly secret: string,
    private readonly opts: WechatSubscribeSandboxOptions = {},
  ) {
    this.pushes = new Redelivery(WECHAT_PUSH_RETRY_MS, { scale: opts.retryScale, onError: opts.onPushError });
    this.pushAesKey = opts.pushAesKey ?? null;
  }

  /**
   * Plays the console's EncodingAESKey being other than OpenHall's WECHAT_PUSH_AES_KEY, as while an
   * operator changes it (the console changed before or after the deployment): every push from now
   * on, retries included, is encrypted with `key`.
   */
  useEncodingAesKey(key: string): void {
    wechatPushAesKey(key); // a malformed key is refused here, not at the next push
    this.pushAesKey = key;
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

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
    const message: SandboxSubscribeMessage = { ...(m as SubscribeMessage), msgid, sentAt: this.now().toISOString(), result: null };
    this.messages.unshift(message);
    if (this.messages.length > (this.opts.capacity ?? 1000)) this.messages.length = this.opts.capacity ?? 1000;
    if (this.opts.pushUrl && this.opts.pushToken) this.pushes.enqueue({ key: msgid, delayMs: this.opts.pushDelayMs ?? 2000, send: () => this.pushResult(message) });
    return { errcode: 0, errmsg: 'ok', msgid };
  }

  /** Pushes the message's `subscribe_msg_sent_event` once now; true when OpenHall answered `success`. */
  async pushResult(message: SandboxSubscribeMessage): Promise<boolean> {
    const refused = this.refusingDelivery.has(message.touser);
    const result = refused ? { errorCode: 10004, errorStatus: 'fail:user refuse to accept the msg' } : { errorCode: 0, errorStatus: 'success' };
    message.result = { ...result, attempts: (message.result?.attempts ?? 0) + 1, acknowledged: false };
    const now = this.now();
    const toUserName = 'gh_sandbox0000001';
    const event = subscribeSentEventJson({ toUserName, openid: message.touser, createTime: now, results: [{ templateId: message.template_id, msgId: message.msgid, ...result }] });
    const settings = { token: this.opts.pushToken!, aesKey: this.pushAesKey, mode: this.opts.pushMode ?? 'plain', appid: this.appid };
    const { query, body } = sealWechatPush(settings, event, { toUserName, timestamp: String(Math.floor(now.getTime() / 1000)), nonce: String(randomBytes(4).readUInt32BE()) });
    const url = new URL(this.opts.pushUrl!());
    url.search = new URLSearchParams(query).toString();
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    if (res.status !== 200 || (text !== 'success' && text !== '')) throw new Error(`message push answered ${res.status} ${text.slice(0, 100)}`);
    message.result.acknowledged = true;
    return true;
  }

  /** Plays a user who accepted the template but set its messages to 拒收 in WeChat: sends are accepted, the push says they failed. */
  refuseDelivery(openid: string): void {
    this.refusingDelivery.add(openid);
  }

  /** Resolves when every delivery result due has been pushed. */
  idle(): Promise<void> {
    return this.pushes.idle();
  }

  close(): void {
    this.pushes.stop();
  }

  /** Plays a user who has not accepted (or has used up) the subscription. */
  refuse(openid: string): void {
    this.refusing.add(openid);
  }

  list(touser?: string): SandboxSubscribeMessage[] {
    return touser ? this.messages.filter((m) => m.touser === touser) : [...this.messages];
  }
}
