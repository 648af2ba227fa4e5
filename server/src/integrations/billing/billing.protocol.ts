import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';

/**
 * The wire protocol between OpenHall and the operator's billing system (营收系统 / BOSS).
 *
 * Into OpenHall (the inlet): `POST /api/v1/integrations/billing/batches`, `Content-Type:
 * application/x-ndjson`, one record per line (shared/src/billing-records.ts), with
 * - `X-Billing-Batch-Id`: the billing system's id of the batch (1–128 of `[A-Za-z0-9_.:-]`); a batch
 *   id is taken once, so a replayed batch is answered with the import it already made;
 * - `X-Billing-Timestamp`: Unix seconds, within 5 minutes of OpenHall's clock;
 * - `X-Billing-Signature: sha256=<hex>`: HMAC-SHA256 with the shared secret over
 *   `<timestamp>.<batch id>.<body>`. Reads of an import's progress and results sign
 *   `<timestamp>.GET <path and query>.` (an empty body) the same way.
 * The body is spooled to disk while the signature is computed and read only once it matches.
 *
 * Out of OpenHall (live queries and write-offs): JSON, signed as the work-order messages are:
 * `X-OpenHall-Timestamp`, `X-OpenHall-Signature: sha256=HMAC(secret, <timestamp>.<body>)` where a
 * GET's body is `GET <path and query>`, `Idempotency-Key` on writes, `X-OpenHall-Topic` naming
 * what a write-off message is. See README "The billing system" for the endpoints.
 */
export const TIMESTAMP_HEADER = 'x-billing-timestamp';
export const SIGNATURE_HEADER = 'x-billing-signature';
export const NDJSON = 'application/x-ndjson';
/** How far a request's timestamp may be from the receiver's clock. */
export const MAX_SKEW_MS = 5 * 60_000;
export const BATCH_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** An HMAC over `<timestamp>.<subject>.` to which the body is then fed as it streams in. */
export function inletHmac(secret: string, timestamp: string, subject: string): Hmac {
  return createHmac('sha256', secret).update(`${timestamp}.${subject}.`);
}

/** `sha256=<hex>` over `<timestamp>.<subject>.<body>`: what the billing system sends. */
export function signInlet(secret: string, timestamp: string, subject: string, body: string | Buffer): string {
  return `sha256=${inletHmac(secret, timestamp, subject).update(body).digest('hex')}`;
}

/** Headers of a signed batch. */
export function signedBatchHeaders(secret: string, batchId: string, body: string | Buffer, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { 'Content-Type': NDJSON, 'X-Billing-Batch-Id': batchId, 'X-Billing-Timestamp': timestamp, 'X-Billing-Signature': signInlet(secret, timestamp, batchId, body) };
}

/** Headers of a signed read (`GET <pathAndQuery>`). */
export function signedReadHeaders(secret: string, pathAndQuery: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { 'X-Billing-Timestamp': timestamp, 'X-Billing-Signature': signInlet(secret, timestamp, `GET ${pathAndQuery}`, '') };
}

/** Whether a timestamp header is well-formed and within the window (checked before any body is read). */
export function timestampProblem(timestamp: string | undefined, now: Date): 'missing' | 'stale' | null {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return 'missing';
  return Math.abs(now.getTime() - Number(timestamp) * 1000) > MAX_SKEW_MS ? 'stale' : null;
}

/** Constant-time comparison of a given `sha256=<hex>` with the computed digest. */
export function signatureMatches(given: string | undefined, digestHex: string): boolean {
  if (!given) return false;
  const expected = Buffer.from(`sha256=${digestHex}`);
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** `sha256=<hex>` over `<timestamp>.<body>`: how OpenHall signs what it sends the billing system. */
export function signOutbound(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Headers of a signed request from OpenHall; `body` is the JSON body, or `GET <path>` for a read. */
export function outboundHeaders(secret: string, body: string, now: Date, extra: Record<string, string> = {}): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { 'X-OpenHall-Timestamp': timestamp, 'X-OpenHall-Signature': signOutbound(secret, timestamp, body), ...extra };
}

/** Checks a request OpenHall sent (what the billing system, and its sandbox, do). */
export function verifyOutbound(secret: string, headers: { timestamp?: string; signature?: string }, body: string, now: Date): 'missing' | 'stale' | 'bad_signature' | null {
  const problem = timestampProblem(headers.timestamp, now);
  if (problem) return problem;
  const digest = createHmac('sha256', secret).update(`${headers.timestamp}.${body}`).digest('hex');
  return signatureMatches(headers.signature, digest) ? null : 'bad_signature';
}
