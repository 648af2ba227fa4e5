import { AlipaySdk, AlipayRequestError } from 'alipay-sdk';
import { fenToYuan, isFen } from '@openhall/shared';
import { parseAlipayTradeBill, readAlipayBillDownload, type AlipayBillRow } from './alipay.bill';
import { formatAlipayTime, isAlipayOutTradeNo, parseAlipayAmountFen } from './alipay.protocol';

export type { AlipayBillRow } from './alipay.bill';

/** Alipay's trade states. A wap trade only exists once the buyer has opened the cashier. */
export type AlipayTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_CLOSED' | 'TRADE_SUCCESS' | 'TRADE_FINISHED';

const TRADE_STATUSES: readonly string[] = ['WAIT_BUYER_PAY', 'TRADE_CLOSED', 'TRADE_SUCCESS', 'TRADE_FINISHED'];

export interface AlipayWapPayInput {
  outTradeNo: string;
  subject: string;
  amountFen: number;
  /** Absolute deadline sent as `time_expire`; the cashier refuses to take money after it. */
  timeExpire: Date;
  notifyUrl: string;
  returnUrl: string;
  /** Where the cashier's "give up" link leads. */
  quitUrl: string;
}

export interface AlipayTradeQueryResult {
  /** `NOT_EXIST`: Alipay has no trade yet (the buyer never opened the cashier) or never will. */
  tradeStatus: AlipayTradeStatus | 'NOT_EXIST';
  tradeNo?: string;
  amountFen?: number;
}

/**
 * - `closed`: the trade is closed (now or before).
 * - `not_exist`: Alipay has no trade. The signed pay URL stays usable until `time_expire`, so a
 *   payment can still arrive later: the caller must keep accepting (and refunding) it.
 * - `paid`: too late, the buyer paid.
 */
export type AlipayCloseOutcome = 'closed' | 'not_exist' | 'paid';

export interface AlipayRefundInput {
  outTradeNo: string;
  /** Idempotency key of this refund: the same number never refunds twice. */
  outRequestNo: string;
  refundFen: number;
  reason: string;
}

export interface AlipayRefundResult {
  tradeNo: string;
  /** Everything refunded on the trade so far (Alipay's `refund_fee`), this refund included. */
  refundedTotalFen: number;
  /** False when Alipay had already done this `out_request_no` and moved no money now. */
  fundChange: boolean;
}

export type AlipayRefundQueryResult = { status: 'success'; refundFen: number } | { status: 'not_found' };

/** What the order service needs from Alipay. Amounts are fen; yuan exist only on the wire. */
export interface AlipayGateway {
  /** The signed `alipay.trade.wap.pay` URL to send the buyer's browser to. */
  createWapPayUrl(input: AlipayWapPayInput): string;
  queryTrade(outTradeNo: string): Promise<AlipayTradeQueryResult>;
  closeTrade(outTradeNo: string): Promise<AlipayCloseOutcome>;
  refund(input: AlipayRefundInput): Promise<AlipayRefundResult>;
  queryRefund(outTradeNo: string, outRequestNo: string): Promise<AlipayRefundQueryResult>;
  /** The trade bill of a business date (YYYY-MM-DD), as rows. Alipay serves a day once it is over. */
  downloadBill(date: string): Promise<AlipayBillRow[]>;
}

/** Alipay said no (`code` is Alipay's, e.g. `ACQ.TRADE_STATUS_ERROR`), or could not be reached (`NETWORK`). */
export class AlipayGatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'AlipayGatewayError';
  }
}

export interface AlipayGatewayConfig {
  appId: string;
  /** The app's RSA private key, PKCS#8 PEM. */
  privateKey: string;
  /** Alipay's public key (PEM or bare base64): verifies responses and notifications. */
  alipayPublicKey: string;
  /** v2 gateway, e.g. https://openapi.alipay.com/gateway.do (the sandbox's `…/gateway.do`). */
  gateway: string;
  /** v3 endpoint base, e.g. https://openapi.alipay.com (the sandbox's mount prefix). */
  endpoint: string;
  timeoutMs?: number;
  /** Signing time source; the SDK's own would use the process TZ. */
  now?: () => Date;
}

