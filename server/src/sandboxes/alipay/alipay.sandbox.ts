import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadOrCreateKeyPair, type PemKeyPair } from '../key-pair';
import { Redelivery, type RedeliveryOutcome } from '../redelivery';
import Router from '@koa/router';
import type { Context } from 'koa';
import { businessDate, fenToYuan } from '@openhall/shared';
import type { AlipayTradeStatus } from '../../integrations/alipay/alipay.adapter';
import { renderAlipayBillArchive, renderAlipayTradeBill } from '../../integrations/alipay/alipay.bill';
import {
  alipaySignContent,
  formatAlipayTime,
  isAlipayOutTradeNo,
  parseAlipayAmountFen,
  parseAlipayTime,
  signRsa2,
  verifyRsa2,
} from '../../integrations/alipay/alipay.protocol';
import { renderCashierPage, renderDonePage, renderErrorPage } from './alipay.sandbox-pages';

/**
 * A local Alipay. It plays the open platform for alipay-sdk v4 exactly where the SDK talks to it:
 * - `GET|POST {prefix}/gateway.do`: the classic gateway. The RSA2 signature over the request
 *   parameters is checked as Alipay does, then by `method`: the `pageExecute` wap pay URL
 *   (`alipay.trade.wap.pay`) opens a cashier page that takes (or declines) the "payment" and, on
 *   confirming, redirects to return_url with signed parameters; the `exec` methods
 *   (`alipay.trade.query`, `.close`, `.refund`, `.fastpay.refund.query`) answer signed JSON,
 *   `{"alipay_trade_query_response": {"code": "10000", "msg": "Success", …}, "sign": "…"}`, the
 *   signature over the response object's exact text; refusals carry Alipay's code / sub_code
 *   (40002 isv.* for the request, 40004 ACQ.* for the business), an unknown method `error_response`;
 * - `{prefix}/v3/...`: the `curl` calls (query, close, refund, refund query, bill URL), with the
 *   `Authorization: ALIPAY-SHA256withRSA …` request signature checked and every answer signed
 *   with `alipay-timestamp` / `alipay-nonce` / `alipay-signature`;
 * - async notifications POSTed to notify_url as forms signed with the sandbox's own key, retried
 *   on Alipay's schedule (4m 10m 10m 1h 2h 6h 15h, scaled) until the receiver answers `success`.
 * Its key pair lives in `{dataDir}/sandbox/alipay/` and its ledger in `ledger.json` beside it, so
 * both survive restarts (pending notifications are resumed).
 */

/** Alipay's retry delays after a failed notification: 8 deliveries in all over about 25 hours. */
export const ALIPAY_NOTIFY_RETRY_DELAYS_MS = [4, 10, 10, 60, 120, 360, 900].map((m) => m * 60_000);

export interface AlipaySandboxOptions {
  /** The app's data directory; the sandbox keeps its files in `sandbox/alipay/` below it. */
  dataDir: string;
  appId: string;
  /** The merchant's partner id (2088…), sent as `seller_id`. */
  sellerId: string;
  /** The app's public key (the one "uploaded to the open platform"): verifies request signatures. */
  appPublicKeyPem: string;
  /** Where the router is mounted; the SDK's gateway is `{base}{prefix}/gateway.do`, its endpoint `{base}{prefix}`. */
  prefix?: string;
  /** Multiplies the notify retry delays: 1 is Alipay's real schedule, 1/60000 turns minutes into milliseconds. */
  notifyRetryScale?: number;
  /** Business clock (payment times, expiry, bill dates). Signature freshness always uses the real clock. */
  now?: () => Date;
  /** How long a notify receiver may take before the attempt counts as failed. */
  notifyTimeoutMs?: number;
  /** Largest accepted distance between a request's timestamp and the real clock. */
  maxClockSkewMs?: number;
  /** Alipay notifies refunds (partial: TRADE_SUCCESS + refund fields; full: TRADE_CLOSED). */
  notifyRefunds?: boolean;
  /** Keep the ledger in `ledger.json` (default true). */
  persist?: boolean;
  /** How often unpaid trades past `time_expire` are closed (ms; 0 disables, lazy checks remain). */
  sweepIntervalMs?: number;
  /** Told about notify deliveries that failed, for the server log. */
  onDeliveryError?: (info: { notifyId: string; url: string; attempt: number; error: string }) => void;
}

export interface SandboxAlipayRefund {
  outRequestNo: string;
  refundFen: number;
  reason: string;
  refundedAt: string;
}

export interface SandboxAlipayTrade {
  tradeNo: string;
  outTradeNo: string;
  subject: string;
  totalFen: number;
  status: AlipayTradeStatus;
  createdAt: string;
  paidAt?: string;
  closedAt?: string;
  timeExpire?: string;
  notifyUrl?: string;
  returnUrl?: string;
  quitUrl?: string;
  buyerId: string;
  buyerLogonId: string;
  refunds: SandboxAlipayRefund[];
}

export interface SandboxAlipayNotifyAttempt {
  at: string;
  status?: number;
  body?: string;
  error?: string;
  acknowledged: boolean;
}

export interface SandboxAlipayNotification {
  notifyId: string;
  outTradeNo: string;
  url: string;
  /** The notification without notify_time / sign_type / sign, which are set at each delivery. */
  fields: Record<string, string>;
  createdAt: string;
  attempts: SandboxAlipayNotifyAttempt[];
  state: 'pending' | 'delivered' | 'gave_up';
  /** Real-clock time of the next scheduled delivery while pending. */
  nextAt?: string;
}

