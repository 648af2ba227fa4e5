import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import WxPay from 'wechatpay-node-v3';
import type { IPayRequest, Output } from 'wechatpay-node-v3/dist/define';
import { parseTradeBillCsv, type TradeBill } from './wechatpay.bill';
import type { WechatPayTransaction } from './wechatpay.notify';
import {
  OUT_NO_PATTERN,
  WECHATPAY_API_ORIGIN,
  buildMultipartFormData,
  createNonce,
  decryptAes256Gcm,
  formatRfc3339Cst,
  headerValue,
  responseSigningString,
  sendHttpRequest,
  signSha256Rsa,
  toPublicKeyMap,
  verifySha256Rsa,
  type PlatformKeys,
  type RawHttpResponse,
} from './wechatpay.protocol';

/** `trade_state` as WeChat reports it, plus NOT_FOUND when WeChat has never seen the out_trade_no. */
export type WechatPayTradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR' | 'NOT_FOUND';
const TRADE_STATES: readonly string[] = ['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR'];

export type WechatPayRefundState = 'SUCCESS' | 'PROCESSING' | 'CLOSED' | 'ABNORMAL';
const REFUND_STATES: readonly string[] = ['SUCCESS', 'PROCESSING', 'CLOSED', 'ABNORMAL'];

export interface CreateWechatOrderInput {
  /** 6–32 of digits, letters, `_-|*`; unique per mchid, never reused for a different order. */
  outTradeNo: string;
  /** Shown to the payer; WeChat allows up to 127 characters. */
  description: string;
  amountFen: number;
  /** After this WeChat refuses to take the payment; sent as RFC 3339 with +08:00. */
  timeExpire: Date;
  notifyUrl: string;
  attach?: string;
}

export interface CreateJsapiOrderInput extends CreateWechatOrderInput {
  /** The payer's openid under `appid`. */
  openid: string;
  /**
   * The appid the order is placed under and the payment parameters are signed for: the
   * mini-program's (the gateway's own, the default) or an official account's bound to the same
   * merchant (H5 paying in WeChat's browser).
   */
  appid?: string;
}

export interface CreateH5OrderInput extends CreateWechatOrderInput {
  payerClientIp: string;
}

