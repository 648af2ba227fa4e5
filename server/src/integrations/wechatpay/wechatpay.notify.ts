import type { KeyObject } from 'node:crypto';
import {
  WECHATPAY_AUTH_SCHEME,
  decryptAes256Gcm,
  headerValue,
  responseSigningString,
  toPublicKey,
  verifySha256Rsa,
  type PlatformKeys,
} from './wechatpay.protocol';

/**
 * The body OpenHall answers a WeChat Pay notification with when it refuses it, with a 4xx or 5xx so
 * that WeChat Pay sends it again: `{ code: 'FAIL', message }` (an accepted one is a 204 without a
 * body). Its JSON schema, for the API document.
 */
export const WECHATPAY_NOTIFY_REFUSAL_SCHEMA = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string', enum: ['FAIL'] }, message: { type: 'string' } },
};

/** The decrypted `resource` of a `TRANSACTION.*` notification (and of a query answer). */
export interface WechatPayTransaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  /** Absent in a query answer until the order is paid; always present in a payment notification. */
  transaction_id?: string;
  trade_type: string;
  trade_state: string;
  trade_state_desc?: string;
  bank_type?: string;
  attach?: string;
  success_time?: string;
  payer?: { openid?: string };
  amount: { total: number; payer_total?: number; currency?: string; payer_currency?: string };
}

/** The decrypted `resource` of a `REFUND.*` notification. */
export interface WechatPayRefundResource {
  mchid: string;
  out_trade_no: string;
  transaction_id: string;
  out_refund_no: string;
  refund_id: string;
  refund_status: string;
  success_time?: string;
  user_received_account?: string;
  amount: { total: number; refund: number; payer_total: number; payer_refund: number };
}

/** The notification envelope, as posted (the resource still encrypted). */
export interface WechatPayNotifyEnvelope {
  id: string;
  create_time: string;
  event_type: string;
  resource_type: string;
  summary?: string;
  resource: { algorithm: string; ciphertext: string; associated_data?: string; nonce: string; original_type?: string };
}

/**
 * Why a notification was refused. Every reason means "change nothing and answer 4xx/5xx"; WeChat
 * retries, and a genuine notification that failed for a transient reason comes back.
 */
export type NotifyFailureReason =
  | 'missing_headers' // no Wechatpay-Timestamp / -Nonce / -Signature / -Serial
  | 'unsupported_signature_type'
  | 'unknown_serial' // Wechatpay-Serial names no key we hold: refresh certificates or configure the public key
  | 'stale_timestamp' // more than maxSkewSeconds away from `now`: a replay, or a badly wrong clock
  | 'bad_signature'
  | 'malformed_body' // not JSON, or not the envelope shape
  | 'unsupported_algorithm'
  | 'bad_ciphertext' // AES-GCM did not authenticate: tampered ciphertext/tag/AAD/nonce, or the wrong APIv3 key
  | 'malformed_resource'; // decrypted, but not JSON

export type NotifyVerification<T> =
  | { ok: true; notification: WechatPayNotifyEnvelope; resource: T; serial: string }
  | { ok: false; reason: NotifyFailureReason; detail: string };

export interface VerifyNotifyInput {
  /** Request headers as Koa gives them (any casing is accepted). */
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received. The signature covers these bytes, never a re-serialisation. */
  rawBody: string | Buffer;
  platformKeys: PlatformKeys;
  apiV3Key: string;
  /**
   * The protocol clock: pass the real current time. (A business clock moved by a test would make
   * every genuine notification look stale.)
   */
  now: Date;
  maxSkewSeconds?: number;
}

/**
 * Verifies a WeChat Pay v3 notification and decrypts its resource. Order of checks: headers,
 * serial, freshness, RSA signature over `timestamp\nnonce\nrawBody\n`, envelope shape, then
 * AEAD_AES_256_GCM with the auth tag checked. The caller still has to compare the content with its
 * own order (`checkTransactionMatches`) and treat duplicates idempotently.
 */