export interface SendNotifyOptions {
  /** Which notification of the trade (default: the latest). */
  notifyId?: string;
  /** Fields changed BEFORE signing: a genuine Alipay message with unexpected content. */
  set?: Record<string, string | undefined>;
  /** Fields changed AFTER signing (undefined removes): a forgery or corruption in transit. */
  tamper?: Record<string, string | undefined>;
  /** Deliver somewhere else. */
  url?: string;
}

/** A refusal in Alipay's terms (`code` is what Alipay would say). */
export class SandboxAlipayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'SandboxAlipayError';
  }
}

export interface AlipaySandbox {
  router: Router;
  /** The sandbox's public key: the merchant's `alipayPublicKey`. */
  alipayPublicKeyPem: string;
  /** What the sandbox knows, as copies. */
  ledger: {
    trade(outTradeNo: string): SandboxAlipayTrade | undefined;
    trades(): SandboxAlipayTrade[];
    notifications(outTradeNo?: string): SandboxAlipayNotification[];
  };
  /** Does what opening the signed pay URL does (checks included) and returns the trade. */
  openPayUrl(url: string): SandboxAlipayTrade;
  /** The buyer confirms in the cashier (the trade must be open): paid, notification queued. */
  pay(outTradeNo: string): { trade: SandboxAlipayTrade; returnUrl?: string };
  /** `openPayUrl` then `pay`: paying without the page. */
  payUrl(url: string): { trade: SandboxAlipayTrade; returnUrl?: string };
  /** Delivers a notification of the trade once more (same notify_id), optionally altered; the answer comes back. */
  sendNotify(outTradeNo: string, opts?: SendNotifyOptions): Promise<{ status: number; body: string }>;
  /** Closes unpaid trades past time_expire now. */
  sweep(): void;
  /** Resolves when no notification delivery is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}


function sandboxDir(dataDir: string): string {
  return path.join(dataDir, 'sandbox', 'alipay');
}

/**
 * The merchant app's key pair for sandbox mode (what a developer would generate and upload to
 * the open platform), kept beside the sandbox's own keys: the private key goes to
 * `SdkAlipayGateway`, the public key to `createAlipaySandbox`.
 */
export function ensureAlipaySandboxAppKeys(dataDir: string): PemKeyPair {
  return loadOrCreateKeyPair(sandboxDir(dataDir), 'app');
}

const SANDBOX_BUYER = { buyerId: '2088102177846880', buyerLogonId: 'buy***@sandbox.com' };
const MAX_BODY_BYTES = 1024 * 1024;

async function readRawBody(ctx: Context): Promise<string> {
  // Behind the app's body parser the stream is already consumed; it keeps the exact text.
  const parsed = (ctx.request as { rawBody?: unknown }).rawBody;
  if (typeof parsed === 'string') return parsed;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SandboxAlipayError('INVALID_PARAMETER', 'request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A query/form string → single-valued params; a repeated key is refused, never guessed. */
function singleValued(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    if (k in out) throw new SandboxAlipayError('isv.invalid-parameter', `parameter ${k} given twice`);
    out[k] = v;
  }
  return out;
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

export function createAlipaySandbox(opts: AlipaySandboxOptions): AlipaySandbox {
  const prefix = (opts.prefix ?? '/sandbox/alipay').replace(/\/$/, '');
  const now = opts.now ?? (() => new Date());
  const notifyTimeoutMs = opts.notifyTimeoutMs ?? 5000;
  const maxSkewMs = opts.maxClockSkewMs ?? 30 * 60_000;
  const notifyRefunds = opts.notifyRefunds ?? true;
  const persist = opts.persist ?? true;
  const dir = sandboxDir(opts.dataDir);
  const keys = loadOrCreateKeyPair(dir, 'alipay');
  const ledgerFile = path.join(dir, 'ledger.json');

  const trades = new Map<string, SandboxAlipayTrade>();
  const notifications = new Map<string, SandboxAlipayNotification>();
  /** Notifications on Alipay's schedule, and the sends close() waits for; stopped once the sandbox closes. */
  const notifies = new Redelivery(ALIPAY_NOTIFY_RETRY_DELAYS_MS, { scale: opts.notifyRetryScale });
  const seenNonces = new Map<string, number>();
  const billLinks = new Map<string, { fileName: string; data: Buffer; expiresAt: number }>();
  const closing = new AbortController();

  if (persist) {
    try {
      const saved = JSON.parse(readFileSync(ledgerFile, 'utf8')) as {
        trades?: SandboxAlipayTrade[];
        notifications?: SandboxAlipayNotification[];
      };
      for (const t of saved.trades ?? []) trades.set(t.outTradeNo, t);
      for (const n of saved.notifications ?? []) notifications.set(n.notifyId, n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  function save(): void {
    if (!persist || notifies.stopped) return;
    mkdirSync(dir, { recursive: true });
    const tmp = `${ledgerFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ trades: [...trades.values()], notifications: [...notifications.values()] }, null, 1));
    renameSync(tmp, ledgerFile);
  }

  function newTradeNo(): string {
    for (;;) {
      const digits = Array.from({ length: 15 }, () => randomInt(10)).join('');
      const no = `${businessDate(now()).replace(/-/g, '')}22001${digits}`;
      if (![...trades.values()].some((t) => t.tradeNo === no)) return no;
    }
  }

  function newNotifyId(): string {
    return `${businessDate(now()).replace(/-/g, '')}00222${Array.from({ length: 21 }, () => randomInt(10)).join('')}`;
  }

  function refundedFen(t: SandboxAlipayTrade): number {
    return t.refunds.reduce((s, r) => s + r.refundFen, 0);
  }

  // ---- notifications -------------------------------------------------------------------------

  function baseNotifyFields(t: SandboxAlipayTrade): Record<string, string> {
    const f: Record<string, string> = {
      notify_type: 'trade_status_sync',
      app_id: opts.appId,
      auth_app_id: opts.appId,
      charset: 'utf-8',
      version: '1.0',
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      trade_status: t.status,
      total_amount: fenToYuan(t.totalFen),
      subject: t.subject,
      gmt_create: formatAlipayTime(new Date(t.createdAt)),
      seller_id: opts.sellerId,
      buyer_id: t.buyerId,
      buyer_logon_id: t.buyerLogonId,
    };
    if (t.paidAt) {
      const yuan = fenToYuan(t.totalFen);
      Object.assign(f, {
        gmt_payment: formatAlipayTime(new Date(t.paidAt)),
        receipt_amount: yuan,
        invoice_amount: yuan,
        buyer_pay_amount: yuan,
        point_amount: '0.00',
        fund_bill_list: JSON.stringify([{ amount: yuan, fundChannel: 'ALIPAYACCOUNT' }]),
      });
    }
    if (t.closedAt) f.gmt_close = formatAlipayTime(new Date(t.closedAt));
    return f;
  }

  /** Adds notify_time and the signature over everything but sign and sign_type, as Alipay does. */
  function signNotify(fields: Record<string, string>): Record<string, string> {
    const form: Record<string, string> = { ...fields, notify_time: formatAlipayTime(now()) };
    const sign = signRsa2(alipaySignContent(form, ['sign', 'sign_type']), keys.privateKeyPem);
    return { ...form, sign_type: 'RSA2', sign };
  }

  async function post(url: string, form: Record<string, string>): Promise<{ status: number; body: string }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
      signal: AbortSignal.any([closing.signal, AbortSignal.timeout(notifyTimeoutMs)]),
    });
    return { status: res.status, body: (await res.text()).slice(0, 1000) };
  }

  /** Delivers `n` from its next attempt, `delayMs` from now, then on Alipay's schedule until the receiver answers `success`. */
  function schedule(n: SandboxAlipayNotification, delayMs: number): void {
    if (notifies.stopped) return;
    n.nextAt = new Date(Date.now() + delayMs).toISOString();
    notifies.enqueue({ key: n.notifyId, delayMs, attemptsMade: n.attempts.length, send: () => deliver(n), settled: (o) => settled(n, o) });
  }

  /** One POST of the notification: true when acknowledged, null when no attempt counts. */
  async function deliver(n: SandboxAlipayNotification): Promise<boolean | null> {
    if (n.state !== 'pending') return null;
    const attempt: SandboxAlipayNotifyAttempt = { at: new Date().toISOString(), acknowledged: false };
    try {
      const res = await post(n.url, signNotify(n.fields));
      attempt.status = res.status;
      attempt.body = res.body;
      // Alipay wants exactly the text "success"; anything else (an error page, "fail", JSON) is a failure.
      attempt.acknowledged = res.status === 200 && res.body.trim() === 'success';
    } catch (err) {
      attempt.error = err instanceof Error ? err.message : String(err);
    }
    if (notifies.stopped) return null;
    n.attempts.push(attempt);
    return attempt.acknowledged;
  }

  function settled(n: SandboxAlipayNotification, o: RedeliveryOutcome): void {
    if (o.kind === 'acknowledged') {
      n.state = 'delivered';
      delete n.nextAt;
    } else {
      const attempt = n.attempts[n.attempts.length - 1];
      opts.onDeliveryError?.({
        notifyId: n.notifyId,
        url: n.url,
        attempt: n.attempts.length,
        error: attempt.error ?? `HTTP ${attempt.status}: ${attempt.body?.slice(0, 100)}`,
      });
      if (o.kind === 'gave_up') {
        n.state = 'gave_up';
        delete n.nextAt;
      } else {
        n.nextAt = o.dueAt.toISOString();
      }
    }
    save();
  }

  function queueNotify(t: SandboxAlipayTrade, extra: Record<string, string> = {}): void {
    if (!t.notifyUrl) return;
    const n: SandboxAlipayNotification = {
      notifyId: newNotifyId(),
      outTradeNo: t.outTradeNo,
      url: t.notifyUrl,
      fields: { ...baseNotifyFields(t), ...extra },
      createdAt: now().toISOString(),
      attempts: [],
      state: 'pending',
    };
    n.fields.notify_id = n.notifyId;
    notifications.set(n.notifyId, n);
    schedule(n, 0);
  }

  // ---- trade life --------------------------------------------------------------------------

  function closeTrade(t: SandboxAlipayTrade, at: Date): void {
    t.status = 'TRADE_CLOSED';
    t.closedAt = at.toISOString();
    queueNotify(t);
  }

  /** Unpaid trades past time_expire are closed, whenever anyone looks. */
  function refresh(t: SandboxAlipayTrade): SandboxAlipayTrade {
    if (t.status === 'WAIT_BUYER_PAY' && t.timeExpire && now().getTime() >= Date.parse(t.timeExpire)) {
      closeTrade(t, new Date(t.timeExpire));
      save();
    }
    return t;
  }

  function sweep(): void {
    for (const t of trades.values()) refresh(t);
  }

  function checkTimestamp(text: string | undefined): void {
    const at = text ? parseAlipayTime(text) : null;
    if (!at) throw new SandboxAlipayError('isv.invalid-timestamp', `timestamp must be yyyy-MM-dd HH:mm:ss (Beijing time), got ${text}`);
    if (Math.abs(Date.now() - at.getTime()) > maxSkewMs) {
      throw new SandboxAlipayError(
        'isv.invalid-timestamp',
        `timestamp ${text} is too far from Beijing time now (${formatAlipayTime(new Date())}); is the server's TZ Asia/Shanghai?`,
      );
    }
  }

  /**
   * The checks every classic gateway request goes through, whatever its method: the app, the
   * protocol parameters, the RSA2 signature over the request (with the app's public key), the
   * Beijing-time timestamp. Answers the request's biz_content object.
   */
  function checkGatewayRequest(params: Record<string, string>): Record<string, unknown> {
    if (!params.sign) throw new SandboxAlipayError('isv.missing-signature', '缺少签名参数');
    if (!params.app_id) throw new SandboxAlipayError('isv.missing-app-id', '缺少appId参数');
    if (params.app_id !== opts.appId) throw new SandboxAlipayError('isv.invalid-app-id', '无效的AppID参数');
    if (params.sign_type !== 'RSA2') throw new SandboxAlipayError('isv.invalid-signature-type', '无效的签名类型');
    if ((params.charset ?? '').toLowerCase() !== 'utf-8') throw new SandboxAlipayError('isv.invalid-charset', '字符集错误');
    if (params.version !== '1.0') throw new SandboxAlipayError('isv.invalid-version', '版本号错误');
    if (params.format !== undefined && params.format.toUpperCase() !== 'JSON') throw new SandboxAlipayError('isv.invalid-format', '无效的数据格式');
    // Request signatures cover every non-empty parameter except sign itself (sign_type included).
    if (!verifyRsa2(alipaySignContent(params, ['sign']), params.sign, opts.appPublicKeyPem)) {
      throw new SandboxAlipayError('isv.invalid-signature', '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配');
    }
    checkTimestamp(params.timestamp);

    let biz: Record<string, unknown>;
    try {
      biz = JSON.parse(params.biz_content ?? '') as Record<string, unknown>;
    } catch {
      throw new SandboxAlipayError('isv.invalid-parameter', 'biz_content is not JSON');
    }
    if (!biz || typeof biz !== 'object' || Array.isArray(biz)) throw new SandboxAlipayError('isv.invalid-parameter', 'biz_content is not an object');
    return biz;
  }

  /** What the gateway does with a wap pay request: check it, then find or create the trade. */
  function openTrade(params: Record<string, string>): SandboxAlipayTrade {
    if (params.method !== 'alipay.trade.wap.pay') throw new SandboxAlipayError('isv.invalid-method', `不存在的方法名: ${params.method}`);
    const biz = checkGatewayRequest(params);
    const outTradeNo = biz.out_trade_no;
    if (!isAlipayOutTradeNo(outTradeNo)) throw new SandboxAlipayError('ACQ.INVALID_PARAMETER', 'out_trade_no 无效');
    const totalFen = parseAlipayAmountFen(biz.total_amount);
    if (totalFen === null || totalFen < 1 || totalFen > 10_000_000_000) {
      throw new SandboxAlipayError('ACQ.INVALID_PARAMETER', `total_amount 无效: ${JSON.stringify(biz.total_amount)}`);
    }
    const subject = biz.subject;
    if (typeof subject !== 'string' || subject === '' || subject.length > 256) throw new SandboxAlipayError('ACQ.INVALID_PARAMETER', 'subject 无效');
    if (biz.product_code !== 'QUICK_WAP_WAY') throw new SandboxAlipayError('ACQ.PRODUCT_CODE_ERROR', `product_code 应为 QUICK_WAP_WAY`);
    let timeExpire: Date | undefined;
    if (biz.time_expire !== undefined) {
      timeExpire = typeof biz.time_expire === 'string' ? (parseAlipayTime(biz.time_expire) ?? undefined) : undefined;
      if (!timeExpire) throw new SandboxAlipayError('ACQ.INVALID_PARAMETER', 'time_expire 格式应为 yyyy-MM-dd HH:mm:ss');
    }

    const existing = trades.get(outTradeNo);
    if (existing) {
      refresh(existing);
      // The same out_trade_no must always describe the same order.
      if (existing.totalFen !== totalFen || existing.subject !== subject) {
        throw new SandboxAlipayError('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改：同一商户订单号的金额或标题与之前不一致');
      }
      if (existing.status === 'TRADE_SUCCESS' || existing.status === 'TRADE_FINISHED') {
        throw new SandboxAlipayError('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
      }
      if (existing.status === 'TRADE_CLOSED') throw new SandboxAlipayError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
      // The buyer is back at the cashier through a new page request: it says where to go this time.
      if (params.return_url) existing.returnUrl = params.return_url;
      if (typeof biz.quit_url === 'string' && biz.quit_url) existing.quitUrl = biz.quit_url;
      save();
      return existing;
    }
    if (timeExpire && now().getTime() >= timeExpire.getTime()) throw new SandboxAlipayError('ACQ.TRADE_HAS_CLOSE', '交易已超时关闭');
    const t: SandboxAlipayTrade = {
      tradeNo: newTradeNo(),
      outTradeNo,
      subject,
      totalFen,
      status: 'WAIT_BUYER_PAY',
      createdAt: now().toISOString(),
      ...(timeExpire ? { timeExpire: timeExpire.toISOString() } : {}),
      ...(params.notify_url ? { notifyUrl: params.notify_url } : {}),
      ...(params.return_url ? { returnUrl: params.return_url } : {}),
      ...(typeof biz.quit_url === 'string' && biz.quit_url ? { quitUrl: biz.quit_url } : {}),
      ...SANDBOX_BUYER,
      refunds: [],
    };
    trades.set(outTradeNo, t);
    save();
    return t;
  }

  function signedReturnUrl(t: SandboxAlipayTrade): string | undefined {
    if (!t.returnUrl) return undefined;
    const params: Record<string, string> = {
      charset: 'utf-8',
      out_trade_no: t.outTradeNo,
      method: 'alipay.trade.wap.pay.return',
      total_amount: fenToYuan(t.totalFen),
      trade_no: t.tradeNo,
      auth_app_id: opts.appId,
      version: '1.0',
      app_id: opts.appId,
      seller_id: opts.sellerId,
      timestamp: formatAlipayTime(now()),
    };
    params.sign = signRsa2(alipaySignContent(params, ['sign', 'sign_type']), keys.privateKeyPem);
    params.sign_type = 'RSA2';
    const url = new URL(t.returnUrl);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.toString();
  }

  function pay(outTradeNo: string): { trade: SandboxAlipayTrade; returnUrl?: string } {
    const t = trades.get(outTradeNo);
    if (!t) throw new SandboxAlipayError('ACQ.TRADE_NOT_EXIST', '交易不存在（买家尚未打开收银台）', 404);
    refresh(t);
    if (t.status !== 'WAIT_BUYER_PAY') {
      throw new SandboxAlipayError(t.status === 'TRADE_CLOSED' ? 'ACQ.TRADE_HAS_CLOSE' : 'ACQ.TRADE_HAS_SUCCESS', `交易状态为 ${t.status}`);
    }
    t.status = 'TRADE_SUCCESS';
    t.paidAt = now().toISOString();
    queueNotify(t);
    save();
    return { trade: copy(t), returnUrl: signedReturnUrl(t) };
  }

  function openPayUrl(url: string): SandboxAlipayTrade {
    const u = new URL(url);
    return copy(openTrade(singleValued(u.search)));
  }

  async function sendNotify(outTradeNo: string, o: SendNotifyOptions = {}): Promise<{ status: number; body: string }> {
    const list = [...notifications.values()].filter((n) => n.outTradeNo === outTradeNo);
    const n = o.notifyId ? list.find((x) => x.notifyId === o.notifyId) : list[list.length - 1];
    if (!n) throw new SandboxAlipayError('NOTIFY_NOT_FOUND', `no notification for ${outTradeNo}`, 404);
    const fields = { ...n.fields };
    for (const [k, v] of Object.entries(o.set ?? {})) {
      if (v === undefined) delete fields[k];
      else fields[k] = v;
    }
    const form = signNotify(fields);
    for (const [k, v] of Object.entries(o.tamper ?? {})) {
      if (v === undefined) delete form[k];
      else form[k] = v;
    }
    return notifies.track(post(o.url ?? n.url, form));
  }

  // ---- v3 -----------------------------------------------------------------------------------

  function answerV3(ctx: Context, status: number, body: Record<string, unknown>): void {
    const text = JSON.stringify(body);
    const ts = String(Date.now());
    const nonce = randomUUID();
    ctx.status = status;
    ctx.set('alipay-timestamp', ts);
    ctx.set('alipay-nonce', nonce);
    ctx.set('alipay-signature', signRsa2(`${ts}\n${nonce}\n${text}\n`, keys.privateKeyPem));
    ctx.set('alipay-trace-id', randomBytes(16).toString('hex'));
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = text;
  }

  /** Checks `Authorization: ALIPAY-SHA256withRSA app_id=…,nonce=…,timestamp=…,sign=…` as the open platform does. */
  function checkV3Auth(ctx: Context, rawBody: string): void {
    const m = /^ALIPAY-SHA256withRSA (.+),sign=([A-Za-z0-9+/]+={0,2})$/.exec(ctx.get('authorization'));
    if (!m) throw new SandboxAlipayError('invalid-signature', 'Authorization 缺失或格式错误', 401);
    const [, authString, sign] = m as unknown as [string, string, string];
    const parts = new Map<string, string>();
    for (const kv of authString.split(',')) {
      const i = kv.indexOf('=');
      if (i > 0) parts.set(kv.slice(0, i), kv.slice(i + 1));
    }
    if (parts.get('app_id') !== opts.appId) throw new SandboxAlipayError('invalid-app-id', 'app_id 无效', 401);
    const ts = Number(parts.get('timestamp'));
    if (!/^\d{13}$/.test(parts.get('timestamp') ?? '') || Math.abs(Date.now() - ts) > maxSkewMs) {
      throw new SandboxAlipayError('invalid-timestamp', 'timestamp 无效或已过期', 401);
    }
    const nonce = parts.get('nonce');
    if (!nonce) throw new SandboxAlipayError('invalid-nonce', 'nonce 缺失', 401);
    const token = ctx.get('alipay-app-auth-token');
    // The SDK signs the path it was given (the part after the endpoint) for plain requests, and
    // the endpoint's whole pathname when a query string is present: accept either spelling.
    const relative = ctx.originalUrl.startsWith(prefix) ? ctx.originalUrl.slice(prefix.length) : ctx.originalUrl;
    const ok = [relative, ctx.originalUrl].some((url) =>
      verifyRsa2(`${authString}\n${ctx.method}\n${url}\n${rawBody}\n${token ? `${token}\n` : ''}`, sign, opts.appPublicKeyPem),
    );
    if (!ok) throw new SandboxAlipayError('invalid-signature', '验签出错，请确认应用私钥与上传的应用公钥匹配', 401);
    // A signed request is good once: a replayed one (same nonce) is refused.
    const nowMs = Date.now();
    for (const [k, exp] of seenNonces) if (exp < nowMs) seenNonces.delete(k);
    if (seenNonces.has(`${opts.appId}:${nonce}`)) throw new SandboxAlipayError('invalid-nonce', 'nonce 重复', 401);
    seenNonces.set(`${opts.appId}:${nonce}`, nowMs + 2 * maxSkewMs);
  }

  type V3Handler = (body: Record<string, unknown>, ctx: Context) => Record<string, unknown>;

  function v3(handler: V3Handler) {
    return async (ctx: Context) => {
      try {
        const raw = ctx.method === 'GET' ? '' : await readRawBody(ctx);
        checkV3Auth(ctx, raw);
        let body: Record<string, unknown> = {};
        if (raw) {
          try {
            body = JSON.parse(raw) as Record<string, unknown>;
          } catch {
            throw new SandboxAlipayError('INVALID_PARAMETER', '请求体不是合法的 JSON');
          }
          if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SandboxAlipayError('INVALID_PARAMETER', '请求体应为 JSON 对象');
        }
        answerV3(ctx, 200, handler(body, ctx));
      } catch (err) {
        if (!(err instanceof SandboxAlipayError)) throw err;
        answerV3(ctx, err.status, { code: err.code, message: err.message });
      }
    };
  }

  function requireTrade(body: Record<string, unknown>): SandboxAlipayTrade {
    const outTradeNo = body.out_trade_no;
    const tradeNo = body.trade_no;
    if (typeof outTradeNo !== 'string' && typeof tradeNo !== 'string') {
      throw new SandboxAlipayError('INVALID_PARAMETER', 'out_trade_no 和 trade_no 不能同时为空');
    }
    const t =
      typeof tradeNo === 'string' ? [...trades.values()].find((x) => x.tradeNo === tradeNo) : trades.get(outTradeNo as string);
    if (!t) throw new SandboxAlipayError('ACQ.TRADE_NOT_EXIST', '交易不存在');
    return refresh(t);
  }

  function str(body: Record<string, unknown>, key: string): string | undefined {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new SandboxAlipayError('INVALID_PARAMETER', `${key} 应为字符串`);
    return v;
  }

  const router = new Router({ prefix });

  async function gateway(ctx: Context): Promise<void> {
    try {
      const params = singleValued(ctx.querystring);
      if (ctx.method === 'POST') {
        for (const [k, v] of Object.entries(singleValued(await readRawBody(ctx)))) {
          if (k in params) throw new SandboxAlipayError('isv.invalid-parameter', `parameter ${k} given twice`);
          params[k] = v;
        }
      }
      // Page methods (the wap pay URL) open the cashier; the others answer signed JSON.
      if (params.method !== undefined && params.method !== 'alipay.trade.wap.pay') {
        classic(ctx, params);
        return;
      }
      const t = openTrade(params);
      ctx.type = 'html';
      ctx.body = renderCashierPage({
        subject: t.subject,
        amountFen: t.totalFen,
        outTradeNo: t.outTradeNo,
        tradeNo: t.tradeNo,
        sellerId: opts.sellerId,
        ...(t.timeExpire ? { timeExpire: formatAlipayTime(new Date(t.timeExpire)) } : {}),
        confirmAction: `${prefix}/cashier/${t.tradeNo}/confirm`,
        cancelAction: `${prefix}/cashier/${t.tradeNo}/cancel`,
      });
    } catch (err) {
      if (!(err instanceof SandboxAlipayError)) throw err;
      ctx.status = err.status;
      ctx.type = 'html';
      ctx.body = renderErrorPage(err.code, err.message);
    }
  }
  router.get('/gateway.do', gateway);
  router.post('/gateway.do', gateway);

  function tradeByNo(tradeNo: string): SandboxAlipayTrade {
    const t = [...trades.values()].find((x) => x.tradeNo === tradeNo);
    if (!t) throw new SandboxAlipayError('ACQ.TRADE_NOT_EXIST', '交易不存在', 404);
    return t;
  }

  router.post('/cashier/:tradeNo/confirm', (ctx) => {
    try {
      const { returnUrl } = pay(tradeByNo(ctx.params.tradeNo!).outTradeNo);
      if (returnUrl) {
        ctx.status = 303;
        ctx.redirect(returnUrl);
      } else {
        ctx.type = 'html';
        ctx.body = renderDonePage('支付成功', '付款已完成。');
      }
    } catch (err) {
      if (!(err instanceof SandboxAlipayError)) throw err;
      ctx.status = err.status;
      ctx.type = 'html';
      ctx.body = renderErrorPage(err.code, err.message);
    }
  });

  router.post('/cashier/:tradeNo/cancel', (ctx) => {
    // Leaving the cashier does not close the trade: the buyer may come back until time_expire.
    const t = [...trades.values()].find((x) => x.tradeNo === ctx.params.tradeNo);
    if (t?.quitUrl) {
      ctx.status = 303;
      ctx.redirect(t.quitUrl);
      return;
    }
    ctx.type = 'html';
    ctx.body = renderDonePage('已取消', '您已取消付款。');
  });

  // ---- what the trade methods do, for the v3 endpoints and the classic gateway alike ----------

  function queryTradeAnswer(body: Record<string, unknown>): Record<string, unknown> {
    const t = requireTrade(body);
    const paid = t.paidAt !== undefined;
    const yuan = fenToYuan(paid ? t.totalFen : 0);
    return {
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      buyer_logon_id: t.buyerLogonId,
      buyer_user_id: t.buyerId,
      trade_status: t.status,
      total_amount: fenToYuan(t.totalFen),
      receipt_amount: yuan,
      buyer_pay_amount: yuan,
      invoice_amount: yuan,
      point_amount: '0.00',
      ...(t.paidAt ? { send_pay_date: formatAlipayTime(new Date(t.paidAt)) } : {}),
      subject: t.subject,
    };
  }

  function closeTradeAnswer(body: Record<string, unknown>): Record<string, unknown> {
    const t = requireTrade(body);
    if (t.status === 'WAIT_BUYER_PAY') {
      closeTrade(t, now());
      save();
    } else if (t.status !== 'TRADE_CLOSED' || t.paidAt) {
      throw new SandboxAlipayError('ACQ.TRADE_STATUS_ERROR', `交易状态不合法: ${t.status}`);
    }
    return { trade_no: t.tradeNo, out_trade_no: t.outTradeNo };
  }

  function refundAnswer(body: Record<string, unknown>): Record<string, unknown> {
    const t = requireTrade(body);
    const refundFen = parseAlipayAmountFen(body.refund_amount);
    if (refundFen === null || refundFen < 1) throw new SandboxAlipayError('INVALID_PARAMETER', 'refund_amount 无效');
    const outRequestNo = str(body, 'out_request_no') ?? t.outTradeNo;
    const answer = (fundChange: boolean, r: SandboxAlipayRefund) => ({
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      buyer_logon_id: t.buyerLogonId,
      refund_fee: fenToYuan(refundedFen(t)),
      send_back_fee: fenToYuan(r.refundFen),
      gmt_refund_pay: formatAlipayTime(new Date(r.refundedAt)),
      fund_change: fundChange ? 'Y' : 'N',
    });
    const done = t.refunds.find((r) => r.outRequestNo === outRequestNo);
    if (done) {
      // The same request number is the same refund: answered again, no money moves twice.
      if (done.refundFen !== refundFen) throw new SandboxAlipayError('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致：同一退款请求号的金额不同');
      return answer(false, done);
    }
    if (t.status !== 'TRADE_SUCCESS') throw new SandboxAlipayError('ACQ.TRADE_STATUS_ERROR', `交易状态不合法: ${t.status}`);
    if (refundedFen(t) + refundFen > t.totalFen) throw new SandboxAlipayError('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
    const at = now();
    const r: SandboxAlipayRefund = { outRequestNo, refundFen, reason: str(body, 'refund_reason') ?? '', refundedAt: at.toISOString() };
    t.refunds.push(r);
    if (refundedFen(t) === t.totalFen) {
      t.status = 'TRADE_CLOSED';
      t.closedAt = at.toISOString();
    }
    if (notifyRefunds) {
      queueNotify(t, {
        refund_fee: fenToYuan(refundedFen(t)),
        gmt_refund: `${formatAlipayTime(at)}.${String(at.getUTCMilliseconds()).padStart(3, '0')}`,
        out_biz_no: outRequestNo,
      });
    }
    save();
    return answer(true, r);
  }

  function refundQueryAnswer(body: Record<string, unknown>): Record<string, unknown> {
    const t = requireTrade(body);
    const outRequestNo = str(body, 'out_request_no');
    if (!outRequestNo) throw new SandboxAlipayError('INVALID_PARAMETER', 'out_request_no 不能为空');
    const r = t.refunds.find((x) => x.outRequestNo === outRequestNo);
    const base = { trade_no: t.tradeNo, out_trade_no: t.outTradeNo, out_request_no: outRequestNo };
    // An unknown refund is not an error at Alipay: the answer simply carries no refund.
    if (!r) return base;
    return {
      ...base,
      total_amount: fenToYuan(t.totalFen),
      refund_amount: fenToYuan(r.refundFen),
      refund_reason: r.reason,
      refund_status: 'REFUND_SUCCESS',
      gmt_refund_pay: formatAlipayTime(new Date(r.refundedAt)),
    };
  }

  router.post('/v3/alipay/trade/query', v3(queryTradeAnswer));
  router.post('/v3/alipay/trade/close', v3(closeTradeAnswer));
  router.post('/v3/alipay/trade/refund', v3(refundAnswer));
  router.post('/v3/alipay/trade/fastpay/refund/query', v3(refundQueryAnswer));

  // ---- the classic gateway (gateway.do, what the SDK's `exec` calls) -------------------------

  /** The classic methods the sandbox answers as signed JSON, as Alipay's gateway does. */
  const classicMethods: Record<string, (biz: Record<string, unknown>) => Record<string, unknown>> = {
    'alipay.trade.query': queryTradeAnswer,
    'alipay.trade.close': closeTradeAnswer,
    'alipay.trade.refund': refundAnswer,
    'alipay.trade.fastpay.refund.query': refundQueryAnswer,
  };

  /**
   * A classic answer: `{"<method with _>_response": {...}, "sign": "..."}`, the signature (RSA2,
   * the sandbox's key) over the exact text of the response object, which is how the SDK checks it.
   */
  function answerClassic(ctx: Context, responseKey: string, body: Record<string, unknown>): void {
    const inner = JSON.stringify(body);
    ctx.status = 200;
    ctx.type = 'application/json; charset=utf-8';
    // error_response belongs to no method, so nothing signed under a method's name can cover it: unsigned.
    ctx.body = responseKey === 'error_response' ? `{"${responseKey}":${inner}}` : `{"${responseKey}":${inner},"sign":"${signRsa2(inner, keys.privateKeyPem)}"}`;
  }

  /** A refusal in the classic protocol's terms: 40002 for the request itself, 40004 for the business, 20000 for the platform. */
  function classicFailure(err: SandboxAlipayError, biz: Record<string, unknown> | null): Record<string, unknown> {
    const subCode = err.code.includes('.') ? err.code : `ACQ.${err.code}`;
    if (subCode.startsWith('isv.')) return { code: '40002', msg: 'Invalid Arguments', sub_code: subCode, sub_msg: err.message };
    if (subCode.startsWith('isp.')) return { code: '20000', msg: 'Service Currently Unavailable', sub_code: subCode, sub_msg: err.message };
    return {
      code: '40004',
      msg: 'Business Failed',
      sub_code: subCode,
      sub_msg: err.message,
      ...(typeof biz?.out_trade_no === 'string' ? { out_trade_no: biz.out_trade_no } : {}),
    };
  }

  function classic(ctx: Context, params: Record<string, string>): void {
    const handler = Object.hasOwn(classicMethods, params.method ?? '') ? classicMethods[params.method!] : undefined;
    // A method the gateway does not know is answered under error_response (unsigned), as Alipay does.
    const responseKey = handler ? `${params.method!.replaceAll('.', '_')}_response` : 'error_response';
    let biz: Record<string, unknown> | null = null;
    try {
      if (!handler) throw new SandboxAlipayError('isv.invalid-method', `不存在的方法名: ${params.method ?? ''}`);
      biz = checkGatewayRequest(params);
      answerClassic(ctx, responseKey, { code: '10000', msg: 'Success', ...handler(biz) });
    } catch (err) {
      if (!(err instanceof SandboxAlipayError)) throw err;
      answerClassic(ctx, responseKey, classicFailure(err, biz));
    }
  }

  router.get(
    '/v3/alipay/data/dataservice/bill/downloadurl/query',
    v3((_body, ctx) => {
      const billType = ctx.query.bill_type;
      const date = ctx.query.bill_date;
      if (billType !== 'trade') throw new SandboxAlipayError('INVALID_PARAMETER', 'bill_type 仅支持 trade');
      if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new SandboxAlipayError('INVALID_PARAMETER', 'bill_date 格式应为 yyyy-MM-dd');
      // A day's bill exists once the day is over (Beijing time).
      if (date >= businessDate(now())) throw new SandboxAlipayError('BILL_NOT_EXIST', '账单不存在：当日账单次日才能下载');
      type Row = Parameters<typeof renderAlipayTradeBill>[0]['rows'][number];
      const rows: Row[] = [];
      for (const t of trades.values()) {
        const base = { tradeNo: t.tradeNo, outTradeNo: t.outTradeNo, subject: t.subject, createdAt: new Date(t.createdAt), buyer: t.buyerLogonId };
        if (t.paidAt && businessDate(new Date(t.paidAt)) === date) {
          rows.push({ ...base, kind: 'trade', finishedAt: new Date(t.paidAt), amountFen: t.totalFen, receivedFen: t.totalFen });
        }
        for (const r of t.refunds) {
          if (businessDate(new Date(r.refundedAt)) !== date) continue;
          rows.push({ ...base, kind: 'refund', finishedAt: new Date(r.refundedAt), amountFen: -r.refundFen, receivedFen: -r.refundFen, outRequestNo: r.outRequestNo });
        }
      }
      rows.sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
      // As Alipay serves it: a zip of the detail and the totals, both GBK.
      const archive = renderAlipayBillArchive({ account: `${opts.sellerId}0156`, date, exportedAt: now(), rows });
      const token = randomBytes(24).toString('hex');
      const nowMs = Date.now();
      for (const [k, v] of billLinks) if (v.expiresAt < nowMs) billLinks.delete(k);
      // Like Alipay's, the link is short-lived (30 s) and needs no signature of its own.
      billLinks.set(token, { ...archive, expiresAt: nowMs + 30_000 });
      // Koa 3's ctx.origin is the Origin request header, not this server's origin.
      return { bill_download_url: `${ctx.protocol}://${ctx.host}${prefix}/bills/${token}.csv.zip` };
    }),
  );

  router.get('/bills/:file', (ctx) => {
    const token = (ctx.params.file ?? '').replace(/\.csv\.zip$/, '');
    const link = billLinks.get(token);
    if (!link || link.expiresAt < Date.now()) {
      ctx.status = 404;
      ctx.type = 'text';
      ctx.body = 'bill link unknown or expired';
      return;
    }
    ctx.type = 'application/octet-stream';
    ctx.set('Content-Disposition', `attachment; filename="${link.fileName}"`);
    ctx.body = link.data;
  });

  // Hooks for people and scripts driving the sandbox over HTTP (tests in-process use the methods).
  router.get('/hooks/trades', (ctx) => {
    sweep();
    ctx.body = { data: { trades: [...trades.values()], notifications: [...notifications.values()] } };
  });
  router.post('/hooks/trades/:outTradeNo/pay', (ctx) => {
    try {
      ctx.body = { data: pay(ctx.params.outTradeNo!) };
    } catch (err) {
      if (!(err instanceof SandboxAlipayError)) throw err;
      ctx.status = err.status;
      ctx.body = { error: { code: err.code, message: err.message } };
    }
  });
  router.post('/hooks/trades/:outTradeNo/notify', async (ctx) => {
    try {
      ctx.body = { data: await sendNotify(ctx.params.outTradeNo!) };
    } catch (err) {
      if (!(err instanceof SandboxAlipayError)) throw err;
      ctx.status = err.status;
      ctx.body = { error: { code: err.code, message: err.message } };
    }
  });

  // Resume what a previous run left undelivered.
  for (const n of notifications.values()) {
    if (n.state === 'pending') schedule(n, Math.max(0, n.nextAt ? Date.parse(n.nextAt) - Date.now() : 0));
  }
  const sweeper = (opts.sweepIntervalMs ?? 1000) > 0 ? setInterval(sweep, opts.sweepIntervalMs ?? 1000) : undefined;
  sweeper?.unref();

  return {
    router,
    alipayPublicKeyPem: keys.publicKeyPem,
    ledger: {
      trade: (outTradeNo) => {
        const t = trades.get(outTradeNo);
        return t ? copy(refresh(t)) : undefined;
      },
      trades: () => [...trades.values()].map((t) => copy(refresh(t))),
      notifications: (outTradeNo) => [...notifications.values()].filter((n) => !outTradeNo || n.outTradeNo === outTradeNo).map(copy),
    },
    openPayUrl,
    pay,
    payUrl: (url) => pay(openPayUrl(url).outTradeNo),
    sendNotify,
    sweep,
    idle: () => notifies.idle(),
    async close() {
      if (notifies.stopped) return;
      save();
      notifies.stop();
      if (sweeper) clearInterval(sweeper);
      closing.abort();
      await notifies.idle();
    },
  };
}