/** Exactly what the mini-program passes to `wx.requestPayment`. */
export interface JsapiRequestPayment {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

export interface JsapiOrderCreated {
  prepayId: string;
  requestPayment: JsapiRequestPayment;
}

export interface WechatPayOrderStatus {
  tradeState: WechatPayTradeState;
  tradeStateDesc?: string;
  transactionId?: string;
  /** `amount.total` (the order amount, what must match our order). */
  amountFen?: number;
  /** `amount.payer_total` (what the payer paid after coupons). */
  payerTotalFen?: number;
  successTime?: Date;
  payerOpenid?: string;
  /** The full answer, for `checkTransactionMatches` and for the record. Absent for NOT_FOUND. */
  transaction?: WechatPayTransaction;
}

export interface WechatRefundInput {
  outTradeNo: string;
  /** Deterministic per refund: retrying with the same number is how a lost answer is recovered. */
  outRefundNo: string;
  refundFen: number;
  /** The original order amount; WeChat checks it. */
  totalFen: number;
  reason?: string;
  notifyUrl?: string;
}

export interface WechatPayRefundStatus {
  status: WechatPayRefundState;
  refundId: string;
  outRefundNo: string;
  outTradeNo: string;
  transactionId: string;
  refundFen: number;
  totalFen: number;
  createTime?: Date;
  successTime?: Date;
}

/**
 * The WeChat Pay operations the payment order service needs. Implementations throw
 * `WechatPayError` for anything WeChat refuses or that cannot be completed; "expected" outcomes
 * (not found, already paid) are values.
 */
export interface WechatPayGateway {
  /** Places a JSAPI (mini-program) order; idempotent for the same out_trade_no and parameters. */
  createJsapiOrder(input: CreateJsapiOrderInput): Promise<JsapiOrderCreated>;
  /** Places an H5 order; the browser is sent to `h5Url` (append `&redirect_url=` to come back). */
  createH5Order(input: CreateH5OrderInput): Promise<{ h5Url: string }>;
  queryOrder(outTradeNo: string): Promise<WechatPayOrderStatus>;
  /**
   * Closes an unpaid order. 'already_paid' means WeChat has the money (query it and settle);
   * an out_trade_no WeChat never saw cannot be paid any more, so it counts as 'closed'.
   */
  closeOrder(outTradeNo: string): Promise<'closed' | 'already_paid'>;
  refund(input: WechatRefundInput): Promise<WechatPayRefundStatus>;
  /** Null when WeChat has no refund with that number. */
  queryRefund(outRefundNo: string): Promise<WechatPayRefundStatus | null>;
  /** The `ALL` trade bill of a China-time day (`YYYY-MM-DD`), hash-checked and parsed; no bill = no rows. */
  tradeBill(date: string): Promise<TradeBill>;
}

export class WechatPayError extends Error {
  constructor(
    /**
     * WeChat's `code` (e.g. ORDERPAID, SIGN_ERROR, PARAM_ERROR) or one of our own: NETWORK_ERROR,
     * RESPONSE_SIGNATURE_INVALID, UNEXPECTED_RESPONSE, BILL_HASH_MISMATCH, INVALID_INPUT, UNSUPPORTED.
     */
    readonly code: string,
    /** HTTP status WeChat answered with; null when no usable answer arrived. */
    readonly httpStatus: number | null,
    message: string,
    /** True when the same call may succeed later (network, 5xx, rate limits, bill not ready). */
    readonly retryable: boolean,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'WechatPayError';
  }
}

export interface SdkWechatPayGatewayOptions {
  appid: string;
  mchid: string;
  /** The merchant API certificate (apiclient_cert.pem). */
  merchantCertificatePem: string | Buffer;
  /** The merchant API private key (apiclient_key.pem). */
  merchantPrivateKeyPem: string | Buffer;
  /** Serial of the merchant API certificate (given explicitly, so the SDK never parses the certificate). */
  merchantSerialNo: string;
  apiV3Key: string;
  /** Keys WeChat signs responses with (certificate serials and/or PUB_KEY_ID_…). A function is re-read per call. */
  platformKeys: PlatformKeys | (() => PlatformKeys);
  /** Where the API lives; the SDK's hard-coded host is rewritten to this. Default https://api.mch.weixin.qq.com */
  baseUrl?: string | (() => string);
  timeoutMs?: number;
  /** Verify Wechatpay-Signature on answers (default true). Bill downloads are checked by hash instead. */
  verifyResponseSignatures?: boolean;
  maxResponseSkewSeconds?: number;
  userAgent?: string;
}

/**
 * wechatpay-node-v3 with a CSPRNG nonce in the Authorization header (the SDK uses Math.random).
 * Overrides the SDK's own protected `buildAuthorization`, same inputs and output (pinned 2.2.1).
 */
class OpenHallWxPay extends WxPay {
  protected override buildAuthorization(method: string, url: string, params?: Record<string, unknown>): string {
    const nonce = createNonce();
    const timestamp = Math.floor(Date.now() / 1000).toString();
    const signature = this.getSignature(method, nonce, timestamp, url.replace(WECHATPAY_API_ORIGIN, ''), params);
    return this.getAuthorization(nonce, timestamp, signature);
  }

  /** Public access to the request signer, for calls the SDK does not have a checked version of. */
  authorize(method: string, url: string, params?: Record<string, unknown>): string {
    return this.buildAuthorization(method, url, params);
  }
}

/** Our HTTP hook answers like the SDK's own (`{status, data, error}`), plus the raw exchange. */
interface HookOutput extends Output {
  raw?: RawHttpResponse;
}

/**
 * `WechatPayGateway` on wechatpay-node-v3. Every HTTP call goes through the SDK's `createHttp` hook:
 * the hard-coded host becomes `baseUrl`, answers are signature-checked, and bodies are parsed the
 * same way whatever the content type.
 */
export class SdkWechatPayGateway implements WechatPayGateway {
  private readonly pay: OpenHallWxPay;
  private readonly privateKey: KeyObject;
  private readonly timeoutMs: number;
  private readonly verifyResponses: boolean;
  private readonly maxSkew: number;
  private keyCache: { source: PlatformKeys; keys: Map<string, KeyObject> } | null = null;