/** Turns whatever the SDK threw into an `AlipayGatewayError`. */
function toGatewayError(err: unknown): AlipayGatewayError {
  if (err instanceof AlipayGatewayError) return err;
  if (err instanceof AlipayRequestError) {
    return new AlipayGatewayError(err.code ?? (err.responseHttpStatus ? 'HTTP_ERROR' : 'NETWORK'), err.message, err.responseHttpStatus);
  }
  return new AlipayGatewayError('NETWORK', err instanceof Error ? err.message : String(err));
}

function requireString(data: Record<string, unknown>, key: string): string {
  const v = data[key];
  if (typeof v !== 'string' || v === '') throw new AlipayGatewayError('INVALID_RESPONSE', `Alipay response without ${key}`);
  return v;
}

function requireAmount(data: Record<string, unknown>, key: string): number {
  const fen = parseAlipayAmountFen(data[key]);
  if (fen === null) throw new AlipayGatewayError('INVALID_RESPONSE', `Alipay response with unreadable ${key}: ${JSON.stringify(data[key])}`);
  return fen;
}

/**
 * `AlipayGateway` through alipay-sdk v4: the wap pay URL via `pageExecute`, everything else via
 * the v3 `curl` calls, which throw on HTTP >= 400 and verify every response's signature.
 */
export class SdkAlipayGateway implements AlipayGateway {
  readonly sdk: AlipaySdk;
  private readonly now: () => Date;

  constructor(config: AlipayGatewayConfig) {
    this.now = config.now ?? (() => new Date());
    this.sdk = new AlipaySdk({
      appId: config.appId,
      privateKey: config.privateKey,
      alipayPublicKey: config.alipayPublicKey,
      gateway: config.gateway,
      endpoint: config.endpoint.replace(/\/$/, ''),
      keyType: 'PKCS8',
      signType: 'RSA2',
      timeout: config.timeoutMs ?? 5000,
    });
  }

  createWapPayUrl(input: AlipayWapPayInput): string {
    if (!isAlipayOutTradeNo(input.outTradeNo)) throw new RangeError(`invalid out_trade_no: ${input.outTradeNo}`);
    // Alipay takes 0.01 … 100,000,000.00 yuan.
    if (!isFen(input.amountFen) || input.amountFen < 1 || input.amountFen > 10_000_000_000) {
      throw new RangeError(`invalid amount: ${input.amountFen}`);
    }
    if (!input.subject || input.subject.length > 256) throw new RangeError('subject must be 1–256 characters');
    return this.sdk.pageExecute('alipay.trade.wap.pay', 'GET', {
      // The SDK stamps requests with the process's local time; Alipay reads it as Beijing time.
      // Passing it explicitly makes the signature independent of the server's TZ.
      timestamp: formatAlipayTime(this.now()),
      notifyUrl: input.notifyUrl,
      returnUrl: input.returnUrl,
      bizContent: {
        outTradeNo: input.outTradeNo,
        totalAmount: fenToYuan(input.amountFen),
        subject: input.subject,
        productCode: 'QUICK_WAP_WAY',
        quitUrl: input.quitUrl,
        timeExpire: formatAlipayTime(input.timeExpire),
      },
    });
  }

  private async call(method: 'GET' | 'POST', path: string, opts: { body?: Record<string, string>; query?: Record<string, string> }) {
    try {
      const res = await this.sdk.curl<Record<string, unknown>>(method, path, opts);
      if (!res.data || typeof res.data !== 'object') throw new AlipayGatewayError('INVALID_RESPONSE', `${path} answered no object`);
      return res.data;
    } catch (err) {
      throw toGatewayError(err);
    }
  }

