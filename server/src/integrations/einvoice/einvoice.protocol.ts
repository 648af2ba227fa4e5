import { createHash, createPrivateKey, createPublicKey, createSign, createVerify, randomBytes, type KeyObject } from 'node:crypto';

/**
 * The wire protocol of the e-invoice platform (电子发票开放平台), in the shape China's platforms
 * share: OpenHall is an app of the platform with an app key and an RSA key pair whose public half the
 * platform holds; the platform signs with its own key, whose public half OpenHall holds.
 *
 * Every request carries `X-Einv-App-Key`, `X-Einv-Timestamp` (Unix seconds), `X-Einv-Nonce` and
 * `X-Einv-Signature`: base64 SHA256withRSA over `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`.
 * Every answer and every callback is signed by the platform over `TIMESTAMP\nNONCE\nBODY\n` (a PDF's
 * body is signed as the hex SHA-256 of its bytes), with the same three headers. Either side refuses
 * a timestamp more than 5 minutes from its clock.
 *
 *   POST /v1/invoices                   issue (blue, or red against `original`); 202 {code: ACCEPTED}
 *                                       (a serial number already taken: 200 {code: DUPLICATE} and its state)
 *   GET  /v1/invoices/:serialNo         its state: processing, issued (number, date) or failed (code, reason)
 *   GET  /v1/invoices/:serialNo/pdf     the issued invoice's PDF
 *   → POST <notifyUrl>                  signed callback {eventId, eventType, createdAt, data: state};
 *                                       answered 200 {"code":"SUCCESS"}, else sent again later
 *
 * The serial number (流水号) is OpenHall's: one per attempt, so sending one again (a retry after a
 * timeout) can never issue twice.
 */

export const APP_KEY_HEADER = 'x-einv-app-key';
export const TIMESTAMP_HEADER = 'x-einv-timestamp';
export const NONCE_HEADER = 'x-einv-nonce';
export const SIGNATURE_HEADER = 'x-einv-signature';
/** How far a signed message's timestamp may be from the receiver's clock. */
export const EINVOICE_MAX_SKEW_MS = 5 * 60_000;

/** The buyer (购买方). */
export interface EinvoiceBuyer {
  type: 'personal' | 'company';
  name: string;
  taxNo: string | null;
  email: string | null;
}

/** The seller (销售方), as configured for the operator. */
export interface EinvoiceSeller {
  name: string;
  taxNo: string;
  address: string;
  phone: string;
  bank: string;
  bankAccount: string;
}

/** One line as sent: every figure already computed by OpenHall; the platform checks them. */
export interface EinvoiceLine {
  name: string;
  unit: string | null;
  quantity: number | null;
  unitPrice: string | null;
  netFen: number;
  rateBp: number;
  /** 9%, 不征税… as printed. */
  rateText: string;
  taxFen: number;
  amountFen: number;
}

/** `POST /v1/invoices`. A red invoice's lines and totals are the blue one's, negated. */
export interface EinvoiceIssueRequest {
  serialNo: string;
  kind: 'blue' | 'red';
  /** The blue invoice a red one reverses. */
  original: { serialNo: string; invoiceNo: string } | null;
  buyer: EinvoiceBuyer;
  seller: EinvoiceSeller;
  issuer: string;
  lines: EinvoiceLine[];
  netFen: number;
  taxFen: number;
  totalFen: number;
  remark: string;
  notifyUrl: string;
}

export type EinvoiceFailCode = 'BUYER_INVALID' | 'SELLER_BLOCKED' | 'QUOTA_EXCEEDED' | 'AMOUNT_INVALID' | 'REJECTED';

/** What the platform says about a serial number (a query answer, a callback's `data`). */
export interface EinvoiceState {
  serialNo: string;
  kind: 'blue' | 'red';
  status: 'processing' | 'issued' | 'failed';
  invoiceNo: string | null;
  /** ISO 8601. */
  issuedAt: string | null;
  totalFen: number;
  taxFen: number;
  failCode: EinvoiceFailCode | null;
  failReason: string | null;
}

/** A callback's body. */
export interface EinvoiceCallback {
  eventId: string;
  eventType: 'INVOICE.ISSUED' | 'INVOICE.FAILED';
  createdAt: string;
  data: EinvoiceState;
}

/** The string a request is signed over. */
export function requestSignString(method: string, pathAndQuery: string, timestamp: string, nonce: string, body: string): string {
  return `${method.toUpperCase()}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** The string an answer or callback is signed over (`body`: the text, or a PDF's hex SHA-256). */
export function answerSignString(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function signRsaSha256(privateKey: KeyObject, text: string): string {
  return createSign('RSA-SHA256').update(text, 'utf8').sign(privateKey, 'base64');
}

export function verifyRsaSha256(publicKey: KeyObject, text: string, signature: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(text, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** Fresh signing headers: timestamp from `now`, a random nonce, the signature over `signString(ts, nonce)`. */
export function signedHeaders(privateKey: KeyObject, now: Date, signString: (timestamp: string, nonce: string) => string, appKey?: string): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = randomBytes(16).toString('hex');
  return {
    ...(appKey ? { 'X-Einv-App-Key': appKey } : {}),
    'X-Einv-Timestamp': timestamp,
    'X-Einv-Nonce': nonce,
    'X-Einv-Signature': signRsaSha256(privateKey, signString(timestamp, nonce)),
  };
}

export type EinvoiceVerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'bad_signature' };

/** Checks the three signing headers: present, the timestamp within the window, the signature matching. */
export function verifySigned(
  publicKey: KeyObject,
  headers: { timestamp?: string | null; nonce?: string | null; signature?: string | null },
  signString: (timestamp: string, nonce: string) => string,
  now: Date,
): EinvoiceVerifyResult {
  const { timestamp, nonce, signature } = headers;
  if (!timestamp || !nonce || !signature || !/^\d{1,12}$/.test(timestamp) || nonce.length > 64) return { ok: false, reason: 'missing' };
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > EINVOICE_MAX_SKEW_MS) return { ok: false, reason: 'stale' };
  if (!verifyRsaSha256(publicKey, signString(timestamp, nonce), signature)) return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}

export function toPrivateKey(pem: string | Buffer): KeyObject {
  return createPrivateKey(pem);
}

export function toPublicKey(pem: string | Buffer): KeyObject {
  return createPublicKey(pem);
}