  constructor(private readonly opts: SdkWechatPayGatewayOptions) {
    this.privateKey = createPrivateKey(opts.merchantPrivateKeyPem);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.verifyResponses = opts.verifyResponseSignatures ?? true;
    this.maxSkew = opts.maxResponseSkewSeconds ?? 300;
    this.pay = new OpenHallWxPay({
      appid: opts.appid,
      mchid: opts.mchid,
      publicKey: Buffer.from(opts.merchantCertificatePem),
      privateKey: Buffer.from(opts.merchantPrivateKeyPem),
      serial_no: opts.merchantSerialNo,
      key: opts.apiV3Key,
      userAgent: opts.userAgent ?? 'OpenHall wechatpay-node-v3/2.2.1',
    });
    const hook: IPayRequest = {
      post: (url, params, headers) => this.exchange('POST', url, headers, JSON.stringify(params)),
      get: (url, headers) => this.exchange('GET', url, headers),
      upload: async () => {
        // The SDK's own upload_images posts to the generic /v3/merchant/media/upload through post(),
        // not here; OpenHall uploads complaint images through signedUpload instead.
        throw new WechatPayError('UNSUPPORTED', null, 'the SDK upload hook is not used: see signedUpload', false);
      },
    };
    this.pay.createHttp(hook);
  }

  async createJsapiOrder(input: CreateJsapiOrderInput): Promise<JsapiOrderCreated> {
    this.checkOrderInput(input);
    if (!input.openid) throw invalid('openid is required for a JSAPI order');
    const appid = input.appid ?? this.opts.appid;
    const out = await this.pay.transactions_jsapi({
      appid,
      description: input.description,
      out_trade_no: input.outTradeNo,
      time_expire: formatRfc3339Cst(input.timeExpire),
      notify_url: input.notifyUrl,
      amount: { total: input.amountFen, currency: 'CNY' },
      payer: { openid: input.openid },
      ...(input.attach ? { attach: input.attach } : {}),
    });
    const data = this.ok(out, 'create JSAPI order') as { package?: unknown };
    const pkg = typeof data.package === 'string' ? data.package : '';
    if (!pkg.startsWith('prepay_id=') || pkg.length <= 'prepay_id='.length) {
      throw new WechatPayError('UNEXPECTED_RESPONSE', out.status, 'JSAPI order answered without prepay_id', false, data);
    }
    // Sign the requestPayment parameters ourselves, with a CSPRNG nonce (the SDK's is Math.random).
    const timeStamp = Math.floor(Date.now() / 1000).toString();
    const nonceStr = createNonce();
    const paySign = signSha256Rsa(`${appid}\n${timeStamp}\n${nonceStr}\n${pkg}\n`, this.privateKey);
    return {
      prepayId: pkg.slice('prepay_id='.length),
      requestPayment: { appId: appid, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign },
    };
  }

  async createH5Order(input: CreateH5OrderInput): Promise<{ h5Url: string }> {
    this.checkOrderInput(input);
    if (!input.payerClientIp) throw invalid('payerClientIp is required for an H5 order');
    const out = await this.pay.transactions_h5({
      description: input.description,
      out_trade_no: input.outTradeNo,
      time_expire: formatRfc3339Cst(input.timeExpire),
      notify_url: input.notifyUrl,
      amount: { total: input.amountFen, currency: 'CNY' },
      scene_info: { payer_client_ip: input.payerClientIp, h5_info: { type: 'Wap' } },
      ...(input.attach ? { attach: input.attach } : {}),
    } as Parameters<WxPay['transactions_h5']>[0]);
    const data = this.ok(out, 'create H5 order') as { h5_url?: unknown };
    if (typeof data.h5_url !== 'string' || !data.h5_url) {
      throw new WechatPayError('UNEXPECTED_RESPONSE', out.status, 'H5 order answered without h5_url', false, data);
    }
    return { h5Url: data.h5_url };
  }

