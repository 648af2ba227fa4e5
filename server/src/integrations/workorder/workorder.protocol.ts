import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The wire protocol between OpenHall and the operator's work-order system, the same both ways:
 * a JSON body, `X-WorkOrder-Timestamp` (Unix seconds), and `X-WorkOrder-Signature: sha256=<hex>`,
 * an HMAC-SHA256 with the shared secret over `<timestamp>.<body>`. Signing the timestamp with the
 * body is what makes an old capture useless: replayed later, its timestamp is out of the window.
 * `Idempotency-Key` names the message; the receiver answers a repeat as it answered the first.
 */
export const WORKORDER_TOPIC = 'workorder.ticket';
export const TIMESTAMP_HEADER = 'x-workorder-timestamp';
export const SIGNATURE_HEADER = 'x-workorder-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** How far a message's timestamp may be from the receiver's clock. */
export const MAX_SKEW_MS = 5 * 60_000;

/** `sha256=<hex>` over `<timestamp>.<body>`. */
export function signWorkOrderBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The headers a signed message carries. */
export function signedHeaders(secret: string, body: string, now: Date, idempotencyKey: string): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    'Content-Type': 'application/json',
    'X-WorkOrder-Timestamp': timestamp,
    'X-WorkOrder-Signature': signWorkOrderBody(secret, timestamp, body),
    'Idempotency-Key': idempotencyKey,
  };
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'bad_signature' };

/** Checks a received message: both headers present, timestamp within ±5 minutes, signature matching (constant time). */
export function verifyWorkOrderSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  now: Date,
  maxSkewMs = MAX_SKEW_MS,
): VerifyResult {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing' };
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > maxSkewMs) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signWorkOrderBody(secret, timestamp, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}
