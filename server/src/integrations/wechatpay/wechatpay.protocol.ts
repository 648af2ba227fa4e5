import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  randomBytes,
  sign as rsaSign,
  verify as rsaVerify,
  type KeyObject,
} from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/**
 * WeChat Pay API v3 wire-level primitives shared by the adapter, the notify verifier and the
 * sandbox: signatures, the Authorization header, AEAD_AES_256_GCM, time formats, raw HTTP.
 * Nothing here knows whether the other side is the real gateway or the sandbox.
 */

/** The host the SDK hard-codes; every URL it builds starts with this. */
export const WECHATPAY_API_ORIGIN = 'https://api.mch.weixin.qq.com';
export const WECHATPAY_AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
export const PUB_KEY_ID_PREFIX = 'PUB_KEY_ID_';

/**
 * Platform verification keys by the serial WeChat puts in `Wechatpay-Serial`: platform certificate
 * serials (hex) and/or the platform public key id (`PUB_KEY_ID_…`). During a switch to the public
 * key both kinds arrive, so both belong in the same map. Values: KeyObject, public key PEM or
 * certificate PEM.
 */
export type PlatformKeys = ReadonlyMap<string, KeyObject | string | Buffer>;

/** Normalises every entry to a KeyObject once, so verification does not re-parse PEM per request. */
export function toPublicKeyMap(keys: PlatformKeys): Map<string, KeyObject> {
  const out = new Map<string, KeyObject>();
  for (const [serial, key] of keys) out.set(serial, toPublicKey(key));
  return out;
}

export function toPublicKey(key: KeyObject | string | Buffer): KeyObject {
  if (typeof key === 'string' || Buffer.isBuffer(key)) return createPublicKey(key);
  return key.type === 'public' ? key : createPublicKey(key);
}

/** A nonce from the CSPRNG (the SDK uses Math.random), upper-case hex as WeChat's own. */
export function createNonce(bytes = 16): string {
  return randomBytes(bytes).toString('hex').toUpperCase();
}

/** SHA256withRSA, base64. */
export function signSha256Rsa(message: string, privateKey: KeyObject | string | Buffer): string {
  return rsaSign('sha256', Buffer.from(message, 'utf8'), privateKey).toString('base64');
}

/** Never throws: a malformed signature or key is simply "not verified". */
export function verifySha256Rsa(message: string, signatureBase64: string, publicKey: KeyObject): boolean {
  try {
    return rsaVerify('sha256', Buffer.from(message, 'utf8'), publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

/** The string the merchant signs for a request: `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`. */
export function requestSigningString(method: string, pathAndQuery: string, timestamp: string, nonce: string, body: string): string {
  return `${method.toUpperCase()}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** The string WeChat signs for responses and notifications: `TIMESTAMP\nNONCE\nBODY\n`. */
export function responseSigningString(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export interface AuthorizationParams {
  mchid: string;
  nonce_str: string;
  timestamp: string;
  serial_no: string;
  signature: string;
}

/** Parses `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",…`; null when anything is missing. */
export function parseAuthorization(header: string | undefined): AuthorizationParams | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space) !== WECHATPAY_AUTH_SCHEME) return null;
  const params: Record<string, string> = {};
  const re = /\s*([a-z_]+)="([^"]*)"\s*(?:,|$)/g;
  const rest = header.slice(space + 1);
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest))) params[m[1]] = m[2];
  const { mchid, nonce_str, timestamp, serial_no, signature } = params;
  if (!mchid || !nonce_str || !timestamp || !serial_no || !signature) return null;
  return { mchid, nonce_str, timestamp, serial_no, signature };
}