  async queryOrder(outTradeNo: string): Promise<WechatPayOrderStatus> {
    checkOutNo(outTradeNo, 'outTradeNo');
    const out = await this.pay.query({ out_trade_no: outTradeNo });
    if (out.status === 404 && errorCode(out) === 'ORDER_NOT_EXIST') return { tradeState: 'NOT_FOUND' };
    const tx = this.ok(out, 'query order') as unknown as WechatPayTransaction;
    if (!TRADE_STATES.includes(tx.trade_state)) {
      throw new WechatPayError('UNEXPECTED_RESPONSE', out.status, `unknown trade_state ${String(tx.trade_state)}`, false, tx);
    }
    return {
      tradeState: tx.trade_state as WechatPayTradeState,
      ...(tx.trade_state_desc ? { tradeStateDesc: tx.trade_state_desc } : {}),
      ...(tx.transaction_id ? { transactionId: tx.transaction_id } : {}),
      ...(Number.isSafeInteger(tx.amount?.total) ? { amountFen: tx.amount.total } : {}),
      ...(Number.isSafeInteger(tx.amount?.payer_total) ? { payerTotalFen: tx.amount.payer_total } : {}),
      ...(tx.success_time ? { successTime: new Date(tx.success_time) } : {}),
      ...(tx.payer?.openid ? { payerOpenid: tx.payer.openid } : {}),
      transaction: tx,
    };
  }

  async closeOrder(outTradeNo: string): Promise<'closed' | 'already_paid'> {
    checkOutNo(outTradeNo, 'outTradeNo');
    const out = await this.pay.close(outTradeNo);
    const code = errorCode(out);
    if (out.status === 400 && code === 'ORDERPAID') return 'already_paid';
    if (out.status === 404 && code === 'ORDER_NOT_EXIST') return 'closed';
    this.ok(out, 'close order');
    return 'closed';
  }

  async refund(input: WechatRefundInput): Promise<WechatPayRefundStatus> {
    checkOutNo(input.outTradeNo, 'outTradeNo');
    checkOutNo(input.outRefundNo, 'outRefundNo');
    checkFen(input.refundFen, 'refundFen');
    checkFen(input.totalFen, 'totalFen');
    if (input.refundFen > input.totalFen) throw invalid('refundFen exceeds totalFen');
    if (input.reason && [...input.reason].length > 80) throw invalid('reason is limited to 80 characters');
    const out = await this.pay.refunds({
      out_trade_no: input.outTradeNo,
      out_refund_no: input.outRefundNo,
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.notifyUrl ? { notify_url: input.notifyUrl } : {}),
      amount: { refund: input.refundFen, total: input.totalFen, currency: 'CNY' },
    });
    return toRefundStatus(this.ok(out, 'refund'), out.status);
  }

  async queryRefund(outRefundNo: string): Promise<WechatPayRefundStatus | null> {
    checkOutNo(outRefundNo, 'outRefundNo');
    const out = await this.pay.find_refunds(outRefundNo);
    if (out.status === 404 && errorCode(out) === 'RESOURCE_NOT_EXISTS') return null;
    return toRefundStatus(this.ok(out, 'query refund'), out.status);
  }

