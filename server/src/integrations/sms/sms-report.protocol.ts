import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * SMS status reports (短信状态报告): how the SMS relay behind SMS_HTTP_URL tells OpenHall what became
 * of each message, the way the Chinese SMS platforms push them (Aliyun's SmsReport, Tencent's
 * 短信下发状态回调): `POST` of a JSON array, one report per message —
 *
 *   [{ "biz_id": "<the id the gateway answered the send with>", "phone_number": "13800138000",
 *      "success": true, "err_code": "DELIVRD", "err_msg": "用户接收成功",
 *      "send_time": "2026-12-01 10:00:01", "report_time": "2026-12-01 10:00:05" }]
 *
 * `send_time`/`report_time` are business time (Asia/Shanghai, `YYYY-MM-DD HH:mm:ss`; an ISO 8601
 * instant with its zone is read too). `err_code` is the carrier's status (DELIVRD on success;
 * UNDELIV, EXPIRED, MN:0001 空号, MK:0005 停机 … otherwise).
 *
 * Unlike those platforms (which sign nothing), each push is signed so a forged or replayed one is
 * refused: `X-Sms-Timestamp` (Unix seconds) and `X-Sms-Signature: sha256=<hex>`, an HMAC-SHA256 with
 * the relay's token (SMS_HTTP_TOKEN, the same one the relay takes sends with) over
 * `<timestamp>.<body>`; the timestamp must be within ±5 minutes. The receiver answers
 * `{"code":0,"msg":"成功"}` with 200 once it has kept the batch (also for ids it does not know, so
 * the relay stops sending them); anything else means "send it again".
 */
export const SMS_REPORT_TIMESTAMP_HEADER = 'x-sms-timestamp';
export const SMS_REPORT_SIGNATURE_HEADER = 'x-sms-signature';
/** How far a push's timestamp may be from the receiver's clock. */
export const SMS_REPORT_MAX_SKEW_MS = 5 * 60_000;
/** The most reports one push may carry (the platforms batch up to a few hundred). */
export const SMS_REPORT_MAX_BATCH = 1000;
/** What the receiver answers a push it kept. */
export const SMS_REPORT_ACK = { code: 0, msg: '成功' } as const;

/** One status report as it travels. */
export interface SmsStatusReport {
  biz_id: string;
  phone_number: string;
  success: boolean;
  err_code: string;
  err_msg?: string;
  send_time?: string;
  report_time: string;
}

/** A report as OpenHall reads it. */
export interface SmsReceipt {
  providerId: string;
  delivered: boolean;
  /** The carrier's status and its text, e.g. `MN:0001 空号`. */
  code: string;
  reportedAt: Date;
}

/** `sha256=<hex>` over `<timestamp>.<body>`. */
export function signSmsReport(token: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', token).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The headers a signed push carries. */
export function smsReportHeaders(token: string, body: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { 'Content-Type': 'application/json', 'X-Sms-Timestamp': timestamp, 'X-Sms-Signature': signSmsReport(token, timestamp, body) };
}

export type SmsReportVerdict = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'bad_signature' };

/** Both headers present, the timestamp within the window, the signature matching (constant time). */
export function verifySmsReport(token: string, headers: { timestamp?: string; signature?: string }, body: string, now: Date): SmsReportVerdict {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing' };
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > SMS_REPORT_MAX_SKEW_MS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signSmsReport(token, timestamp, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}

/** A report time: `YYYY-MM-DD HH:mm:ss` in business time, or an ISO 8601 instant with its zone; null when neither. */
export function parseReportTime(text: unknown): Date | null {
  if (typeof text !== 'string') return null;
  const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,3})?$/.exec(text);
  const iso = local ? `${local[1]}T${local[2]}${local[3] ?? ''}+08:00` : /(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : null;
  if (!iso) return null;
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Business time as the reports write it: 2026-12-01T02:00:05Z → "2026-12-01 10:00:05". */
export function formatReportTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The reports of a push body: a JSON array of reports (one object alone is taken as a batch of one).
 * Null when the body is not that; a report without a usable id, outcome or time is left out.
 */
export function parseSmsReports(body: string): { receipts: SmsReceipt[]; unreadable: number } | null {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return null;
  }
  const list = Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : null;
  if (!list || list.length > SMS_REPORT_MAX_BATCH) return null;
  const receipts: SmsReceipt[] = [];
  let unreadable = 0;
  for (const item of list as Array<Partial<Record<keyof SmsStatusReport, unknown>>>) {
    const id = typeof item?.biz_id === 'string' || typeof item?.biz_id === 'number' ? String(item.biz_id) : '';
    const success = item?.success === true || item?.success === 'true' ? true : item?.success === false || item?.success === 'false' ? false : null;
    const reportedAt = parseReportTime(item?.report_time);
    if (!id || id.length > 64 || success === null || !reportedAt) {
      unreadable++;
      continue;
    }
    const code = [item.err_code, item.err_msg].filter((x) => typeof x === 'string' && x).join(' ');
    receipts.push({ providerId: id, delivered: success, code: code.slice(0, 200), reportedAt });
  }
  return { receipts, unreadable };
}