  async queryTrade(outTradeNo: string): Promise<AlipayTradeQueryResult> {
    let data: Record<string, unknown>;
    try {
      data = await this.call('POST', '/v3/alipay/trade/query', { body: { out_trade_no: outTradeNo } });
    } catch (err) {
      if (err instanceof AlipayGatewayError && err.code === 'ACQ.TRADE_NOT_EXIST') return { tradeStatus: 'NOT_EXIST' };
      throw err;
    }
    const status = requireString(data, 'trade_status');
    if (!TRADE_STATUSES.includes(status)) throw new AlipayGatewayError('INVALID_RESPONSE', `unknown trade_status ${status}`);
    if (requireString(data, 'out_trade_no') !== outTradeNo) throw new AlipayGatewayError('INVALID_RESPONSE', 'query answered another trade');
    return { tradeStatus: status as AlipayTradeStatus, tradeNo: requireString(data, 'trade_no'), amountFen: requireAmount(data, 'total_amount') };
  }

  async closeTrade(outTradeNo: string): Promise<AlipayCloseOutcome> {
    try {
      await this.call('POST', '/v3/alipay/trade/close', { body: { out_trade_no: outTradeNo } });
      return 'closed';
    } catch (err) {
      if (!(err instanceof AlipayGatewayError)) throw err;
      if (err.code === 'ACQ.TRADE_NOT_EXIST') return 'not_exist';
      if (err.code !== 'ACQ.TRADE_STATUS_ERROR') throw err;
      // "Status does not allow closing": find out whether it is paid or already closed.
      const q = await this.queryTrade(outTradeNo);
      if (q.tradeStatus === 'TRADE_SUCCESS' || q.tradeStatus === 'TRADE_FINISHED') return 'paid';
      if (q.tradeStatus === 'TRADE_CLOSED') return 'closed';
      throw err;
    }
  }

  async refund(input: AlipayRefundInput): Promise<AlipayRefundResult> {
    if (!isFen(input.refundFen) || input.refundFen < 1) throw new RangeError(`invalid refund amount: ${input.refundFen}`);
    const data = await this.call('POST', '/v3/alipay/trade/refund', {
      body: {
        out_trade_no: input.outTradeNo,
        out_request_no: input.outRequestNo,
        refund_amount: fenToYuan(input.refundFen),
        refund_reason: input.reason,
      },
    });
    return {
      tradeNo: requireString(data, 'trade_no'),
      refundedTotalFen: requireAmount(data, 'refund_fee'),
      fundChange: data.fund_change === 'Y',
    };
  }

  async queryRefund(outTradeNo: string, outRequestNo: string): Promise<AlipayRefundQueryResult> {
    let data: Record<string, unknown>;
    try {
      data = await this.call('POST', '/v3/alipay/trade/fastpay/refund/query', {
        body: { out_trade_no: outTradeNo, out_request_no: outRequestNo },
      });
    } catch (err) {
      if (err instanceof AlipayGatewayError && err.code === 'ACQ.TRADE_NOT_EXIST') return { status: 'not_found' };
      throw err;
    }
    // Alipay's rule: a refund exists when the answer carries it and refund_status is absent or REFUND_SUCCESS.
    if (data.refund_amount === undefined) return { status: 'not_found' };
    if (data.refund_status !== undefined && data.refund_status !== 'REFUND_SUCCESS') return { status: 'not_found' };
    return { status: 'success', refundFen: requireAmount(data, 'refund_amount') };
  }

  async downloadBill(date: string): Promise<AlipayBillRow[]> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`bill date must be YYYY-MM-DD: ${date}`);
    const data = await this.call('GET', '/v3/alipay/data/dataservice/bill/downloadurl/query', {
      query: { bill_type: 'trade', bill_date: date },
    });
    const url = requireString(data, 'bill_download_url');
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.sdk.config.timeout) });
    } catch (err) {
      throw toGatewayError(err);
    }
    if (!res.ok) throw new AlipayGatewayError('BILL_DOWNLOAD_FAILED', `bill download answered HTTP ${res.status}`, res.status);
    let text: string;
    try {
      // Alipay serves a zip of GBK CSV files; the detail file is the one reconciled.
      text = readAlipayBillDownload(Buffer.from(await res.arrayBuffer()));
    } catch (err) {
      throw new AlipayGatewayError('BILL_FORMAT_UNSUPPORTED', `unreadable bill download: ${(err as Error).message}`);
    }
    return parseAlipayTradeBill(text);
  }
}