  async tradeBill(date: string): Promise<TradeBill> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw invalid(`bill date must be YYYY-MM-DD, got ${date}`);
    const out = await this.pay.tradebill({ bill_date: date, bill_type: 'ALL' });
    if (out.status === 400 && errorCode(out) === 'NO_STATEMENT_EXIST') {
      return { rows: [], summary: { count: 0, settlementFen: 0, refundFen: 0, amountFen: 0, requestedRefundFen: 0, feeYuan: '0.00000' } };
    }
    const meta = this.ok(out, 'apply for trade bill') as { hash_type?: string; hash_value?: string; download_url?: string };
    if (!meta.download_url || !meta.hash_value) {
      throw new WechatPayError('UNEXPECTED_RESPONSE', out.status, 'trade bill answer without download_url/hash_value', false, meta);
    }
    const file = (await this.pay.downloadBill(this.canonicalUrl(meta.download_url))) as HookOutput;
    if (file.status !== 200 || !file.raw) throw this.errorFrom(file, 'download trade bill');
    const algorithm = (meta.hash_type ?? 'SHA1').toUpperCase() === 'SHA256' ? 'sha256' : 'sha1';
    const digest = createHash(algorithm).update(file.raw.body).digest('hex');
    if (digest.toLowerCase() !== meta.hash_value.toLowerCase()) {
      throw new WechatPayError('BILL_HASH_MISMATCH', 200, `trade bill ${date}: ${algorithm} does not match hash_value`, true);
    }
    return parseTradeBillCsv(file.raw.body.toString('utf8'));
  }

  /**
   * Downloads the platform certificates (`GET /v3/certificates`), decrypts them WITH the GCM tag
   * check and returns serial → public key. The answer is signed by one of the certificates it
   * carries, so it is verified against the known keys plus the downloaded ones. Not needed in
   * platform-public-key mode (that key is configured, not downloaded).
   */
  async fetchPlatformCertificates(): Promise<Map<string, KeyObject>> {
    const url = `${WECHATPAY_API_ORIGIN}/v3/certificates`;
    const headers = { Accept: 'application/json', 'User-Agent': 'OpenHall', Authorization: this.pay.authorize('GET', url) };
    const out = await this.exchange('GET', url, headers, undefined, false);
    const data = this.ok(out, 'download platform certificates') as {
      data?: Array<{ serial_no: string; encrypt_certificate: { ciphertext: string; nonce: string; associated_data?: string } }>;
    };
    const found = new Map<string, KeyObject>();
    for (const item of data.data ?? []) {
      const e = item.encrypt_certificate;
      const pem = decryptAes256Gcm(e.ciphertext, this.opts.apiV3Key, e.nonce, e.associated_data ?? '');
      if (pem === null) throw new WechatPayError('UNEXPECTED_RESPONSE', out.status, `certificate ${item.serial_no} does not decrypt`, false);
      const cert = new X509Certificate(pem);
      if (cert.serialNumber.toUpperCase() !== item.serial_no.toUpperCase()) {
        throw new WechatPayError('UNEXPECTED_RESPONSE', out.status, `certificate serial ${cert.serialNumber} ≠ ${item.serial_no}`, false);
      }
      found.set(item.serial_no, cert.publicKey);
    }
    if (out.raw) this.verifyAnswer(out.raw, true, found);
    return found;
  }

  /**
   * A signed v3 call for an endpoint the SDK has no method for (the consumer complaints): the SDK's
   * own request signer builds the Authorization over exactly the path, query and JSON body sent,
   * and the answer goes through the same hook as every SDK call (host rewrite, Wechatpay-Signature
   * checked). Resolves `{ status, data }` on 2xx (`data` {} for 204); anything else throws a
   * WechatPayError carrying WeChat's code (RESOURCE_NOT_EXISTS, PARAM_ERROR, …).
   */
  async signedCall(method: 'GET' | 'POST' | 'PUT', pathAndQuery: string, body?: Record<string, unknown>): Promise<{ status: number; data: Record<string, unknown> }> {
    if (!pathAndQuery.startsWith('/v3/')) throw invalid(`path must start with /v3/, got ${pathAndQuery}`);
    const url = WECHATPAY_API_ORIGIN + pathAndQuery;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.opts.userAgent ?? 'OpenHall wechatpay-node-v3/2.2.1',
      Authorization: this.pay.authorize(method, url, body),
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const out = await this.exchange(method, url, headers, body === undefined ? undefined : JSON.stringify(body));
    return { status: out.status, data: this.ok(out, `${method} ${pathAndQuery.split('?')[0]}`) };
  }

  /**
   * A signed multipart upload (the complaint images, 商户上传反馈图片): WeChat Pay signs these over
   * the `meta` JSON alone, not over the body, so the Authorization is built by the SDK's signer over
   * `meta` and the very same JSON string goes out as the `meta` part, followed by the `file` part.
   * The answer is checked like any other.
   */
  async signedUpload(
    pathAndQuery: string,
    meta: { filename: string; sha256: string },
    file: { bytes: Buffer; contentType: string },
  ): Promise<{ status: number; data: Record<string, unknown> }> {
    if (!pathAndQuery.startsWith('/v3/')) throw invalid(`path must start with /v3/, got ${pathAndQuery}`);
    const url = WECHATPAY_API_ORIGIN + pathAndQuery;
    const metaJson = JSON.stringify(meta);
    const form = buildMultipartFormData([
      { name: 'meta', contentType: 'application/json', data: metaJson },
      { name: 'file', filename: meta.filename, contentType: file.contentType, data: file.bytes },
    ]);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.opts.userAgent ?? 'OpenHall wechatpay-node-v3/2.2.1',
      // The SDK's signer stringifies an object body with JSON.stringify: the same string as metaJson.
      Authorization: this.pay.authorize('POST', url, meta),
      'Content-Type': form.contentType,
    };
    const out = await this.exchange('POST', url, headers, form.body);
    return { status: out.status, data: this.ok(out, `POST ${pathAndQuery.split('?')[0]}`) };
  }

  private checkOrderInput(input: CreateWechatOrderInput): void {
    checkOutNo(input.outTradeNo, 'outTradeNo');
    checkFen(input.amountFen, 'amountFen');
    if (input.amountFen < 1) throw invalid('amountFen must be at least 1');
    const len = [...input.description].length;
    if (len < 1 || len > 127) throw invalid('description must be 1–127 characters');
    if (!(input.timeExpire instanceof Date) || Number.isNaN(input.timeExpire.getTime())) throw invalid('timeExpire is not a date');
    if (!/^https?:\/\//.test(input.notifyUrl)) throw invalid('notifyUrl must be an absolute URL');
  }

  private baseUrl(): string {
    const b = typeof this.opts.baseUrl === 'function' ? this.opts.baseUrl() : this.opts.baseUrl;
    return (b ?? WECHATPAY_API_ORIGIN).replace(/\/+$/, '');
  }

  /** The SDK signs `url` minus the real origin, so a URL must reach it in that form. */
  private canonicalUrl(url: string): string {
    const base = this.baseUrl();
    return url.startsWith(base + '/') ? WECHATPAY_API_ORIGIN + url.slice(base.length) : url;
  }

  private platformKeys(): Map<string, KeyObject> {
    const source = typeof this.opts.platformKeys === 'function' ? this.opts.platformKeys() : this.opts.platformKeys;
    if (this.keyCache?.source !== source) this.keyCache = { source, keys: toPublicKeyMap(source) };
    return this.keyCache.keys;
  }

  /** The createHttp hook: rewrite the host, send, verify the answer's signature, parse. */
  private async exchange(
    method: 'GET' | 'POST' | 'PUT',
    sdkUrl: string,
    headers: Record<string, unknown>,
    body?: string | Buffer,
    verify = true,
  ): Promise<HookOutput> {
    const path = sdkUrl.startsWith(WECHATPAY_API_ORIGIN) ? sdkUrl.slice(WECHATPAY_API_ORIGIN.length) : sdkUrl;
    const url = /^https?:\/\//.test(path) ? path : this.baseUrl() + path;
    const stringHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) stringHeaders[k] = String(v);
    let res: RawHttpResponse;
    try {
      res = await sendHttpRequest({ method, url, headers: stringHeaders, body, timeoutMs: this.timeoutMs });
    } catch (e) {
      throw new WechatPayError('NETWORK_ERROR', null, `${method} ${path}: ${(e as Error).message}`, true);
    }
    // A bill file is not signed; its hash (from a signed answer) is checked instead.
    const isFile = path.startsWith('/v3/billdownload/');
    if (verify && this.verifyResponses && !isFile) this.verifyAnswer(res, res.status >= 200 && res.status < 300);
    const text = res.body.toString('utf8');
    let data: unknown = isFile ? res.body : text;
    const type = String(res.headers['content-type'] ?? '');
    if (!isFile && (type.includes('json') || /^\s*[{[]/.test(text))) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (res.status >= 200 && res.status < 300) return { status: res.status, data, raw: res };
    return { status: res.status, data, error: data, raw: res };
  }

  /**
   * Checks Wechatpay-Signature over `timestamp\nnonce\nbody\n`. A success answer must be signed;
   * an error answer is checked when it carries a signature (so a forged ORDERPAID cannot pass).
   */
  private verifyAnswer(res: RawHttpResponse, required: boolean, extraKeys?: Map<string, KeyObject>): void {
    const h = res.headers as Record<string, string | string[] | undefined>;
    const timestamp = headerValue(h, 'Wechatpay-Timestamp');
    const nonce = headerValue(h, 'Wechatpay-Nonce');
    const signature = headerValue(h, 'Wechatpay-Signature');
    const serial = headerValue(h, 'Wechatpay-Serial');
    if (!timestamp || !nonce || !signature || !serial) {
      if (!required) return;
      throw new WechatPayError('RESPONSE_SIGNATURE_INVALID', res.status, 'answer is not signed', false);
    }
    const key = this.platformKeys().get(serial) ?? extraKeys?.get(serial);
    if (!key) throw new WechatPayError('RESPONSE_SIGNATURE_INVALID', res.status, `answer signed by unknown serial ${serial}`, false);
    const skew = Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp));
    if (!(skew <= this.maxSkew)) throw new WechatPayError('RESPONSE_SIGNATURE_INVALID', res.status, `answer timestamp ${skew} s off`, false);
    if (!verifySha256Rsa(responseSigningString(timestamp, nonce, res.body.toString('utf8')), signature, key)) {
      throw new WechatPayError('RESPONSE_SIGNATURE_INVALID', res.status, 'answer signature does not verify', false);
    }
  }

  private ok(out: Output, what: string): Record<string, unknown> {
    if (out.status >= 200 && out.status < 300) {
      if (out.status === 204) return {};
      if (out.data && typeof out.data === 'object' && !Buffer.isBuffer(out.data)) return out.data as Record<string, unknown>;
      throw new WechatPayError('UNEXPECTED_RESPONSE', out.status, `${what}: answer is not a JSON object`, false, out.data);
    }
    throw this.errorFrom(out, what);
  }

  private errorFrom(out: Output, what: string): WechatPayError {
    const body = (out.error ?? out.data) as { code?: unknown; message?: unknown } | string | undefined;
    const code = typeof body === 'object' && body && typeof body.code === 'string' ? body.code : `HTTP_${out.status}`;
    const message = typeof body === 'object' && body && typeof body.message === 'string' ? body.message : String(body ?? '');
    const retryable =
      out.status >= 500 || out.status === 429 || ['SYSTEM_ERROR', 'FREQUENCY_LIMITED', 'BANKERROR', 'STATEMENT_CREATING'].includes(code);
    return new WechatPayError(code, out.status, `${what}: ${code} ${message}`.trim(), retryable, body);
  }
}

