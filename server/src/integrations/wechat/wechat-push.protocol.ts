import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's message push (消息推送) to the mini-program's server URL, as the mini-program's admin
 * console configures it (开发管理 → 消息推送: URL, Token, EncodingAESKey, 消息加密方式 明文/兼容/安全,
 * data format JSON or XML):
 * - `GET ?signature&timestamp&nonce&echostr`: the URL check when it is saved; answered with `echostr`.
 *   The same in every mode: the mini-program's guide (developers.weixin.qq.com/miniprogram/dev/
 *   framework/server-ability/message-push.html, 发起验证) has `echostr` returned as it came, not
 *   encrypted (an encrypted `echostr` is WeCom's 企业微信 scheme, not the mini-program's).
 * - `POST ?signature&timestamp&nonce` with an event in the body; answered `success`.
 * Both carry `signature = sha1(sort([token, timestamp, nonce]).join(''))`. The body itself is not
 * signed in plaintext mode; OpenHall also refuses a timestamp more than 5 minutes off, so a
 * captured query cannot be replayed later.
 *
 * Safe mode (安全模式) and compatible mode (兼容模式) use the official account's 消息加解密 scheme
 * (its 技术方案 and WXBizMsgCrypt samples): the query adds `encrypt_type=aes&msg_signature=…`, and the
 * body carries `Encrypt` (JSON `{"ToUserName":"gh_…","Encrypt":"<base64>"}`, XML
 * `<xml><ToUserName>…</ToUserName><Encrypt><![CDATA[…]]></Encrypt></xml>`; in compatible mode beside
 * the plaintext fields, which are then not read).
 * - `msg_signature = sha1(sort([token, timestamp, nonce, Encrypt]).join(''))`: it signs the body,
 *   and is checked (with the timestamp window) before anything is decrypted.
 * - AESKey = Base64_Decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC, IV = its first 16 bytes;
 *   PKCS#7 padding to a 32-byte block (not AES's 16).
 * - Plain = random(16 bytes) + msg_len (4 bytes, big-endian) + msg + appid: the appid at the end
 *   must be the mini-program's own.
 * The answer stays `success`: WeChat takes a plain answer in safe mode too.
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
  return verdictOf(wechatPushSignature(token, timestamp, nonce), signature, timestamp, now);
}

function verdictOf(expectedHex: string, givenHex: string, timestamp: string, now: Date): WechatPushVerdict {
  const expected = Buffer.from(expectedHex);
  const given = Buffer.from(givenHex.toLowerCase());
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > WECHAT_PUSH_MAX_SKEW_MS) return { ok: false, reason: 'stale' };
  return { ok: true };
}

/**
 * How the console's 消息加密方式 is set, as OpenHall takes it: `plain` (明文) and `compat` (兼容) take
 * plaintext and encrypted pushes alike (the console's switch applies at once, so pushes of both kinds
 * may meet during a change); `safe` (安全) refuses a push whose body is not encrypted and signed.
 */
export const WECHAT_PUSH_MODES = ['plain', 'compat', 'safe'] as const;
export type WechatPushMode = (typeof WECHAT_PUSH_MODES)[number];

/** An EncodingAESKey as the console makes it: 43 characters of the base64 alphabet. */
export const ENCODING_AES_KEY_PATTERN = /^[A-Za-z0-9+/]{43}$/;

/**
 * AESKey = Base64_Decode(EncodingAESKey + "="): 32 bytes. The 43rd character's low bits are not
 * required to be zero (WeChat's own random keys do not keep to that), as base64 decoders ignore them.
 */
export function wechatPushAesKey(encodingAesKey: string): Buffer {
  if (!ENCODING_AES_KEY_PATTERN.test(encodingAesKey)) throw new Error('EncodingAESKey must be 43 characters of the base64 alphabet');
  return Buffer.from(`${encodingAesKey}=`, 'base64');
}

/** The body's signature in safe and compatible modes: over the token, timestamp, nonce and `Encrypt`. */
export function wechatPushMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}

