import { createSign, createVerify } from 'node:crypto';
import { yuanToFen } from '@openhall/shared';

/**
 * Pieces of the Alipay open-platform protocol that both sides need: the adapter (our merchant
 * side) and the sandbox (the gateway side). Kept free of the SDK so the sandbox checks what the
 * SDK produces with an independent implementation.
 */

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * An instant as Alipay writes times: "yyyy-MM-dd HH:mm:ss" in Asia/Shanghai, whatever the
 * process TZ is (the SDK itself uses the process's local time, which is wrong on a UTC host).
 */
export function formatAlipayTime(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** "yyyy-MM-dd HH:mm:ss" (Asia/Shanghai) → instant; null when the text is not exactly that. */
export function parseAlipayTime(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls "02-30" over into March; a time Alipay could not have written is not a time.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return null;
  }
  return new Date(ms - SHANGHAI_OFFSET_MS);
}

/**
 * A yuan amount exactly as Alipay writes it ("1.00", "0.1", "100") → fen. Anything else — a sign,
 * blanks, an exponent, a third decimal — is refused rather than rounded: an amount we cannot read
 * exactly must never be allowed to match an order.
 */
export function parseAlipayAmountFen(text: unknown): number | null {
  if (typeof text !== 'string' || !/^(0|[1-9]\d{0,10})(\.\d{1,2})?$/.test(text)) return null;
  return yuanToFen(text);
}

/** Like `parseAlipayAmountFen` but allows a leading minus (refund lines in trade bills). */
export function parseSignedAlipayAmountFen(text: string): number | null {
  if (text.startsWith('-')) {
    const fen = parseAlipayAmountFen(text.slice(1));
    return fen === null ? null : -fen;
  }
  return parseAlipayAmountFen(text);
}

/**
 * The content Alipay signs for form-style messages (gateway requests, async notifications,
 * return-url parameters): keys sorted, `k=v` joined by `&`, raw values (no URL decoding), the
 * excluded keys and empty values left out.
 * Requests exclude only `sign`; notifications and return parameters exclude `sign` and `sign_type`.
 */
export function alipaySignContent(params: Record<string, string>, exclude: readonly string[]): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** SHA256withRSA, base64: what Alipay calls RSA2. */
export function signRsa2(content: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKeyPem, 'base64');
}

/** Verifies an RSA2 signature; a malformed signature or key is a failed verification, not a crash. */
export function verifyRsa2(content: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

/** `out_trade_no` as this portal generates it and Alipay accepts it: 1–64 letters, digits, `_`. */
export function isAlipayOutTradeNo(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(value);
}