function toRefundStatus(data: Record<string, unknown>, httpStatus: number): WechatPayRefundStatus {
  const r = data as {
    status?: string;
    refund_id?: string;
    out_refund_no?: string;
    out_trade_no?: string;
    transaction_id?: string;
    create_time?: string;
    success_time?: string;
    amount?: { refund?: number; total?: number };
  };
  if (!r.status || !REFUND_STATES.includes(r.status) || !r.refund_id || !r.out_refund_no || !Number.isSafeInteger(r.amount?.refund)) {
    throw new WechatPayError('UNEXPECTED_RESPONSE', httpStatus, 'refund answer is missing status/refund_id/amount', false, data);
  }
  return {
    status: r.status as WechatPayRefundState,
    refundId: r.refund_id,
    outRefundNo: r.out_refund_no,
    outTradeNo: r.out_trade_no ?? '',
    transactionId: r.transaction_id ?? '',
    refundFen: r.amount!.refund!,
    totalFen: r.amount?.total ?? 0,
    ...(r.create_time ? { createTime: new Date(r.create_time) } : {}),
    ...(r.success_time ? { successTime: new Date(r.success_time) } : {}),
  };
}

function errorCode(out: Output): string | undefined {
  const body = (out.error ?? out.data) as { code?: unknown } | undefined;
  return body && typeof body === 'object' && typeof body.code === 'string' ? body.code : undefined;
}

function checkOutNo(value: string, name: string): void {
  if (!OUT_NO_PATTERN.test(value)) throw invalid(`${name} must be 6–32 of digits, letters and _-|*`);
}

function checkFen(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${name} must be a non-negative integer number of fen`);
}

function invalid(message: string): WechatPayError {
  return new WechatPayError('INVALID_INPUT', null, message, false);
}
