import { createHash, createPublicKey, generateKeyPairSync, randomBytes, randomInt, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';
import { fenToYuan } from '@openhall/shared';
import { SANDBOX_WECHAT_USER_COOKIE, sandboxOpenid, sandboxOpenidOwner, sandboxWechatUserOf } from '../wechat/wechat-sandbox-user';
import { generateSelfSignedCertificate, loadPrivateKey } from './wechatpay.certificate';
import { escapeHtml, parseJsonObject, readRawBody, readRawBytes } from '../sandbox-koa';
import { multipartBoundary, multipartParts } from '../../modules/uploads/uploads.multipart';
import { mountComplaintsSandbox, type ComplaintsSandbox, type ComplaintsUploadRequest } from './wechatpay.complaints.sandbox';
import { Redelivery, type RedeliveryOutcome } from '../redelivery';
import type { WechatPayRefundResource, WechatPayTransaction } from '../../integrations/wechatpay/wechatpay.notify';
import {
  OUT_NO_PATTERN,
  PUB_KEY_ID_PREFIX,
  WECHATPAY_API_ORIGIN,
  WECHATPAY_AUTH_SCHEME,
  createNonce,
  cstDate,
  encryptAes256Gcm,
  formatCstDateTime,
  formatRfc3339Cst,
  parseAuthorization,
  requestSigningString,
  responseSigningString,
  sendHttpRequest,
  signSha256Rsa,
  toPublicKey,
  verifySha256Rsa,
} from '../../integrations/wechatpay/wechatpay.protocol';

/**
 * A local WeChat Pay (API v3) for development and tests. It speaks the real protocol: it verifies
 * the merchant's WECHATPAY2-SHA256-RSA2048 request signatures, signs its answers with its own
 * platform keys, serves a cashier page where a person or a browser test confirms a payment, then
 * posts the notification in the real format (AES-256-GCM resource, signed headers) and retries on
 * WeChat's schedule (compressible with `scheduleScale`) until the merchant answers 2xx. Its keys,
 * certificates and ledger live under `<dataDir>/sandbox/wechatpay/` and survive restarts.
 */

/** WeChat's notify retry intervals in seconds: 15 retries over 24 h 4 min. */
export const WECHATPAY_NOTIFY_RETRY_SECONDS = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600] as const;

export type SandboxSigner = 'certificate' | 'public_key';

export interface WechatPaySandboxOptions {
  dataDir: string;
  appid: string;
  /**
   * Other appids bound to the merchant (an official account beside the mini-program). A JSAPI
   * order under one of them must name an openid of that appid: sandbox openids carry their appid's
   * prefix (wechat-sandbox-user.ts), so the pairing is checked as WeChat checks it.
   */
  boundAppids?: string[];
  mchid: string;
  apiV3Key: string;
  /**
   * The merchant API certificate PEM (or its public key PEM) that requests are verified with.
   * When absent the sandbox generates merchant materials on first start and returns them as `merchant`.
   */
  merchantPublicKeyPem?: string;
  /** Serial that requests must name; defaults to the serial of the given/generated certificate (unchecked for a bare key). */
  merchantSerialNo?: string;
  /** Absolute URL where this router is reachable from a browser, e.g. `http://127.0.0.1:3000/sandbox/wechatpay`. */
  publicUrl: string | (() => string);
  /** Router prefix (default `/sandbox/wechatpay`). The API lives under `<prefix>/v3/…`. */
  prefix?: string;
  /** Multiplies the notify retry schedule: 1 is WeChat's real one, 0.001 turns 15 s into 15 ms. */
  scheduleScale?: number;
  /** A merchant answer slower than this counts as a failure (WeChat: 5 s). */
  notifyTimeoutMs?: number;
  /** Which platform key signs answers and notifications (switchable at runtime through `signWith`). */
  signWith?: SandboxSigner;
  /** Refunds answer PROCESSING and turn SUCCESS after this long (real time, default 3 s; 0 = at once). */
  refundDelayMs?: number;
  /** Business clock: order creation, expiry, success_time, bill dates. Signature timestamps use real time. */
  now?: () => Date;
  /** Keep the ledger in `<dataDir>/sandbox/wechatpay/ledger.json` (default true). */
  persist?: boolean;
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export type SandboxTradeState = 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED';

export interface SandboxTrade {
  appid: string;
  mchid: string;
  outTradeNo: string;
  prepayId: string;
  tradeType: 'JSAPI' | 'MWEB';
  description: string;
  amountFen: number;
  attach: string;
  notifyUrl: string;
  /** RFC 3339 as sent; null when the merchant sent none. */
  timeExpire: string | null;
  openid: string | null;
  payerClientIp: string | null;
  createdAt: string;
  tradeState: SandboxTradeState;
  transactionId: string | null;
  successTime: string | null;
  /** The notification body sent for the payment (kept so re-sends are the same notification). */
  notifyBody: string | null;
  /** Canonical JSON of the creating request: the same out_trade_no with other parameters is refused. */
  fingerprint: string;
}

export interface SandboxRefund {
  outRefundNo: string;
  refundId: string;
  outTradeNo: string;
  transactionId: string;
  totalFen: number;
  refundFen: number;
  reason: string;
  notifyUrl: string | null;
  createdAt: string;
  /** Real time at which PROCESSING becomes SUCCESS. */
  settleAt: string;
  successTime: string | null;
  fingerprint: string;
}

export interface SandboxDeliveryAttempt {
  at: string;
  status: number | null;
  error?: string;
  serial: string;
}

export interface SandboxDelivery {
  id: string;
  notifyId: string;
  eventType: string;
  outTradeNo: string;
  outRefundNo?: string;
  url: string;
  body: string;
  attempts: SandboxDeliveryAttempt[];
  state: 'pending' | 'acknowledged' | 'gave_up';
  nextAttemptAt: string | null;
}

/** Ways to make a notification wrong, for testing the merchant's verification. */
export type NotifyTamper =
  | 'ciphertext' // a ciphertext byte flipped, then signed validly: only the GCM tag check catches it
  | 'tag' // an auth-tag byte flipped, then signed validly
  | 'signature' // signed with a key that is not the platform's
  | 'serial' // a Wechatpay-Serial nobody knows
  | 'stale_timestamp'; // signed validly, 10 minutes ago

export interface BuildNotifyOptions {
  signer?: SandboxSigner;
  tamper?: NotifyTamper;
  /** Fields to override in the decrypted transaction (wrong amount, mchid, …), re-encrypted and signed validly. */
  resource?: Partial<WechatPayTransaction>;
  /** Unix seconds for Wechatpay-Timestamp (default: now). */
  timestamp?: number;
}

export interface BuiltNotify {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WechatPaySandbox {
  router: Router;
  prefix: string;
  /** serial → public key: the platform certificate serial AND the PUB_KEY_ID_ public key. */
  platformKeys: Map<string, KeyObject>;
  platformCertificateSerial: string;
  platformCertificatePem: string;
  platformPublicKeyId: string;
  platformPublicKeyPem: string;
  /** Merchant materials when the sandbox generated them (no merchantPublicKeyPem given). */
  merchant: { serialNo: string; certificatePem: string; privateKeyPem: string } | null;
  /** Which platform key signs from now on. */
  signWith: SandboxSigner;
  ledger: {
    trades(): SandboxTrade[];
    trade(outTradeNo: string): SandboxTrade | undefined;
    refunds(): SandboxRefund[];
    deliveries(): SandboxDelivery[];
    delivery(id: string): SandboxDelivery | undefined;
  };
  /** Pays an order as if confirmed on the cashier page; returns the notify delivery it started (throws SandboxPayError if unpayable). */
  pay(outTradeNo: string, opts?: { openid?: string }): SandboxDelivery;
  /** Resolves once a delivery is acknowledged or given up. */
  waitForDelivery(id: string): Promise<SandboxDelivery>;
  /** A signed notification for a paid order, not sent (for direct verification tests and benchmarks). */
  buildNotify(outTradeNo: string, opts?: BuildNotifyOptions): BuiltNotify;
  /** Sends the notification once per copy, concurrently, no retries; resolves with the HTTP statuses (null = no answer). */
  sendNotify(outTradeNo: string, opts?: BuildNotifyOptions & { copies?: number }): Promise<Array<number | null>>;
  /** Starts a new retrying delivery of the same payment notification. */
  redeliver(outTradeNo: string): SandboxDelivery;
  /** Stops timers and in-flight sends. Pending deliveries stay in the ledger and resume on the next start. */
  close(): Promise<void>;
  /** Consumer complaints (消费者投诉 2.0): wechatpay.complaints.sandbox.ts. */
  complaints: ComplaintsSandbox;
}

export class SandboxPayError extends Error {
  constructor(
    readonly code: 'ORDER_NOT_EXIST' | 'ORDERPAID' | 'ORDER_CLOSED' | 'ORDER_EXPIRED' | 'NOT_PAID',
    message: string,
  ) {
    super(message);
  }
}

interface LedgerFile {
  trades: SandboxTrade[];
  refunds: SandboxRefund[];
  deliveries: SandboxDelivery[];
}

interface ApiResult {
  status: number;
  body?: unknown;
  /** A file answer (bill download): sent as is and not signed, as WeChat does. */
  file?: { contentType: string; data: Buffer };
}

interface ApiRequest {
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

const TRADE_STATE_DESC: Record<SandboxTradeState, string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  CLOSED: '订单已关闭',
};

export function createWechatPaySandbox(opts: WechatPaySandboxOptions): WechatPaySandbox {
  return new Sandbox(opts).api();
}

class Sandbox {
  private readonly dir: string;
  private readonly prefix: string;
  private readonly now: () => Date;
  private readonly persist: boolean;
  private readonly platformCert: { serial: string; pem: string; key: KeyObject };
  private readonly platformPub: { id: string; pem: string; key: KeyObject };
  private readonly merchantKey: KeyObject;
  private readonly merchantSerial: string | null;
  private readonly merchant: WechatPaySandbox['merchant'];
  private readonly state: LedgerFile;
  /** Notify deliveries on WeChat's schedule, the refunds' settle timers, and the sends close() waits for. */
  private readonly notifies: Redelivery;
  private readonly waiters = new Map<string, Array<(d: SandboxDelivery) => void>>();
  private readonly bills = new Map<string, { data: Buffer; expiresAt: number }>();
  /**
   * Cuts every send in flight at close(). Each in-flight send listens on it (a burst of notifications
   * is many at once), so Node's warning about more than 10 listeners, meant for leaks, is turned off
   * for it (in the constructor); each send's listener goes when the send ends.
   */
  private readonly abort = new AbortController();
  /** Every appid bound to the merchant: the main one first. */
  private readonly appids: readonly string[];
  signWith: SandboxSigner;
  private complaints!: ComplaintsSandbox;