/** `msg_signature` matches the body's `Encrypt` (constant time) and the timestamp is within the window. */
export function verifyWechatEncryptedPush(token: string, q: { msg_signature?: string; timestamp?: string; nonce?: string }, encrypt: string, now: Date): WechatPushVerdict {
  const { msg_signature: signature, timestamp, nonce } = q;
  if (!signature || !timestamp || !nonce || !/^\d{1,12}$/.test(timestamp) || nonce.length > 64) return { ok: false, reason: 'missing' };
  return verdictOf(wechatPushMsgSignature(token, timestamp, nonce, encrypt), signature, timestamp, now);
}

/** WeChat pads to a 32-byte block (PKCS#7 with k = 32), not AES's 16: Node's padding is turned off. */
const PAD_BLOCK = 32;

/** `Encrypt` for a message: base64 of AES-256-CBC over random(16) + msg_len + msg + appid. */
export function encryptWechatPush(aesKey: Buffer, appid: string, msg: string, random: Buffer = randomBytes(16)): string {
  if (random.length !== 16) throw new Error('the random prefix is 16 bytes');
  const body = Buffer.from(msg, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const plain = Buffer.concat([random, len, body, Buffer.from(appid, 'utf8')]);
  const pad = PAD_BLOCK - (plain.length % PAD_BLOCK);
  const cipher = createCipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

export type WechatDecryptResult = { ok: true; msg: string } | { ok: false; reason: 'undecryptable' | 'wrong_appid' };

/**
 * The message inside `Encrypt`, once its msg_signature has been checked: refused when it is not
 * base64 of whole blocks, its padding or length is wrong (another key: the EncodingAESKey was changed
 * in the console and not here), or the appid at its end is not ours.
 */
export function decryptWechatPush(aesKey: Buffer, appid: string, encrypt: string): WechatDecryptResult {
  const text = encrypt.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return { ok: false, reason: 'undecryptable' };
  const data = Buffer.from(text, 'base64');
  if (data.length === 0 || data.length % PAD_BLOCK !== 0) return { ok: false, reason: 'undecryptable' };
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16)).setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    return { ok: false, reason: 'undecryptable' };
  }
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > PAD_BLOCK || plain.subarray(plain.length - pad).some((b) => b !== pad)) return { ok: false, reason: 'undecryptable' };
  const content = plain.subarray(0, plain.length - pad);
  if (content.length < 20) return { ok: false, reason: 'undecryptable' };
  const msgLen = content.readUInt32BE(16);
  if (20 + msgLen > content.length) return { ok: false, reason: 'undecryptable' };
  const from = content.subarray(20 + msgLen);
  const ours = Buffer.from(appid, 'utf8');
  if (from.length !== ours.length || !from.equals(ours)) return { ok: false, reason: 'wrong_appid' };
  return { ok: true, msg: content.subarray(20, 20 + msgLen).toString('utf8') };
}

/** A pushed body's `Encrypt` (JSON or XML, safe or compatible mode); null when it has none. */
export function encryptedPartOf(body: string): string | null {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const v = JSON.parse(text) as Record<string, unknown>;
      return typeof v?.Encrypt === 'string' && v.Encrypt ? v.Encrypt : null;
    } catch {
      return null;
    }
  }
  if (text.startsWith('<')) return xmlField(text, 'Encrypt') || null;
  return null;
}

/** The settings a push is read with: the console's Token, EncodingAESKey and mode, and our appid. */
export interface WechatPushSettings {
  token: string;
  /** The EncodingAESKey (null: not configured, so encrypted pushes cannot be read). */
  aesKey: string | null;
  /**
   * The EncodingAESKey the console held before its last change (WECHAT_PUSH_AES_KEY_PREVIOUS), tried
   * only when `aesKey` cannot open a push: WeChat's technical plan for the same scheme has the
   * receiver keep the current and the previous key, and try the previous one when the current fails.
   */
  previousAesKey?: string | null;
  mode: WechatPushMode;
  appid: string;
}

/** Which EncodingAESKey opened an encrypted push. */
export type WechatPushKey = 'current' | 'previous';

