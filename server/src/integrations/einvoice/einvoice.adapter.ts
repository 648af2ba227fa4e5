import type { KeyObject } from 'node:crypto';
import {
  NONCE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  answerSignString,
  requestSignString,
  sha256Hex,
  signedHeaders,
  verifySigned,
  type EinvoiceIssueRequest,
  type EinvoiceState,
} from './einvoice.protocol';

/**
 * Why a call to the e-invoice platform did not give an answer. `retryable`: the platform may have
 * been down, slow or unreachable, or answered unsigned: try again later (the serial number makes a
 * repeat safe). Otherwise the platform refused the request itself (its `code`), and sending it again
 * would be refused again.
 */
export class EinvoiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'EinvoiceError';
  }
}

/** What OpenHall asks of the e-invoice platform. */
export interface EinvoiceProvider {
  /** Submits an invoice; answers its state (usually `processing`: the result comes by callback). */
  issue(request: EinvoiceIssueRequest): Promise<EinvoiceState>;
  /** The state of a serial number, or null when the platform has never received it. */
  query(serialNo: string): Promise<EinvoiceState | null>;
  /** The issued invoice's PDF. */
  downloadPdf(serialNo: string): Promise<Buffer>;
}

export interface HttpEinvoiceProviderOptions {
  /** The platform's API base; a function because the in-process sandbox's is known only once the server listens. */
  baseUrl: () => string;
  appKey: string;
  /** OpenHall's private key: signs requests. */
  privateKey: KeyObject;
  /** The platform's public key: verifies answers. */
  platformPublicKey: KeyObject;
  timeoutMs: number;
  now: () => Date;
}

/** The e-invoice platform over HTTP: signed requests, answers verified before they are read. */
export class HttpEinvoiceProvider implements EinvoiceProvider {
  constructor(private readonly opts: HttpEinvoiceProviderOptions) {}

  async issue(request: EinvoiceIssueRequest): Promise<EinvoiceState> {
    const { status, body } = await this.call('POST', '/v1/invoices', JSON.stringify(request));
    if (status === 200 || status === 202) return (JSON.parse(body) as { state: EinvoiceState }).state;
    throw this.refusal(status, body);
  }

  async query(serialNo: string): Promise<EinvoiceState | null> {
    const { status, body } = await this.call('GET', `/v1/invoices/${encodeURIComponent(serialNo)}`, '');
    if (status === 200) return (JSON.parse(body) as { state: EinvoiceState }).state;
    if (status === 404) return null;
    throw this.refusal(status, body);
  }

  async downloadPdf(serialNo: string): Promise<Buffer> {
    const { status, bytes, body } = await this.call('GET', `/v1/invoices/${encodeURIComponent(serialNo)}/pdf`, '', true);
    if (status !== 200) throw this.refusal(status, body);
    if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') throw new EinvoiceError('BAD_PDF', 'the platform answered something that is not a PDF', true, status);
    return bytes;
  }

  private refusal(status: number, body: string): EinvoiceError {
    let parsed: { code?: string; message?: string } = {};
    try {
      parsed = JSON.parse(body) as { code?: string; message?: string };
    } catch {
      // not JSON
    }
    const retryable = status >= 500 || status === 429 || status === 401;
    return new EinvoiceError(parsed.code ?? `HTTP_${status}`, parsed.message ?? `the e-invoice platform answered ${status}`, retryable, status);
  }

  /** One signed request; the answer's signature is checked before its body is read (a PDF's over its hash). */
  private async call(method: 'GET' | 'POST', pathAndQuery: string, body: string, binary = false): Promise<{ status: number; body: string; bytes: Buffer }> {
    const base = this.opts.baseUrl().replace(/\/+$/, '');
    const url = `${base}${pathAndQuery}`;
    const signedPath = new URL(url).pathname + new URL(url).search;
    const headers = signedHeaders(this.opts.privateKey, this.opts.now(), (ts, nonce) => requestSignString(method, signedPath, ts, nonce, body), this.opts.appKey);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { ...headers, ...(method === 'POST' ? { 'Content-Type': 'application/json' } : {}) },
        body: method === 'POST' ? body : undefined,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      throw new EinvoiceError(timedOut ? 'TIMEOUT' : 'NETWORK_ERROR', timedOut ? `no answer within ${this.opts.timeoutMs} ms` : (err as Error).message, true);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = binary && res.status === 200 ? '' : bytes.toString('utf8');
    // A 5xx from a proxy in front of the platform is not signed; it is retried anyway.
    if (res.status >= 500) return { status: res.status, body: text, bytes };
    const verified = verifySigned(
      this.opts.platformPublicKey,
      { timestamp: res.headers.get(TIMESTAMP_HEADER), nonce: res.headers.get(NONCE_HEADER), signature: res.headers.get(SIGNATURE_HEADER) },
      (ts, nonce) => answerSignString(ts, nonce, binary && res.status === 200 ? sha256Hex(bytes) : text),
      this.opts.now(),
    );
    if (!verified.ok) throw new EinvoiceError('ANSWER_SIGNATURE_INVALID', `the e-invoice platform's answer failed verification (${verified.reason})`, true, res.status);
    return { status: res.status, body: text, bytes };
  }
}