/** AEAD_AES_256_GCM as WeChat uses it: base64(ciphertext ‖ 16-byte tag). */
export function encryptAes256Gcm(plaintext: string, apiV3Key: string, nonce: string, associatedData: string): string {
  const cipher = createCipheriv('aes-256-gcm', apiV3KeyBytes(apiV3Key), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([ct, cipher.getAuthTag()]).toString('base64');
}

/**
 * Decrypts AEAD_AES_256_GCM and CHECKS the auth tag (`final()` throws on a wrong tag, which is the
 * whole point: the SDK's `decipher_gcm` never calls it). Returns null when the data does not
 * authenticate.
 */
export function decryptAes256Gcm(ciphertextBase64: string, apiV3Key: string, nonce: string, associatedData: string): string | null {
  const data = Buffer.from(ciphertextBase64, 'base64');
  if (data.length < 16) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', apiV3KeyBytes(apiV3Key), Buffer.from(nonce, 'utf8'), { authTagLength: 16 });
    decipher.setAuthTag(data.subarray(data.length - 16));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** The APIv3 key is a 32-character string used as raw AES-256 key bytes. */
export function apiV3KeyBytes(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new RangeError(`the APIv3 key must be 32 bytes, got ${key.length}`);
  return key;
}

const CST_OFFSET_MS = 8 * 3600_000;

/** RFC 3339 in China Standard Time, as WeChat wants `time_expire`: `2024-06-01T12:15:00+08:00`. */
export function formatRfc3339Cst(date: Date): string {
  const s = new Date(date.getTime() + CST_OFFSET_MS).toISOString(); // "…Z" but the fields are CST
  return `${s.slice(0, 19)}+08:00`;
}

/** `YYYY-MM-DD HH:mm:ss` in China Standard Time (the trade bill's time format). */
export function formatCstDateTime(date: Date): string {
  const s = new Date(date.getTime() + CST_OFFSET_MS).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}

/** `YYYY-MM-DD` of the China Standard Time calendar day `date` falls on (bills are per CST day). */
export function cstDate(date: Date): string {
  return new Date(date.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Allowed `out_trade_no` / `out_refund_no`: 6–32 of digits, letters, `_-|*`. */
export const OUT_NO_PATTERN = /^[0-9A-Za-z_\-|*]{6,32}$/;

export interface RawHttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One HTTP exchange on Node's own stack. The path is sent exactly as given (no URL re-encoding),
 * because the request signature covers it byte for byte. Bodies are decompressed if the peer
 * honoured the SDK's `Accept-Encoding: gzip`.
 */
export function sendHttpRequest(opts: {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as UTF-8; a Buffer as is (a multipart upload). */
  body?: string | Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<RawHttpResponse> {
  const schemeEnd = opts.url.indexOf('://');
  const pathStart = opts.url.indexOf('/', schemeEnd + 3);
  const origin = new URL(pathStart < 0 ? opts.url : opts.url.slice(0, pathStart));
  const path = pathStart < 0 ? '/' : opts.url.slice(pathStart);
  const transport = origin.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = transport.request(
      {
        method: opts.method,
        protocol: origin.protocol,
        hostname: origin.hostname.replace(/^\[|\]$/g, ''),
        port: origin.port || undefined,
        path,
        headers,
        timeout: opts.timeoutMs,
        signal: opts.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let body = Buffer.concat(chunks);
          try {
            const enc = String(res.headers['content-encoding'] ?? '').toLowerCase();
            if (enc === 'gzip') body = zlib.gunzipSync(body);
            else if (enc === 'deflate') body = zlib.inflateSync(body);
            else if (enc === 'br') body = zlib.brotliDecompressSync(body);
          } catch (e) {
            reject(e);
            return;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** One part of a multipart/form-data body. */
export interface MultipartPart {
  name: string;
  /** Present for a file part. */
  filename?: string;
  contentType?: string;
  data: string | Buffer;
}

/**
 * A multipart/form-data body (RFC 7578) and its Content-Type, built by hand so the bytes sent are
 * exactly the bytes signed over and hashed: WeChat Pay's image upload signs the `meta` JSON as sent
 * and checks the `file` part against the sha256 in it.
 */
export function buildMultipartFormData(parts: readonly MultipartPart[]): { contentType: string; body: Buffer } {
  const boundary = `OpenHall${createNonce(12)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename.replace(/["\r\n]/g, '_')}"` : ''}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.contentType ? `Content-Type: ${p.contentType}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data, 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

/** Header lookup that tolerates any casing and repeated headers (first value wins). */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== lower) continue;
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}