  constructor(private readonly opts: WechatPaySandboxOptions) {
    if (Buffer.byteLength(opts.apiV3Key, 'utf8') !== 32) throw new RangeError('apiV3Key must be 32 bytes');
    setMaxListeners(0, this.abort.signal);
    this.dir = path.join(opts.dataDir, 'sandbox', 'wechatpay');
    fs.mkdirSync(this.dir, { recursive: true });
    this.prefix = (opts.prefix ?? '/sandbox/wechatpay').replace(/\/+$/, '');
    this.now = opts.now ?? (() => new Date());
    this.notifies = new Redelivery(WECHATPAY_NOTIFY_RETRY_SECONDS.map((s) => s * 1000), { scale: opts.scheduleScale });
    this.persist = opts.persist ?? true;
    this.signWith = opts.signWith ?? 'certificate';
    this.appids = [opts.appid, ...(opts.boundAppids ?? []).filter((a) => a !== opts.appid)];
    this.platformCert = this.loadPlatformCertificate();
    this.platformPub = this.loadPlatformPublicKey();
    if (opts.merchantPublicKeyPem) {
      this.merchantKey = toPublicKey(opts.merchantPublicKeyPem);
      this.merchant = null;
      this.merchantSerial =
        opts.merchantSerialNo ??
        (opts.merchantPublicKeyPem.includes('BEGIN CERTIFICATE') ? new X509Certificate(opts.merchantPublicKeyPem).serialNumber.toUpperCase() : null);
    } else {
      this.merchant = this.loadMerchant();
      this.merchantKey = createPublicKey(this.merchant.certificatePem);
      this.merchantSerial = opts.merchantSerialNo ?? this.merchant.serialNo;
    }
    this.state = this.loadLedger();
    for (const d of this.state.deliveries) if (d.state === 'pending') this.deliver(d, d.nextAttemptAt ? Date.parse(d.nextAttemptAt) - Date.now() : 0);
  }

  api(): WechatPaySandbox {
    const sandbox: WechatPaySandbox = {
      router: this.buildRouter(),
      prefix: this.prefix,
      platformKeys: new Map([
        [this.platformCert.serial, createPublicKey(this.platformCert.key)],
        [this.platformPub.id, createPublicKey(this.platformPub.key)],
      ]),
      platformCertificateSerial: this.platformCert.serial,
      platformCertificatePem: this.platformCert.pem,
      platformPublicKeyId: this.platformPub.id,
      platformPublicKeyPem: this.platformPub.pem,
      merchant: this.merchant,
      signWith: this.signWith, // replaced by a live accessor below
      ledger: {
        trades: () => this.state.trades.map((t) => ({ ...t })),
        trade: (no) => {
          const t = this.findTrade(no);
          return t && { ...t };
        },
        refunds: () => this.state.refunds.map((r) => ({ ...r })),
        deliveries: () => this.state.deliveries.map(copyDelivery),
        delivery: (id) => {
          const d = this.state.deliveries.find((x) => x.id === id);
          return d && copyDelivery(d);
        },
      },
      pay: (no, o) => this.payTrade(this.requireTrade(no), o?.openid),
      waitForDelivery: (id) => this.waitForDelivery(id),
      buildNotify: (no, o) => this.buildTradeNotify(this.requireTrade(no), o ?? {}),
      sendNotify: (no, o) => this.sendNotifyCopies(this.requireTrade(no), o ?? {}),
      redeliver: (no) => {
        const t = this.requireTrade(no);
        if (!t.notifyBody) throw new SandboxPayError('NOT_PAID', `${no} has not been paid`);
        return this.startDelivery(t.notifyUrl, t.notifyBody, 'TRANSACTION.SUCCESS', t.outTradeNo);
      },
      close: () => this.close(),
      complaints: this.complaints,
    };
    Object.defineProperty(sandbox, 'signWith', {
      enumerable: true,
      get: () => this.signWith,
      set: (v: SandboxSigner) => {
        this.signWith = v;
      },
    });
    return sandbox;
  }

  // ─── keys ────────────────────────────────────────────────────────────────────────────