export type WechatPushOpened =
  | { ok: true; encrypted: false; body: string }
  | { ok: true; encrypted: true; body: string; key: WechatPushKey }
  | { ok: false; reason: 'missing' | 'stale' | 'bad_signature' | 'no_aes_key' | 'not_encrypted' | 'no_encrypt' | 'undecryptable' | 'wrong_appid' | 'bad_encrypt_type' };

/**
 * A POSTed push verified and, when encrypted, decrypted: the message to parse. `encrypt_type=aes`
 * (safe and compatible modes) is read from `Encrypt` only, authenticated by `msg_signature`; without
 * it (or `raw`) the body is the message, authenticated by `signature` over the query alone, which
 * safe mode refuses. The signature is checked first, whatever key then opens the message; the
 * previous key is tried only when the current one cannot open it (padding, length or appid).
 */
export function openWechatPush(s: WechatPushSettings, query: Record<string, string | undefined>, rawBody: string, now: Date): WechatPushOpened {
  const encryptType = query.encrypt_type;
  if (encryptType === undefined || encryptType === 'raw') {
    const verdict = verifyWechatPush(s.token, query, now);
    if (!verdict.ok) return verdict;
    if (s.mode === 'safe') return { ok: false, reason: 'not_encrypted' };
    return { ok: true, encrypted: false, body: rawBody };
  }
  if (encryptType !== 'aes') return { ok: false, reason: 'bad_encrypt_type' };
  const encrypt = encryptedPartOf(rawBody);
  if (!encrypt) return { ok: false, reason: 'no_encrypt' };
  const verdict = verifyWechatEncryptedPush(s.token, query, encrypt, now);
  if (!verdict.ok) return verdict;
  if (!s.aesKey) return { ok: false, reason: 'no_aes_key' };
  const opened = decryptWechatPush(wechatPushAesKey(s.aesKey), s.appid, encrypt);
  if (opened.ok) return { ok: true, encrypted: true, body: opened.msg, key: 'current' };
  if (!s.previousAesKey) return opened;
  const old = decryptWechatPush(wechatPushAesKey(s.previousAesKey), s.appid, encrypt);
  if (old.ok) return { ok: true, encrypted: true, body: old.msg, key: 'previous' };
  // Another appid means one of the keys did open it, with padding and length intact: the telling reason.
  return opened.reason === 'wrong_appid' || old.reason === 'wrong_appid' ? { ok: false, reason: 'wrong_appid' } : opened;
}

/**
 * The query and body WeChat sends for a message in the given mode (the sandbox's side): plaintext
 * with `signature`; compatible: the plaintext fields and `Encrypt`; safe: `ToUserName` and `Encrypt`,
 * both with `encrypt_type=aes&msg_signature`. `message` is JSON or XML, as the data format is.
 */
export function sealWechatPush(s: WechatPushSettings, message: string, p: { toUserName: string; timestamp: string; nonce: string; random?: Buffer }): { query: Record<string, string>; body: string } {
  const query: Record<string, string> = { signature: wechatPushSignature(s.token, p.timestamp, p.nonce), timestamp: p.timestamp, nonce: p.nonce };
  if (s.mode === 'plain') return { query, body: message };
  if (!s.aesKey) throw new Error(`an EncodingAESKey is needed in ${s.mode} mode`);
  const encrypt = encryptWechatPush(wechatPushAesKey(s.aesKey), s.appid, message, p.random);
  Object.assign(query, { encrypt_type: 'aes', msg_signature: wechatPushMsgSignature(s.token, p.timestamp, p.nonce, encrypt) });
  const xml = message.trim().startsWith('<');
  if (s.mode === 'compat') {
    // Added to the text as it is, so the plaintext fields keep their exact form (MsgID's digits).
    const body = xml ? message.replace(/<\/xml>\s*$/, `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`) : message.replace(/}\s*$/, `,"Encrypt":"${encrypt}"}`);
    return { query, body };
  }
  const body = xml ? `<xml><ToUserName><![CDATA[${p.toUserName}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` : JSON.stringify({ ToUserName: p.toUserName, Encrypt: encrypt });
  return { query, body };
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