export function verifyAndDecryptNotify<T = WechatPayTransaction>(input: VerifyNotifyInput): NotifyVerification<T> {
  const maxSkew = input.maxSkewSeconds ?? 300;
  const timestamp = headerValue(input.headers, 'Wechatpay-Timestamp');
  const nonce = headerValue(input.headers, 'Wechatpay-Nonce');
  const signature = headerValue(input.headers, 'Wechatpay-Signature');
  const serial = headerValue(input.headers, 'Wechatpay-Serial');
  const signatureType = headerValue(input.headers, 'Wechatpay-Signature-Type');
  if (!timestamp || !nonce || !signature || !serial) {
    return fail('missing_headers', 'Wechatpay-Timestamp, -Nonce, -Signature and -Serial are all required');
  }
  if (signatureType && signatureType !== WECHATPAY_AUTH_SCHEME) {
    return fail('unsupported_signature_type', `Wechatpay-Signature-Type ${signatureType}`);
  }

  const rawKey = input.platformKeys.get(serial);
  if (!rawKey) return fail('unknown_serial', `no platform key for serial ${serial}`);
  let key: KeyObject;
  try {
    key = toPublicKey(rawKey);
  } catch {
    return fail('unknown_serial', `the key configured for serial ${serial} cannot be read`);
  }

  if (!/^\d{1,12}$/.test(timestamp)) return fail('stale_timestamp', `Wechatpay-Timestamp ${timestamp} is not a unix time`);
  const skew = Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp));
  if (skew > maxSkew) return fail('stale_timestamp', `Wechatpay-Timestamp is ${skew} s away from now (limit ${maxSkew} s)`);

  const body = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
  if (!verifySha256Rsa(responseSigningString(timestamp, nonce, body), signature, key)) {
    return fail('bad_signature', `signature does not verify with the key for serial ${serial}`);
  }

  let envelope: WechatPayNotifyEnvelope;
  try {
    envelope = JSON.parse(body) as WechatPayNotifyEnvelope;
  } catch {
    return fail('malformed_body', 'body is not JSON');
  }
  const r = envelope?.resource;
  if (!r || typeof r.ciphertext !== 'string' || typeof r.nonce !== 'string' || typeof envelope.event_type !== 'string') {
    return fail('malformed_body', 'resource.ciphertext, resource.nonce and event_type are required');
  }
  if (r.algorithm !== 'AEAD_AES_256_GCM') return fail('unsupported_algorithm', `resource.algorithm ${String(r.algorithm)}`);

  const plaintext = decryptAes256Gcm(r.ciphertext, input.apiV3Key, r.nonce, r.associated_data ?? '');
  if (plaintext === null) return fail('bad_ciphertext', 'AES-256-GCM authentication failed');
  let resource: T;
  try {
    resource = JSON.parse(plaintext) as T;
  } catch {
    return fail('malformed_resource', 'decrypted resource is not JSON');
  }
  return { ok: true, notification: envelope, resource, serial };
}

/** What the order expects a paid transaction to say. */
export interface ExpectedTransaction {
  mchid: string;
  appid: string;
  outTradeNo: string;
  amountFen: number;
}

/**
 * Names of the fields where a decrypted transaction disagrees with our order (empty = it matches).
 * `trade_state` is not compared here: the caller decides what SUCCESS / CLOSED / REFUND mean for it.
 */
export function checkTransactionMatches(tx: WechatPayTransaction, expected: ExpectedTransaction): string[] {
  const wrong: string[] = [];
  if (tx.mchid !== expected.mchid) wrong.push('mchid');
  if (tx.appid !== expected.appid) wrong.push('appid');
  if (tx.out_trade_no !== expected.outTradeNo) wrong.push('out_trade_no');
  if (!tx.amount || tx.amount.total !== expected.amountFen) wrong.push('amount.total');
  if (tx.amount?.currency !== undefined && tx.amount.currency !== 'CNY') wrong.push('amount.currency');
  return wrong;
}

function fail(reason: NotifyFailureReason, detail: string): { ok: false; reason: NotifyFailureReason; detail: string } {
  return { ok: false, reason, detail };
}
