import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's message push (消息推送) to the mini-program's server URL, in plaintext mode (明文模式),
 * as the mini-program's admin console configures it (开发管理 → 消息推送: URL, Token, data format
 * JSON or XML):
 * - `GET ?signature&timestamp&nonce&echostr`: the URL check when it is saved; answered with `echostr`.
 * - `POST ?signature&timestamp&nonce` with an event in the body; answered `success`.
 * Both carry `signature = sha1(sort([token, timestamp, nonce]).join(''))`. The body itself is not
 * signed in plaintext mode; OpenHall also refuses a timestamp more than 5 minutes off, so a
 * captured query cannot be replayed later.
 *
 * The event read here is `subscribe_msg_sent_event`: what became of a subscribe message sent
 * through `subscribeMessage.send` (JSON shown; XML has the same names under
 * `<SubscribeMsgSentEvent><List>…</List></SubscribeMsgSentEvent>`):
 *
 *   { "ToUserName": "gh_…", "FromUserName": "<openid>", "CreateTime": "1620963428", "MsgType": "event",
 *     "Event": "subscribe_msg_sent_event",
 *     "List": { "TemplateId": "…", "MsgID": "1864323726461255680", "ErrorCode": "0", "ErrorStatus": "success" } }
 *
 * `ErrorCode` 0 / `ErrorStatus` "success": delivered; otherwise it was not (e.g. 10004
 * "fail:user refuse to accept the msg"). `List` may be one object or an array.
 */
export const WECHAT_PUSH_MAX_SKEW_MS = 5 * 60_000;
export const SUBSCRIBE_MSG_SENT_EVENT = 'subscribe_msg_sent_event';

/** The query's signature over the token, timestamp and nonce. */
export function wechatPushSignature(token: string, timestamp: string, nonce: string): string {
  return createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
}

export type WechatPushVerdict = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'bad_signature' };

/** The query's signature matches (constant time) and its timestamp is within the window. */
export function verifyWechatPush(token: string, q: { signature?: string; timestamp?: string; nonce?: string }, now: Date): WechatPushVerdict {
  const { signature, timestamp, nonce } = q;
  if (!signature || !timestamp || !nonce || !/^\d{1,12}$/.test(timestamp) || nonce.length > 64) return { ok: false, reason: 'missing' };
  const expected = Buffer.from(wechatPushSignature(token, timestamp, nonce));
  const given = Buffer.from(signature.toLowerCase());
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > WECHAT_PUSH_MAX_SKEW_MS) return { ok: false, reason: 'stale' };
  return { ok: true };
}

/** One entry of a `subscribe_msg_sent_event`'s List. */
export interface SubscribeSentResult {
  templateId: string;
  msgId: string;
  errorCode: number;
  errorStatus: string;
}

/** A pushed event: its name, when WeChat made it, and for `subscribe_msg_sent_event` the results. */
export interface WechatPushEvent {
  event: string | null;
  createTime: Date | null;
  results: SubscribeSentResult[];
}

/** Reads a pushed body, JSON or XML; null when it is neither. */
export function parseWechatPush(body: string): WechatPushEvent | null {
  const text = body.trim();
  if (text.startsWith('{')) {
    let v: Record<string, unknown>;
    try {
      // MsgID is a 64-bit number: kept as its digits (quoted) should WeChat send it unquoted.
      v = JSON.parse(text.replace(/("MsgID"\s*:\s*)(\d+)/g, '$1"$2"')) as Record<string, unknown>;
    } catch {
      return null;
    }
    const list = Array.isArray(v.List) ? v.List : v.List && typeof v.List === 'object' ? [v.List] : [];
    return { event: typeof v.Event === 'string' ? v.Event : null, createTime: timeOf(v.CreateTime), results: (list as Record<string, unknown>[]).map(resultOf).filter((r) => r !== null) };
  }
  if (text.startsWith('<')) {
    const lists = [...text.matchAll(/<List>([\s\S]*?)<\/List>/g)].map((m) => ({
      TemplateId: xmlField(m[1], 'TemplateId'),
      MsgID: xmlField(m[1], 'MsgID'),
      ErrorCode: xmlField(m[1], 'ErrorCode'),
      ErrorStatus: xmlField(m[1], 'ErrorStatus'),
    }));
    return { event: xmlField(text, 'Event'), createTime: timeOf(xmlField(text, 'CreateTime')), results: lists.map(resultOf).filter((r) => r !== null) };
  }
  return null;
}

function resultOf(item: Record<string, unknown>): SubscribeSentResult | null {
  const msgId = typeof item?.MsgID === 'string' || typeof item?.MsgID === 'number' ? String(item.MsgID) : '';
  const errorCode = Number(item?.ErrorCode);
  if (!msgId || msgId.length > 64 || !Number.isInteger(errorCode)) return null;
  return { templateId: String(item.TemplateId ?? ''), msgId, errorCode, errorStatus: String(item.ErrorStatus ?? '').slice(0, 200) };
}

function timeOf(v: unknown): Date | null {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? new Date(n * 1000) : null;
}

/** A flat element's text, CDATA or not. */
function xmlField(xml: string, name: string): string | null {
  const m = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return m ? (m[1] ?? m[2] ?? '').trim() : null;
}

/** A `subscribe_msg_sent_event` as WeChat pushes it (the sandbox's), in JSON. */
export function subscribeSentEventJson(p: { toUserName: string; openid: string; createTime: Date; results: SubscribeSentResult[] }): string {
  return JSON.stringify({
    ToUserName: p.toUserName,
    FromUserName: p.openid,
    CreateTime: String(Math.floor(p.createTime.getTime() / 1000)),
    MsgType: 'event',
    Event: SUBSCRIBE_MSG_SENT_EVENT,
    List: p.results.map((r) => ({ TemplateId: r.templateId, MsgID: r.msgId, ErrorCode: String(r.errorCode), ErrorStatus: r.errorStatus })),
  });
}