  private loadPlatformCertificate(): { serial: string; pem: string; key: KeyObject } {
    const certFile = path.join(this.dir, 'platform_cert.pem');
    const keyFile = path.join(this.dir, 'platform_cert_key.pem');
    if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) {
      const now = new Date();
      const c = generateSelfSignedCertificate({
        commonName: 'Tenpay.com Root CA (OpenHall sandbox)',
        organization: 'OpenHall WeChat Pay sandbox',
        organizationalUnit: 'Tenpay.com CA Center',
        notBefore: new Date(now.getTime() - 86_400_000),
        notAfter: new Date(now.getTime() + 5 * 365 * 86_400_000),
      });
      writeSecret(keyFile, c.privateKeyPem);
      fs.writeFileSync(certFile, c.certificatePem);
    }
    const pem = fs.readFileSync(certFile, 'utf8');
    return { serial: new X509Certificate(pem).serialNumber.toUpperCase(), pem, key: loadPrivateKey(fs.readFileSync(keyFile)) };
  }

  private loadPlatformPublicKey(): { id: string; pem: string; key: KeyObject } {
    const idFile = path.join(this.dir, 'pub_key_id.txt');
    const pubFile = path.join(this.dir, 'pub_key.pem');
    const keyFile = path.join(this.dir, 'pub_key_private.pem');
    if (!fs.existsSync(idFile) || !fs.existsSync(pubFile) || !fs.existsSync(keyFile)) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const digits = (this.opts.mchid.replace(/\D/g, '') + Array.from({ length: 28 }, () => randomInt(10)).join('')).slice(0, 26);
      writeSecret(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
      fs.writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }).toString());
      fs.writeFileSync(idFile, `${PUB_KEY_ID_PREFIX}01${digits}\n`);
    }
    return {
      id: fs.readFileSync(idFile, 'utf8').trim(),
      pem: fs.readFileSync(pubFile, 'utf8'),
      key: loadPrivateKey(fs.readFileSync(keyFile)),
    };
  }

  private loadMerchant(): { serialNo: string; certificatePem: string; privateKeyPem: string } {
    const dir = path.join(this.dir, 'merchant');
    const certFile = path.join(dir, 'apiclient_cert.pem');
    const keyFile = path.join(dir, 'apiclient_key.pem');
    if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) {
      fs.mkdirSync(dir, { recursive: true });
      const now = new Date();
      const c = generateSelfSignedCertificate({
        commonName: this.opts.mchid,
        organization: 'OpenHall WeChat Pay sandbox merchant',
        organizationalUnit: 'Tenpay.com',
        notBefore: new Date(now.getTime() - 86_400_000),
        notAfter: new Date(now.getTime() + 5 * 365 * 86_400_000),
      });
      writeSecret(keyFile, c.privateKeyPem);
      fs.writeFileSync(certFile, c.certificatePem);
    }
    const certificatePem = fs.readFileSync(certFile, 'utf8');
    return {
      serialNo: new X509Certificate(certificatePem).serialNumber.toUpperCase(),
      certificatePem,
      privateKeyPem: fs.readFileSync(keyFile, 'utf8'),
    };
  }

  private signer(which: SandboxSigner): { serial: string; key: KeyObject } {
    return which === 'public_key' ? { serial: this.platformPub.id, key: this.platformPub.key } : { serial: this.platformCert.serial, key: this.platformCert.key };
  }

  // ─── ledger ──────────────────────────────────────────────────────────────────────────

  private loadLedger(): LedgerFile {
    const file = path.join(this.dir, 'ledger.json');
    if (this.persist && fs.existsSync(file)) {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LedgerFile>;
      return { trades: parsed.trades ?? [], refunds: parsed.refunds ?? [], deliveries: parsed.deliveries ?? [] };
    }
    return { trades: [], refunds: [], deliveries: [] };
  }

  private save(): void {
    if (!this.persist) return;
    const file = path.join(this.dir, 'ledger.json');
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state));
    fs.renameSync(tmp, file);
  }

  private findTrade(outTradeNo: string): SandboxTrade | undefined {
    return this.state.trades.find((t) => t.outTradeNo === outTradeNo && t.mchid === this.opts.mchid);
  }

  private requireTrade(outTradeNo: string): SandboxTrade {
    const t = this.findTrade(outTradeNo);
    if (!t) throw new SandboxPayError('ORDER_NOT_EXIST', `no order ${outTradeNo}`);
    return t;
  }

  // ─── HTTP ────────────────────────────────────────────────────────────────────────────

  private buildRouter(): Router {
    const router = new Router({ prefix: this.prefix });
    const api = (handler: (req: ApiRequest) => ApiResult) => async (ctx: Context) => {
      const raw = await readRawBody(ctx);
      const refusal = this.checkRequestSignature(ctx, raw);
      let result: ApiResult;
      if (refusal) {
        result = { status: 401, body: { code: 'SIGN_ERROR', message: refusal } };
      } else {
        let body: Record<string, unknown> = {};
        let malformed = false;
        if (raw) {
          try {
            const parsed: unknown = JSON.parse(raw);
            if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
            else malformed = true;
          } catch {
            malformed = true;
          }
        }
        result = malformed
          ? paramError('请求体不是合法的 JSON 对象')
          : handler({ params: (ctx as unknown as { params: Record<string, string> }).params ?? {}, query: ctx.query, body });
      }
      this.respond(ctx, result);
    };

    // A multipart upload: the signature covers the `meta` part as sent, not the body (商户上传反馈图片).
    const upload = (handler: (req: ComplaintsUploadRequest) => ApiResult) => async (ctx: Context) => {
      const raw = await readRawBytes(ctx, UPLOAD_READ_LIMIT);
      const boundary = multipartBoundary(ctx.get('Content-Type'));
      const parts = raw && boundary ? multipartParts(raw, boundary) : [];
      const meta = parts.find((p) => p.name === 'meta');
      const file = parts.find((p) => p.name === 'file');
      const metaRaw = meta ? meta.bytes.toString('utf8') : null;
      const refusal = raw === null ? null : this.checkRequestSignature(ctx, metaRaw ?? '');
      this.respond(
        ctx,
        refusal
          ? { status: 401, body: { code: 'SIGN_ERROR', message: refusal } }
          : handler({ metaRaw, file: file ? { bytes: file.bytes, filename: file.filename, contentType: file.contentType } : null, tooLarge: raw === null }),
      );
    };

    router.post('/v3/pay/transactions/jsapi', api((r) => this.createOrder(r.body, 'JSAPI')));
    router.post('/v3/pay/transactions/h5', api((r) => this.createOrder(r.body, 'MWEB')));
    router.get('/v3/pay/transactions/out-trade-no/:outTradeNo', api((r) => this.queryTrade(r, (t) => t.outTradeNo === r.params.outTradeNo)));
    router.get('/v3/pay/transactions/id/:transactionId', api((r) => this.queryTrade(r, (t) => t.transactionId === r.params.transactionId)));
    router.post('/v3/pay/transactions/out-trade-no/:outTradeNo/close', api((r) => this.closeTrade(r)));
    router.post('/v3/refund/domestic/refunds', api((r) => this.createRefund(r.body)));
    router.get('/v3/refund/domestic/refunds/:outRefundNo', api((r) => this.queryRefund(r.params.outRefundNo)));
    router.get('/v3/bill/tradebill', api((r) => this.applyTradeBill(r.query)));
    router.get('/v3/billdownload/file', api((r) => this.downloadBill(r.query)));
    router.get('/v3/certificates', api(() => this.certificates()));

    // What WeChat's client does when a page in its browser (WeixinJSBridge getBrandWCPayRequest) or
    // a mini-program (wx.requestPayment) asks it to pay with the merchant-signed parameters.
    router.post('/client/request-payment', async (ctx) => {
      const body = parseJsonObject(await readRawBody(ctx));
      const who = sandboxWechatUserOf(ctx.cookies.get(SANDBOX_WECHAT_USER_COOKIE));
      const answer = this.requestPayment(body, who);
      ctx.status = answer.ok ? 200 : 400;
      ctx.body = answer;
    });
    router.get('/cashier/:prepayId', (ctx) => this.cashierPage(ctx));
    router.post('/cashier/:prepayId/confirm', (ctx) => this.cashierAction(ctx, 'confirm'));
    router.post('/cashier/:prepayId/cancel', (ctx) => this.cashierAction(ctx, 'cancel'));

    // Test hooks: what a browser test or script needs without the page. Sandbox only, like the rest.
    router.post('/_hooks/pay', async (ctx) => {
      const body = parseJsonObject(await readRawBody(ctx));
      try {
        const d = this.payTrade(this.requireTrade(String(body.out_trade_no ?? '')), typeof body.openid === 'string' ? body.openid : undefined);
        ctx.body = { data: { delivery_id: d.id, trade: this.findTrade(d.outTradeNo) } };
      } catch (e) {
        hookError(ctx, e);
      }
    });
    router.post('/_hooks/notify', async (ctx) => {
      const body = parseJsonObject(await readRawBody(ctx));
      try {
        const statuses = await this.sendNotifyCopies(this.requireTrade(String(body.out_trade_no ?? '')), {
          ...(body.signer === 'public_key' || body.signer === 'certificate' ? { signer: body.signer } : {}),
          ...(typeof body.tamper === 'string' ? { tamper: body.tamper as NotifyTamper } : {}),
          ...(body.resource && typeof body.resource === 'object' ? { resource: body.resource as Partial<WechatPayTransaction> } : {}),
          copies: Math.min(100, Math.max(1, Number(body.copies ?? 1) || 1)),
        });
        ctx.body = { data: { statuses } };
      } catch (e) {
        hookError(ctx, e);
      }
    });
    router.get('/_hooks/ledger', (ctx) => {
      ctx.body = { data: { trades: this.state.trades, refunds: this.state.refunds.map((r) => this.refundView(r)), deliveries: this.state.deliveries } };
    });
    this.complaints = mountComplaintsSandbox(router, {
      dir: this.dir, mchid: this.opts.mchid, persist: this.persist, now: this.now, api, upload, merchantKey: this.merchantKey,
      trade: (no) => this.findTrade(no), trades: () => this.state.trades.map((t) => ({ ...t })),
      envelope: (type, summary, original, resource) => this.encryptedEnvelope(type, summary, original, resource),
      deliver: (url, body, type, no) => this.startDelivery(url, body, type, no),
    });
    return router;
  }

  /** Null when the request carries a valid merchant signature; otherwise why not. */
  private checkRequestSignature(ctx: Context, rawBody: string): string | null {
    const auth = parseAuthorization(ctx.get('Authorization'));
    if (!auth) return `Authorization 缺失或不是 ${WECHATPAY_AUTH_SCHEME}`;
    if (auth.mchid !== this.opts.mchid) return '商户号与签名不匹配';
    if (this.merchantSerial && auth.serial_no.toUpperCase() !== this.merchantSerial) return '商户证书序列号有误';
    if (!/^\d{1,12}$/.test(auth.timestamp) || Math.abs(Date.now() / 1000 - Number(auth.timestamp)) > 300) return '签名时间戳过期';
    // The merchant signed the URL as it would have been at api.mch.weixin.qq.com: strip our mount prefix.
    const at = ctx.originalUrl.indexOf('/v3/');
    const signedUrl = at >= 0 ? ctx.originalUrl.slice(at) : ctx.originalUrl;
    const message = requestSigningString(ctx.method, signedUrl, auth.timestamp, auth.nonce_str, rawBody);
    return verifySha256Rsa(message, auth.signature, this.merchantKey) ? null : '签名错误';
  }

  private respond(ctx: Context, result: ApiResult): void {
    ctx.status = result.status;
    if (result.file) {
      ctx.type = result.file.contentType;
      ctx.body = result.file.data;
      return;
    }
    const text = result.body === undefined ? '' : JSON.stringify(result.body);
    const { serial, key } = this.signer(this.signWith);
    const timestamp = Math.floor(Date.now() / 1000).toString();
    const nonce = createNonce();
    ctx.set('Request-ID', randomUUID());
    ctx.set('Wechatpay-Timestamp', timestamp);
    ctx.set('Wechatpay-Nonce', nonce);
    ctx.set('Wechatpay-Serial', serial);
    ctx.set('Wechatpay-Signature-Type', WECHATPAY_AUTH_SCHEME);
    ctx.set('Wechatpay-Signature', signSha256Rsa(responseSigningString(timestamp, nonce, text), key));
    if (result.status === 204) {
      ctx.body = null;
      ctx.status = 204;
      return;
    }
    ctx.body = text;
    ctx.type = 'application/json';
  }

  // ─── API handlers ────────────────────────────────────────────────────────────────────

  private createOrder(body: Record<string, unknown>, tradeType: 'JSAPI' | 'MWEB'): ApiResult {
    const amount = body.amount as { total?: unknown; currency?: unknown } | undefined;
    const payer = body.payer as { openid?: unknown } | undefined;
    const scene = body.scene_info as { payer_client_ip?: unknown; h5_info?: { type?: unknown } } | undefined;
    const problems: string[] = [];
    if (typeof body.appid !== 'string' || !body.appid) problems.push('appid');
    if (typeof body.mchid !== 'string' || !body.mchid) problems.push('mchid');
    if (typeof body.description !== 'string' || [...body.description].length < 1 || [...body.description].length > 127) problems.push('description');
    if (typeof body.out_trade_no !== 'string' || !OUT_NO_PATTERN.test(body.out_trade_no)) problems.push('out_trade_no');
    if (typeof body.notify_url !== 'string' || !/^https?:\/\/[^\s]+$/.test(body.notify_url)) problems.push('notify_url');
    if (!amount || !Number.isSafeInteger(amount.total) || (amount.total as number) < 1) problems.push('amount.total');
    if (amount && amount.currency !== undefined && amount.currency !== 'CNY') problems.push('amount.currency');
    if (body.time_expire !== undefined && (typeof body.time_expire !== 'string' || !RFC3339.test(body.time_expire))) problems.push('time_expire');
    if (tradeType === 'JSAPI' && (typeof payer?.openid !== 'string' || !payer.openid)) problems.push('payer.openid');
    if (tradeType === 'MWEB' && (typeof scene?.payer_client_ip !== 'string' || !scene.payer_client_ip || typeof scene.h5_info?.type !== 'string')) {
      problems.push('scene_info');
    }
    if (problems.length) return paramError(`参数错误：${problems.join(', ')}`);
    if (body.mchid !== this.opts.mchid) return fail(400, 'MCH_NOT_EXISTS', '商户号不存在');
    if (!this.appids.includes(body.appid as string)) return fail(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    if (tradeType === 'JSAPI' && !this.openidFits(body.appid as string, payer!.openid as string)) return paramError('appid和openid不匹配');

    const outTradeNo = body.out_trade_no as string;
    const fingerprint = JSON.stringify({
      tradeType,
      description: body.description,
      total: amount!.total,
      notify_url: body.notify_url,
      openid: payer?.openid ?? null,
      time_expire: body.time_expire ?? null,
      attach: body.attach ?? '',
    });
    const existing = this.findTrade(outTradeNo);
    if (existing) {
      if (existing.tradeState === 'SUCCESS' || existing.tradeState === 'REFUND') return fail(400, 'ORDERPAID', '该订单已支付');
      if (existing.tradeState === 'CLOSED') return fail(400, 'ORDER_CLOSED', '订单已关闭');
      if (existing.fingerprint !== fingerprint) return fail(400, 'INVALID_REQUEST', '201 商户订单号重复');
      return { status: 200, body: this.orderCreatedBody(existing) };
    }
    const now = this.now();
    const trade: SandboxTrade = {
      appid: body.appid as string,
      mchid: this.opts.mchid,
      outTradeNo,
      prepayId: `wx${formatCstDateTime(now).replace(/\D/g, '').slice(2)}${randomBytes(11).toString('hex')}0000`,
      tradeType,
      description: body.description as string,
      amountFen: amount!.total as number,
      attach: typeof body.attach === 'string' ? body.attach : '',
      notifyUrl: body.notify_url as string,
      timeExpire: (body.time_expire as string | undefined) ?? null,
      openid: tradeType === 'JSAPI' ? (payer!.openid as string) : null,
      payerClientIp: tradeType === 'MWEB' ? (scene!.payer_client_ip as string) : null,
      createdAt: now.toISOString(),
      tradeState: 'NOTPAY',
      transactionId: null,
      successTime: null,
      notifyBody: null,
      fingerprint,
    };
    this.state.trades.push(trade);
    this.save();
    return { status: 200, body: this.orderCreatedBody(trade) };
  }

  private orderCreatedBody(t: SandboxTrade): Record<string, string> {
    if (t.tradeType === 'JSAPI') return { prepay_id: t.prepayId };
    // Like wx.tenpay.com's checkmweb URL it already has a query, so merchants append `&redirect_url=`.
    const base = (typeof this.opts.publicUrl === 'function' ? this.opts.publicUrl() : this.opts.publicUrl).replace(/\/+$/, '');
    return { h5_url: `${base}/cashier/${encodeURIComponent(t.prepayId)}?package=${createHash('sha1').update(t.prepayId).digest('hex').slice(0, 10)}` };
  }

  private queryTrade(r: ApiRequest, match: (t: SandboxTrade) => boolean): ApiResult {
    if (r.query.mchid !== this.opts.mchid) return paramError('mchid 与商户号不匹配');
    const t = this.state.trades.find((x) => x.mchid === this.opts.mchid && match(x));
    if (!t) return fail(404, 'ORDER_NOT_EXIST', '订单不存在');
    return { status: 200, body: this.transactionView(t) };
  }

  private closeTrade(r: ApiRequest): ApiResult {
    if (r.body.mchid !== this.opts.mchid) return paramError('mchid 与商户号不匹配');
    const t = this.findTrade(r.params.outTradeNo);
    if (!t) return fail(404, 'ORDER_NOT_EXIST', '订单不存在');
    if (t.tradeState === 'SUCCESS' || t.tradeState === 'REFUND') return fail(400, 'ORDERPAID', '订单已支付');
    if (t.tradeState === 'NOTPAY') {
      t.tradeState = 'CLOSED';
      this.save();
    }
    return { status: 204 };
  }

  private createRefund(body: Record<string, unknown>): ApiResult {
    const amount = body.amount as { refund?: unknown; total?: unknown; currency?: unknown } | undefined;
    const problems: string[] = [];
    if (typeof body.out_refund_no !== 'string' || !OUT_NO_PATTERN.test(body.out_refund_no)) problems.push('out_refund_no');
    if (typeof body.out_trade_no !== 'string' && typeof body.transaction_id !== 'string') problems.push('out_trade_no');
    if (!amount || !Number.isSafeInteger(amount.refund) || (amount.refund as number) < 1) problems.push('amount.refund');
    if (!amount || !Number.isSafeInteger(amount.total) || (amount.total as number) < 1) problems.push('amount.total');
    if (amount?.currency !== 'CNY') problems.push('amount.currency');
    if (body.reason !== undefined && (typeof body.reason !== 'string' || [...body.reason].length > 80)) problems.push('reason');
    if (body.notify_url !== undefined && (typeof body.notify_url !== 'string' || !/^https?:\/\//.test(body.notify_url))) problems.push('notify_url');
    if (problems.length) return paramError(`参数错误：${problems.join(', ')}`);

    const t = this.state.trades.find(
      (x) => x.mchid === this.opts.mchid && (body.out_trade_no ? x.outTradeNo === body.out_trade_no : x.transactionId === body.transaction_id),
    );
    if (!t) return fail(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    const outRefundNo = body.out_refund_no as string;
    const fingerprint = JSON.stringify({ trade: t.outTradeNo, refund: amount!.refund, total: amount!.total });
    const existing = this.state.refunds.find((x) => x.outRefundNo === outRefundNo);
    if (existing) {
      if (existing.fingerprint !== fingerprint) return fail(400, 'INVALID_REQUEST', '退款单号已存在，且参数与原请求不一致');
      return { status: 200, body: this.refundView(existing) };
    }
    if (t.tradeState !== 'SUCCESS' && t.tradeState !== 'REFUND') return fail(400, 'INVALID_REQUEST', '订单未支付，不能退款');
    if (amount!.total !== t.amountFen) return fail(400, 'INVALID_REQUEST', '订单金额与原订单不一致');
    const refunded = this.state.refunds.filter((x) => x.outTradeNo === t.outTradeNo).reduce((s, x) => s + x.refundFen, 0);
    if (refunded + (amount!.refund as number) > t.amountFen) return fail(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');

    const now = this.now();
    const delay = Math.max(0, this.opts.refundDelayMs ?? 3000);
    const refund: SandboxRefund = {
      outRefundNo,
      refundId: `50${digits(27)}`,
      outTradeNo: t.outTradeNo,
      transactionId: t.transactionId!,
      totalFen: t.amountFen,
      refundFen: amount!.refund as number,
      reason: typeof body.reason === 'string' ? body.reason : '',
      notifyUrl: typeof body.notify_url === 'string' ? body.notify_url : null,
      createdAt: now.toISOString(),
      settleAt: new Date(Date.now() + delay).toISOString(),
      successTime: delay === 0 ? formatRfc3339Cst(now) : null,
      fingerprint,
    };
    this.state.refunds.push(refund);
    t.tradeState = 'REFUND';
    this.save();
    if (refund.notifyUrl) {
      this.notifies.later(delay, () => {
        this.settleRefund(refund);
        if (refund.notifyUrl && !this.notifies.stopped) {
          const body = this.encryptedEnvelope('REFUND.SUCCESS', '退款成功', 'refund', this.refundResource(refund));
          this.startDelivery(refund.notifyUrl, body, 'REFUND.SUCCESS', refund.outTradeNo, refund.outRefundNo);
        }
      });
    }
    return { status: 200, body: this.refundView(refund) };
  }

  private settleRefund(r: SandboxRefund): void {
    if (r.successTime === null && Date.now() >= Date.parse(r.settleAt)) {
      r.successTime = formatRfc3339Cst(this.now());
      this.save();
    }
  }

  private queryRefund(outRefundNo: string): ApiResult {
    const r = this.state.refunds.find((x) => x.outRefundNo === outRefundNo);
    if (!r) return fail(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    return { status: 200, body: this.refundView(r) };
  }

  private refundView(r: SandboxRefund): Record<string, unknown> {
    this.settleRefund(r);
    return {
      refund_id: r.refundId,
      out_refund_no: r.outRefundNo,
      transaction_id: r.transactionId,
      out_trade_no: r.outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      ...(r.successTime ? { success_time: r.successTime } : {}),
      create_time: formatRfc3339Cst(new Date(r.createdAt)),
      status: r.successTime ? 'SUCCESS' : 'PROCESSING',
      funds_account: 'AVAILABLE',
      amount: {
        total: r.totalFen,
        refund: r.refundFen,
        from: [],
        payer_total: r.totalFen,
        payer_refund: r.refundFen,
        settlement_refund: r.refundFen,
        settlement_total: r.totalFen,
        discount_refund: 0,
        currency: 'CNY',
        refund_fee: 0,
      },
      promotion_detail: [],
    };
  }

  private refundResource(r: SandboxRefund): WechatPayRefundResource {
    return {
      mchid: this.opts.mchid,
      out_trade_no: r.outTradeNo,
      transaction_id: r.transactionId,
      out_refund_no: r.outRefundNo,
      refund_id: r.refundId,
      refund_status: 'SUCCESS',
      success_time: r.successTime ?? formatRfc3339Cst(this.now()),
      user_received_account: '支付用户零钱',
      amount: { total: r.totalFen, refund: r.refundFen, payer_total: r.totalFen, payer_refund: r.refundFen },
    };
  }

  private applyTradeBill(query: ApiRequest['query']): ApiResult {
    const date = typeof query.bill_date === 'string' ? query.bill_date : '';
    const type = typeof query.bill_type === 'string' ? query.bill_type : 'ALL';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00+08:00`))) return paramError('bill_date 格式错误');
    if (!['ALL', 'SUCCESS', 'REFUND'].includes(type)) return paramError('bill_type 错误');
    if (query.tar_type !== undefined) return paramError('沙箱只提供未压缩的账单');
    // The real gateway publishes a day's bill the next morning; the sandbox serves today's too (tests).
    if (date > cstDate(this.now())) return fail(400, 'NO_STATEMENT_EXIST', '账单日期未到');
    const csv = this.tradeBillCsv(date, type as 'ALL' | 'SUCCESS' | 'REFUND');
    if (csv === null) return fail(400, 'NO_STATEMENT_EXIST', '账单不存在');
    const data = Buffer.from(csv, 'utf8');
    for (const [k, v] of this.bills) if (v.expiresAt < Date.now()) this.bills.delete(k);
    const token = randomBytes(16).toString('hex');
    this.bills.set(token, { data, expiresAt: Date.now() + 5 * 60_000 });
    return {
      status: 200,
      body: {
        hash_type: 'SHA1',
        hash_value: createHash('sha1').update(data).digest('hex'),
        // The real answer names the real host; the merchant's HTTP layer maps it like every other URL.
        download_url: `${WECHATPAY_API_ORIGIN}/v3/billdownload/file?token=${token}`,
      },
    };
  }

  private downloadBill(query: ApiRequest['query']): ApiResult {
    const token = typeof query.token === 'string' ? query.token : '';
    const bill = this.bills.get(token);
    if (!bill || bill.expiresAt < Date.now()) return fail(400, 'INVALID_REQUEST', '下载链接已过期');
    return { status: 200, file: { contentType: 'application/octet-stream', data: bill.data } };
  }

  /** The ALL/SUCCESS/REFUND trade bill of a CST day in WeChat's CSV layout; null when the day has no rows. */
  private tradeBillCsv(date: string, type: 'ALL' | 'SUCCESS' | 'REFUND'): string | null {
    const header =
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
    const lines: Array<{ at: string; fields: string[]; settlement: number; refund: number; amount: number; requested: number; fee: number }> = [];
    const fee = (fen: number) => Math.round((fen * 6) / 1000); // 0.60%, rounded to the fen
    if (type !== 'REFUND') {
      for (const t of this.state.trades) {
        if (!t.successTime || cstDate(new Date(t.successTime)) !== date) continue;
        const f = fee(t.amountFen);
        lines.push({
          at: new Date(t.successTime).toISOString(),
          settlement: t.amountFen,
          refund: 0,
          amount: t.amountFen,
          requested: 0,
          fee: f,
          fields: [
            formatCstDateTime(new Date(t.successTime)), t.appid, t.mchid, '0', '', t.transactionId!, t.outTradeNo, t.openid ?? '',
            t.tradeType, 'SUCCESS', 'OTHERS', 'CNY', fenToYuan(t.amountFen), '0.00', '0', '0', '0.00', '0.00', '', '',
            t.description, t.attach, feeYuan(f), '0.60%', fenToYuan(t.amountFen), '0.00', '',
          ],
        });
      }
    }
    if (type !== 'SUCCESS') {
      // A refund row is listed on the day it was applied for, with its status at download time.
      for (const r of this.state.refunds) {
        if (cstDate(new Date(r.createdAt)) !== date) continue;
        this.settleRefund(r);
        const t = this.requireTrade(r.outTradeNo);
        const f = -fee(r.refundFen);
        lines.push({
          at: r.createdAt,
          settlement: 0,
          refund: r.refundFen,
          amount: 0,
          requested: r.refundFen,
          fee: f,
          fields: [
            formatCstDateTime(new Date(r.createdAt)), t.appid, t.mchid, '0', '', r.transactionId, r.outTradeNo, t.openid ?? '',
            t.tradeType, 'REFUND', 'OTHERS', 'CNY', '0.00', '0.00', r.refundId, r.outRefundNo, fenToYuan(r.refundFen), '0.00',
            'ORIGINAL', r.successTime ? 'SUCCESS' : 'PROCESSING', t.description, t.attach, feeYuan(f), '0.60%', '0.00',
            fenToYuan(r.refundFen), '',
          ],
        });
      }
    }
    if (lines.length === 0) return null;
    lines.sort((a, b) => a.at.localeCompare(b.at));
    const total = (k: 'settlement' | 'refund' | 'amount' | 'requested' | 'fee') => lines.reduce((s, l) => s + l[k], 0);
    const bt = (fields: string[]) => fields.map((f) => '`' + f.replace(/`/g, "'")).join(',');
    return [
      header,
      ...lines.map((l) => bt(l.fields)),
      '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
      bt([
        String(lines.length), fenToYuan(total('settlement')), fenToYuan(total('refund')), '0.00', feeYuan(total('fee')),
        fenToYuan(total('amount')), fenToYuan(total('requested')),
      ]),
      '',
    ].join('\r\n');
  }

  /** `GET /v3/certificates`: the platform certificate, encrypted with the APIv3 key as WeChat does. */
  private certificates(): ApiResult {
    const cert = new X509Certificate(this.platformCert.pem);
    const nonce = createNonce(6);
    return {
      status: 200,
      body: {
        data: [
          {
            serial_no: this.platformCert.serial,
            effective_time: formatRfc3339Cst(new Date(cert.validFrom)),
            expire_time: formatRfc3339Cst(new Date(cert.validTo)),
            encrypt_certificate: {
              algorithm: 'AEAD_AES_256_GCM',
              associated_data: 'certificate',
              nonce,
              ciphertext: encryptAes256Gcm(this.platformCert.pem, this.opts.apiV3Key, nonce, 'certificate'),
            },
          },
        ],
      },
    };
  }

  // ─── paying and notifying ────────────────────────────────────────────────────────────

  private transactionView(t: SandboxTrade): WechatPayTransaction {
    const paid = t.transactionId !== null;
    return {
      appid: t.appid,
      mchid: t.mchid,
      out_trade_no: t.outTradeNo,
      ...(paid ? { transaction_id: t.transactionId! } : {}),
      trade_type: t.tradeType,
      trade_state: t.tradeState,
      trade_state_desc: TRADE_STATE_DESC[t.tradeState],
      ...(paid ? { bank_type: 'OTHERS', success_time: t.successTime! } : {}),
      attach: t.attach,
      ...(t.openid ? { payer: { openid: t.openid } } : {}),
      amount: { total: t.amountFen, ...(paid ? { payer_total: t.amountFen } : {}), currency: 'CNY', payer_currency: 'CNY' },
    } as WechatPayTransaction;
  }

  /**
   * Whether WeChat would place a JSAPI order of `appid` for `openid`: under an appid bound beside
   * the main one the openid must carry that appid's prefix; under the main one it must not carry
   * another bound appid's (the main appid's openids predate the prefixes and stay as issued).
   */
  private openidFits(appid: string, openid: string): boolean {
    const owner = sandboxOpenidOwner(openid, this.appids);
    return appid === this.opts.appid ? owner === null || owner === appid : owner === appid;
  }

  /**
   * The WeChat client paying a JSAPI order: the parameters must be the ones the merchant signed
   * (paySign over `appId\ntimeStamp\nnonceStr\npackage\n` with the merchant key), name an order of
   * that appid, and the WeChat user paying (the browser's sandbox WeChat user) must be the order's
   * payer. Answers as the bridge reports: `get_brand_wcpay_request:ok`, or `:fail` with why.
   */
  private requestPayment(p: Record<string, unknown>, who: string | null): { ok: boolean; err_msg: string; err_desc?: string; out_trade_no?: string } {
    const failed = (why: string) => ({ ok: false, err_msg: 'get_brand_wcpay_request:fail', err_desc: why });
    const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : '');
    const pkg = str('package');
    const t = pkg.startsWith('prepay_id=') ? this.state.trades.find((x) => x.tradeType === 'JSAPI' && x.prepayId === pkg.slice('prepay_id='.length)) : undefined;
    if (!t) return failed('prepay_id 无效');
    if (str('appId') !== t.appid) return failed('appId 与下单 appid 不一致');
    if (str('signType') !== 'RSA' || !verifySha256Rsa(`${str('appId')}\n${str('timeStamp')}\n${str('nonceStr')}\n${pkg}\n`, str('paySign'), this.merchantKey)) {
      return failed('支付验证签名失败');
    }
    if (!who) return failed('请在微信中打开页面后支付');
    if (sandboxOpenid(t.appid, who) !== t.openid) return failed('当前微信用户与下单用户不一致');
    try {
      this.payTrade(t);
    } catch (e) {
      if (!(e instanceof SandboxPayError)) throw e;
      return failed(e.message);
    }
    return { ok: true, err_msg: 'get_brand_wcpay_request:ok', out_trade_no: t.outTradeNo };
  }

  private payTrade(t: SandboxTrade, openid?: string): SandboxDelivery {
    if (t.tradeState === 'SUCCESS' || t.tradeState === 'REFUND') throw new SandboxPayError('ORDERPAID', '该订单已支付');
    if (t.tradeState === 'CLOSED') throw new SandboxPayError('ORDER_CLOSED', '订单已关闭');
    const now = this.now();
    if (t.timeExpire && now.getTime() > Date.parse(t.timeExpire)) throw new SandboxPayError('ORDER_EXPIRED', '订单已过期');
    t.tradeState = 'SUCCESS';
    t.transactionId = `4200${cstDate(now).replace(/-/g, '')}${digits(16)}`;
    t.successTime = formatRfc3339Cst(now);
    // An H5 payer also has an openid under the appid; derive a stable one for the sandbox payer.
    t.openid = t.openid ?? openid ?? 'o' + createHash('sha256').update(`${t.appid}:h5:${t.payerClientIp}`).digest('base64url').slice(0, 27);
    t.notifyBody = this.encryptedEnvelope('TRANSACTION.SUCCESS', '支付成功', 'transaction', this.transactionView(t));
    this.save();
    this.opts.logger?.info({ outTradeNo: t.outTradeNo, amountFen: t.amountFen }, 'wechatpay sandbox: paid');
    return this.startDelivery(t.notifyUrl, t.notifyBody, 'TRANSACTION.SUCCESS', t.outTradeNo);
  }

  private encryptedEnvelope(eventType: string, summary: string, originalType: string, resource: object, id: string = randomUUID()): string {
    const nonce = randomBytes(6).toString('hex'); // 12 characters, used as 12 nonce bytes
    return JSON.stringify({
      id,
      create_time: formatRfc3339Cst(this.now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: {
        original_type: originalType,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: encryptAes256Gcm(JSON.stringify(resource), this.opts.apiV3Key, nonce, originalType),
        associated_data: originalType,
        nonce,
      },
    });
  }

  private signedHeaders(body: string, signer: SandboxSigner, timestamp?: number): Record<string, string> {
    const { serial, key } = this.signer(signer);
    const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = createNonce();
    return {
      'Content-Type': 'application/json',
      'User-Agent': 'Mozilla/4.0 (OpenHall WeChat Pay sandbox)',
      'Wechatpay-Timestamp': ts,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Serial': serial,
      'Wechatpay-Signature-Type': WECHATPAY_AUTH_SCHEME,
      'Wechatpay-Signature': signSha256Rsa(responseSigningString(ts, nonce, body), key),
    };
  }

  private buildTradeNotify(t: SandboxTrade, o: BuildNotifyOptions): BuiltNotify {
    if (!t.notifyBody) throw new SandboxPayError('NOT_PAID', `${t.outTradeNo} has not been paid`);
    let body = t.notifyBody;
    if (o.resource || o.tamper === 'ciphertext' || o.tamper === 'tag') {
      const original = JSON.parse(t.notifyBody) as { id: string; resource: { ciphertext: string } };
      if (o.resource) {
        const view = { ...this.transactionView(t), ...o.resource };
        body = this.encryptedEnvelope('TRANSACTION.SUCCESS', '支付成功', 'transaction', view, original.id);
      }
      if (o.tamper === 'ciphertext' || o.tamper === 'tag') {
        const env = JSON.parse(body) as { resource: { ciphertext: string } };
        const data = Buffer.from(env.resource.ciphertext, 'base64');
        data[o.tamper === 'tag' ? data.length - 1 : 0] ^= 0x01;
        env.resource.ciphertext = data.toString('base64');
        body = JSON.stringify(env);
      }
    }
    const signer = o.signer ?? this.signWith;
    const timestamp = o.tamper === 'stale_timestamp' ? Math.floor(Date.now() / 1000) - 600 : o.timestamp;
    const headers = this.signedHeaders(body, signer, timestamp);
    if (o.tamper === 'signature') {
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      headers['Wechatpay-Signature'] = signSha256Rsa(responseSigningString(headers['Wechatpay-Timestamp'], headers['Wechatpay-Nonce'], body), stranger);
    }
    if (o.tamper === 'serial') headers['Wechatpay-Serial'] = randomBytes(20).toString('hex').toUpperCase();
    return { url: t.notifyUrl, headers, body };
  }

  private async sendNotifyCopies(t: SandboxTrade, o: BuildNotifyOptions & { copies?: number }): Promise<Array<number | null>> {
    const copies = Math.max(1, o.copies ?? 1);
    const built = Array.from({ length: copies }, () => this.buildTradeNotify(t, o));
    return Promise.all(
      built.map((b) =>
        this.notifies.track(
          sendHttpRequest({ method: 'POST', url: b.url, headers: b.headers, body: b.body, timeoutMs: this.opts.notifyTimeoutMs ?? 5000, signal: this.abort.signal })
            .then((res) => res.status)
            .catch(() => null),
        ),
      ),
    );
  }

  private startDelivery(url: string, body: string, eventType: string, outTradeNo: string, outRefundNo?: string): SandboxDelivery {
    const d: SandboxDelivery = {
      id: randomUUID(),
      notifyId: (JSON.parse(body) as { id: string }).id,
      eventType,
      outTradeNo,
      ...(outRefundNo ? { outRefundNo } : {}),
      url,
      body,
      attempts: [],
      state: 'pending',
      nextAttemptAt: new Date().toISOString(),
    };
    this.state.deliveries.push(d);
    this.save();
    this.deliver(d, 0);
    return copyDelivery(d);
  }

  /** Delivers `d` from its next attempt, `delayMs` from now, then on WeChat's schedule until the merchant answers 2xx. */
  private deliver(d: SandboxDelivery, delayMs: number): void {
    this.notifies.enqueue({ key: d.id, delayMs, attemptsMade: d.attempts.length, send: () => this.attempt(d), settled: (o) => this.settled(d, o) });
  }

  /** One POST of the notification: true when the merchant answered 2xx, null when no attempt counts. */
  private async attempt(d: SandboxDelivery): Promise<boolean | null> {
    if (d.state !== 'pending') return null;
    const headers = this.signedHeaders(d.body, this.signWith);
    const at = new Date().toISOString();
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await sendHttpRequest({
        method: 'POST',
        url: d.url,
        headers,
        body: d.body,
        timeoutMs: this.opts.notifyTimeoutMs ?? 5000,
        signal: this.abort.signal,
      });
      status = res.status;
    } catch (e) {
      error = (e as Error).message;
    }
    if (this.notifies.stopped) return null; // an aborted attempt is not an attempt; it is retried on the next start
    d.attempts.push({ at, status, ...(error ? { error } : {}), serial: headers['Wechatpay-Serial'] });
    return status !== null && status >= 200 && status < 300;
  }

  private settled(d: SandboxDelivery, o: RedeliveryOutcome): void {
    if (o.kind === 'acknowledged') {
      d.state = 'acknowledged';
      d.nextAttemptAt = null;
    } else if (o.kind === 'gave_up') {
      d.state = 'gave_up';
      d.nextAttemptAt = null;
      this.opts.logger?.warn({ outTradeNo: d.outTradeNo, url: d.url }, 'wechatpay sandbox: notify never acknowledged, giving up');
    } else {
      d.nextAttemptAt = o.dueAt.toISOString();
    }
    this.save();
    if (d.state !== 'pending') {
      for (const resolve of this.waiters.get(d.id) ?? []) resolve(copyDelivery(d));
      this.waiters.delete(d.id);
    }
  }

  private waitForDelivery(id: string): Promise<SandboxDelivery> {
    const d = this.state.deliveries.find((x) => x.id === id);
    if (!d) return Promise.reject(new Error(`no delivery ${id}`));
    if (d.state !== 'pending') return Promise.resolve(copyDelivery(d));
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }

  private async close(): Promise<void> {
    this.notifies.stop();
    this.abort.abort();
    await this.notifies.idle();
    this.save();
  }

  // ─── cashier page ────────────────────────────────────────────────────────────────────

  private tradeByPrepayId(ctx: Context): SandboxTrade | undefined {
    const id = (ctx as unknown as { params: { prepayId: string } }).params.prepayId;
    return this.state.trades.find((t) => t.prepayId === id);
  }

  private cashierPage(ctx: Context): void {
    const t = this.tradeByPrepayId(ctx);
    if (!t) {
      ctx.status = 404;
      ctx.type = 'html';
      ctx.body = page('订单不存在', '<p id="result">订单不存在或已失效</p>');
      return;
    }
    const redirect = safeRedirect(ctx.query.redirect_url);
    const q = redirect ? `?redirect_url=${encodeURIComponent(redirect)}` : '';
    const action = encodeURIComponent(t.prepayId);
    const blocked = this.unpayableReason(t);
    ctx.type = 'html';
    ctx.body = page(
      '微信支付',
      `<p class="note">OpenHall 沙箱收银台 · 不会产生真实扣款</p>
<p class="merchant">商户号 ${escapeHtml(t.mchid)}</p>
<h1 id="amount">¥${fenToYuan(t.amountFen)}</h1>
<p id="description">${escapeHtml(t.description)}</p>
<dl><dt>商户订单号</dt><dd id="out-trade-no">${escapeHtml(t.outTradeNo)}</dd><dt>状态</dt><dd id="state">${escapeHtml(TRADE_STATE_DESC[t.tradeState])}</dd></dl>
${blocked ? `<p id="result">${escapeHtml(blocked)}</p>` : ''}
<form method="post" action="${action}/confirm${q}"><button id="confirm" type="submit"${blocked ? ' disabled' : ''}>确认支付</button></form>
<form method="post" action="${action}/cancel${q}"><button id="cancel" type="submit">取消</button></form>`,
    );
  }

  private unpayableReason(t: SandboxTrade): string | null {
    if (t.tradeState === 'SUCCESS' || t.tradeState === 'REFUND') return '该订单已支付';
    if (t.tradeState === 'CLOSED') return '订单已关闭';
    if (t.timeExpire && this.now().getTime() > Date.parse(t.timeExpire)) return '订单已过期';
    return null;
  }

  private async cashierAction(ctx: Context, action: 'confirm' | 'cancel'): Promise<void> {
    await readRawBody(ctx); // drain the (empty) form body
    const t = this.tradeByPrepayId(ctx);
    const redirect = safeRedirect(ctx.query.redirect_url);
    ctx.type = 'html';
    if (!t) {
      ctx.status = 404;
      ctx.body = page('订单不存在', '<p id="result">订单不存在或已失效</p>');
      return;
    }
    if (action === 'cancel') {
      // Cancelling in WeChat leaves the order NOTPAY; the merchant learns nothing until it queries.
      if (redirect) return ctx.redirect(redirect);
      ctx.body = page('已取消', '<p id="result">已取消支付</p>');
      return;
    }
    try {
      this.payTrade(t);
    } catch (e) {
      if (!(e instanceof SandboxPayError)) throw e;
      ctx.status = 409;
      ctx.body = page('无法支付', `<p id="result">${escapeHtml(e.message)}</p>`);
      return;
    }
    if (redirect) {
      ctx.status = 303;
      ctx.redirect(redirect);
      return;
    }
    ctx.body = page('支付成功', `<h1 id="amount">¥${fenToYuan(t.amountFen)}</h1><p id="result">支付成功</p>`);
  }
}

// ─── helpers ───────────────────────────────────────────────────────────────────────────

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/;

/** The most of an upload body the sandbox reads (WeChat's 2 MB image limit plus room to tell "too large" apart). */
const UPLOAD_READ_LIMIT = 8 * 1024 * 1024;

function fail(status: number, code: string, message: string): ApiResult {
  return { status, body: { code, message } };
}

function paramError(message: string): ApiResult {
  return fail(400, 'PARAM_ERROR', message);
}

function digits(n: number): string {
  return Array.from({ length: n }, () => randomInt(10)).join('');
}

/** Fee in fen → yuan with five decimals, as the bill prints it. */
function feeYuan(fen: number): string {
  return `${fenToYuan(fen)}000`;
}

function copyDelivery(d: SandboxDelivery): SandboxDelivery {
  return { ...d, attempts: d.attempts.map((a) => ({ ...a })) };
}

function writeSecret(file: string, content: string): void {
  fs.writeFileSync(file, content, { mode: 0o600 });
}



function hookError(ctx: Context, e: unknown): void {
  if (!(e instanceof SandboxPayError)) throw e;
  ctx.status = e.code === 'ORDER_NOT_EXIST' ? 404 : 409;
  ctx.body = { error: { code: e.code, message: e.message } };
}

/** Only absolute http(s) URLs: the cashier must not become an open redirect to `javascript:`. */
function safeRedirect(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}


function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}（沙箱）</title>
<style>
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f2f2f2;margin:0}
main{max-width:420px;margin:0 auto;padding:32px 20px;text-align:center}
.note{color:#b26a00;font-size:13px}.merchant{color:#888}
h1{font-size:40px;margin:16px 0}dl{text-align:left;background:#fff;padding:12px 16px;border-radius:8px}
dt{color:#888;font-size:13px}dd{margin:0 0 8px}
button{width:100%;padding:14px;margin-top:12px;font-size:17px;border:0;border-radius:8px}
#confirm{background:#07c160;color:#fff}#confirm:disabled{background:#9ed9b9}#cancel{background:#fff;color:#333}
</style></head><body><main>${content}</main></body></html>`;
}
