import { randomUUID, type KeyObject } from 'node:crypto';
import path from 'node:path';
import type http from 'node:http';
import type { Middleware } from 'koa';
import { invoiceFailureCodes, isUnifiedSocialCreditCode, taxIncludedFen } from '@openhall/shared';
import { headerOf, parseJsonOrNull } from '../sandbox-http';
import {
  APP_KEY_HEADER,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  answerSignString,
  requestSignString,
  sha256Hex,
  signedHeaders,
  toPrivateKey,
  toPublicKey,
  verifySigned,
  type EinvoiceCallback,
  type EinvoiceFailCode,
  type EinvoiceIssueRequest,
  type EinvoiceState,
} from '../../integrations/einvoice/einvoice.protocol';
import { loadOrCreateKeyPair } from '../key-pair';
import { Redelivery } from '../redelivery';
import type { renderInvoicePdf as RenderInvoicePdf } from './einvoice.pdf';

/**
 * The PDF renderer, loaded with the first invoice issued: pdfkit, fontkit and qrcode take about 14 MB
 * of heap and 0.6 s to load, which a process that issues no invoice (an API instance, a server whose
 * e-invoice platform is the real one) does not pay.
 */
let renderer: Promise<typeof RenderInvoicePdf> | null = null;
function pdfRenderer(): Promise<typeof RenderInvoicePdf> {
  return (renderer ??= import('./einvoice.pdf').then((m) => m.renderInvoicePdf));
}

/** The platform's callback retry delays after an answer other than SUCCESS (scaled by `retryScale`). */
export const EINVOICE_CALLBACK_RETRY_MS = [15_000, 15_000, 30_000, 180_000, 600_000, 1_800_000, 3_600_000];

/** An invoice as the sandbox platform holds it. */
export interface SandboxInvoice {
  request: EinvoiceIssueRequest;
  state: EinvoiceState;
  receivedAt: string;
  pdf: Buffer | null;
  /** Set on a blue invoice once a red one reversed it. */
  reversedBy: string | null;
  callbacks: { eventId: string; at: string; status: number | null; error?: string }[];
}

/** How the sandbox behaves; changed by `POST {prefix}/control` or directly by tests. */
export interface EinvoiceSandboxControl {
  /** The platform is down: every API call answers 503 (unsigned), nothing is received. */
  down: boolean;
  /** Every API answer waits this long first (a slow platform: OpenHall's timeout then retries). */
  delayMs: number;
  /** How long after receiving an invoice the platform decides it (issued or failed). */
  issueDelayMs: number;
  /** Send callbacks at all (off: OpenHall must find the result by query). */
  callbacks: boolean;
  /** Send each callback twice (a duplicate delivery). */
  duplicateCallbacks: boolean;
  /** How long after deciding the callback goes out. */
  callbackDelayMs: number;
  /** The next invoice received of `kind` (default blue; red: a reversal) fails with this code and reason. */
  failNext: { code: EinvoiceFailCode; reason: string; kind?: 'blue' | 'red' } | null;
}

export interface EinvoiceSandboxOptions {
  /** The app's data directory: the platform's key pair is kept in `sandbox/einvoice/` below it. */
  dataDir: string;
  appKey: string;
  /** OpenHall's public key, as uploaded to the platform: verifies requests. */
  appPublicKeyPem: string;
  /** The clock signatures and invoice dates use (tests pass the app's). */
  now?: () => Date;
  /** Multiplies the callback retry delays (1 = the schedule above). */
  retryScale?: number;
  /** Told of callback deliveries that were not acknowledged, for the log. */
  onCallbackError?: (info: { serialNo: string; attempt: number; error: string }) => void;
}

export interface SandboxAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/**
 * A stand-in for the e-invoice platform, speaking its protocol (einvoice.protocol.ts) for real:
 * requests verified against OpenHall's public key, answers and callbacks signed with the platform's
 * own key (kept under DATA_DIR), invoices decided asynchronously and rendered as real PDFs
 * (einvoice.pdf.ts), results delivered by signed callbacks retried on a schedule, and a query to
 * fall back on. It checks what a platform checks: the buyer's credit code, that each line's tax is
 * its amount's tax at its rate and the lines add up, and that a red invoice reverses an issued blue
 * one exactly, once. It can be told to be down, slow, silent (no callbacks), to repeat callbacks,
 * or to refuse the next invoice:
 *
 *   POST {prefix}/v1/invoices, GET {prefix}/v1/invoices/:serialNo[/pdf]   the platform's API
 *   GET  {prefix}/invoices                                              what it holds
 *   GET  {prefix}/invoices/:serialNo/pdf                                a PDF, unsigned, for a person
 *   POST {prefix}/invoices/:serialNo/callback                           deliver the callback again
 *   GET|POST {prefix}/control                                           {down, delayMs, issueDelayMs, callbacks,
 *                                                                        duplicateCallbacks, callbackDelayMs, failNext}
 *
 * State is in memory: after a restart a query answers 404, and OpenHall sends the invoice again
 * under the same serial number.
 */
export class EinvoiceSandbox {
  readonly invoices = new Map<string, SandboxInvoice>();
  readonly control: EinvoiceSandboxControl = { down: false, delayMs: 0, issueDelayMs: 50, callbacks: true, duplicateCallbacks: false, callbackDelayMs: 50, failNext: null };
  readonly stats = { requests: 0, received: 0, duplicates: 0, rejected: 0, downAnswers: 0, callbacksSent: 0, callbacksAcknowledged: 0 };
  readonly platformPublicKeyPem: string;
  private readonly platformKey: KeyObject;
  private readonly appKeyObject: KeyObject;
  private readonly now: () => Date;
  private seq: number;
  /** The decisions' timers and the callbacks' retries. */
  private readonly callbacks: Redelivery;

  constructor(private readonly opts: EinvoiceSandboxOptions) {
    const keys = loadOrCreateKeyPair(path.join(opts.dataDir, 'sandbox', 'einvoice'), 'platform');
    this.platformKey = toPrivateKey(keys.privateKeyPem);
    this.platformPublicKeyPem = keys.publicKeyPem;
    this.appKeyObject = toPublicKey(opts.appPublicKeyPem);
    this.now = opts.now ?? (() => new Date());
    this.callbacks = new Redelivery(EINVOICE_CALLBACK_RETRY_MS, {
      scale: opts.retryScale,
      onError: (info) => opts.onCallbackError?.({ serialNo: info.what, attempt: info.attempt, error: info.error }),
    });
    // Invoice numbers stay unique across restarts of the sandbox (its state is in memory).
    this.seq = Math.floor(Date.now() / 1000) * 100;
  }

  /** Koa middleware serving the sandbox under `prefix` inside OpenHall (sandbox mode, EINVOICE_API_BASE unset). */
  koaMiddleware(prefix: string): Middleware {
    return async (ctx, next) => {
      if (!ctx.path.startsWith(`${prefix}/`)) return next();
      const raw = (ctx.request as unknown as { rawBody?: string }).rawBody ?? '';
      const pathAndQuery = ctx.path.slice(prefix.length) + (ctx.querystring ? `?${ctx.querystring}` : '');
      const answer = await this.handle(ctx.method, pathAndQuery, ctx.path + (ctx.querystring ? `?${ctx.querystring}` : ''), ctx.headers, raw);
      ctx.status = answer.status;
      ctx.set(answer.headers);
      ctx.type = answer.headers['Content-Type'] ?? 'application/json; charset=utf-8';
      ctx.body = answer.body;
    };
  }

  /**
   * Answers one request. `route` is the path below the sandbox's root; `signedPath` the full path
   * and query the client signed (what it sent).
   */
  async handle(method: string, route: string, signedPath: string, headers: http.IncomingHttpHeaders, body: string): Promise<SandboxAnswer> {
    const pathname = route.split('?')[0];
    if (pathname.startsWith('/v1/')) return this.api(method, pathname, signedPath, headers, body);
    if (method === 'GET' && pathname === '/control') return this.json(200, { data: this.control });
    if (method === 'POST' && pathname === '/control') {
      const input = (parseJsonOrNull(body) ?? {}) as Partial<EinvoiceSandboxControl>;
      for (const key of ['down', 'callbacks', 'duplicateCallbacks'] as const) if (typeof input[key] === 'boolean') this.control[key] = input[key];
      for (const key of ['delayMs', 'issueDelayMs', 'callbackDelayMs'] as const) {
        const v = input[key];
        if (typeof v === 'number' && v >= 0 && v <= 600_000) this.control[key] = v;
      }
      const f = input.failNext;
      if (f === null) this.control.failNext = null;
      else if (f && (invoiceFailureCodes as readonly string[]).includes(f.code)) {
        this.control.failNext = { code: f.code, reason: typeof f.reason === 'string' && f.reason ? f.reason.slice(0, 200) : '沙箱按要求拒绝开具', kind: f.kind === 'red' ? 'red' : 'blue' };
      }
      return this.json(200, { data: this.control });
    }
    if (method === 'GET' && pathname === '/invoices') {
      return this.json(200, { data: [...this.invoices.values()].map(({ pdf, ...rest }) => ({ ...rest, pdfBytes: pdf?.length ?? 0 })) });
    }
    const m = /^\/invoices\/([^/]+)\/(pdf|callback)$/.exec(pathname);
    if (m) {
      const inv = this.invoices.get(decodeURIComponent(m[1]));
      if (!inv) return this.json(404, { error: 'no such invoice' });
      if (m[2] === 'pdf' && method === 'GET') {
        return inv.pdf ? { status: 200, headers: { 'Content-Type': 'application/pdf' }, body: inv.pdf } : this.json(404, { error: 'not issued' });
      }
      if (m[2] === 'callback' && method === 'POST') {
        const answer = await this.deliverCallback(inv);
        return this.json(200, { data: answer });
      }
    }
    return this.json(404, { error: 'not found' });
  }

  /** Delivers the invoice's callback once now (tests: a duplicate, or one out of order). */
  async deliverCallback(inv: SandboxInvoice, eventId: string = randomUUID()): Promise<{ status: number | null; body: string }> {
    const callback: EinvoiceCallback = {
      eventId,
      eventType: inv.state.status === 'failed' ? 'INVOICE.FAILED' : 'INVOICE.ISSUED',
      createdAt: this.now().toISOString(),
      data: inv.state,
    };
    const raw = JSON.stringify(callback);
    const headers = signedHeaders(this.platformKey, this.now(), (ts, nonce) => answerSignString(ts, nonce, raw));
    this.stats.callbacksSent++;
    const at = this.now().toISOString();
    try {
      const res = await fetch(inv.request.notifyUrl, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: raw, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      inv.callbacks.push({ eventId, at, status: res.status });
      const ok = res.status === 200 && (parseJsonOrNull(text) as { code?: string } | null)?.code === 'SUCCESS';
      if (ok) this.stats.callbacksAcknowledged++;
      return { status: res.status, body: text };
    } catch (err) {
      inv.callbacks.push({ eventId, at, status: null, error: (err as Error).message });
      return { status: null, body: (err as Error).message };
    }
  }

  /** Resolves when no decision or callback is in flight. */
  idle(): Promise<void> {
    return this.callbacks.idle();
  }

  /** Stops every timer; nothing more is sent. */
  close(): void {
    this.callbacks.stop();
  }

  // ─── the platform's API ───────────────────────────────────────────────────────────────

  private async api(method: string, pathname: string, signedPath: string, headers: http.IncomingHttpHeaders, body: string): Promise<SandboxAnswer> {
    this.stats.requests++;
    if (this.control.delayMs > 0) await new Promise((r) => setTimeout(r, this.control.delayMs));
    if (this.control.down) {
      this.stats.downAnswers++;
      return { status: 503, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify({ code: 'SYSTEM_BUSY', message: 'sandbox told to be down' }) };
    }
    if (headerOf(headers, APP_KEY_HEADER) !== this.opts.appKey) {
      this.stats.rejected++;
      return this.signed(401, { code: 'APP_KEY_UNKNOWN', message: 'unknown app key' });
    }
    const verified = verifySigned(
      this.appKeyObject,
      { timestamp: headerOf(headers, TIMESTAMP_HEADER), nonce: headerOf(headers, NONCE_HEADER), signature: headerOf(headers, SIGNATURE_HEADER) },
      (ts, nonce) => requestSignString(method, signedPath, ts, nonce, body),
      this.now(),
    );
    if (!verified.ok) {
      this.stats.rejected++;
      return this.signed(401, { code: 'SIGN_ERROR', message: `signature ${verified.reason}` });
    }
    if (method === 'POST' && pathname === '/v1/invoices') return this.receive(body);
    const m = /^\/v1\/invoices\/([^/]+)(\/pdf)?$/.exec(pathname);
    if (m && method === 'GET') {
      const inv = this.invoices.get(decodeURIComponent(m[1]));
      if (!inv) return this.signed(404, { code: 'NOT_FOUND', message: 'no invoice with this serial number' });
      if (!m[2]) return this.signed(200, { state: inv.state });
      if (!inv.pdf) return this.signed(404, { code: 'NOT_ISSUED', message: 'the invoice has no PDF (not issued)' });
      return this.signedPdf(inv.pdf);
    }
    return this.signed(404, { code: 'NOT_FOUND', message: 'no such API' });
  }

  private receive(body: string): SandboxAnswer {
    const req = parseJsonOrNull(body) as EinvoiceIssueRequest | null;
    const problem = req ? malformed(req) : 'body is not JSON';
    if (problem) {
      this.stats.rejected++;
      return this.signed(400, { code: 'INVALID_PARAM', message: problem });
    }
    const r = req!;
    const known = this.invoices.get(r.serialNo);
    if (known) {
      this.stats.duplicates++;
      return this.signed(200, { code: 'DUPLICATE', state: known.state });
    }
    this.stats.received++;
    const inv: SandboxInvoice = {
      request: r,
      state: { serialNo: r.serialNo, kind: r.kind, status: 'processing', invoiceNo: null, issuedAt: null, totalFen: r.totalFen, taxFen: r.taxFen, failCode: null, failReason: null },
      receivedAt: this.now().toISOString(),
      pdf: null,
      reversedBy: null,
      callbacks: [],
    };
    this.invoices.set(r.serialNo, inv);
    const failNext = this.control.failNext && (this.control.failNext.kind ?? 'blue') === r.kind ? this.control.failNext : null;
    if (failNext) this.control.failNext = null;
    this.callbacks.later(this.control.issueDelayMs, () =>
      this.decide(inv, failNext).catch((err: Error) => this.opts.onCallbackError?.({ serialNo: '', attempt: 0, error: err.message })),
    );
    return this.signed(202, { code: 'ACCEPTED', state: inv.state });
  }

  /** Issues or refuses a received invoice, then calls back. */
  private async decide(inv: SandboxInvoice, failNext: { code: EinvoiceFailCode; reason: string } | null): Promise<void> {
    const r = inv.request;
    const refusal = failNext ?? this.refusalOf(r);
    if (refusal) {
      Object.assign(inv.state, { status: 'failed', failCode: refusal.code, failReason: refusal.reason });
    } else {
      const issuedAt = this.now();
      const yy = new Date(issuedAt.getTime() + 8 * 3_600_000).toISOString().slice(2, 4);
      const invoiceNo = `${yy}332${String(++this.seq).padStart(15, '0')}`;
      const original = r.original ? this.invoices.get(r.original.serialNo) : undefined;
      inv.pdf = await (await pdfRenderer())(r, { invoiceNo, issuedAt, reversesInvoiceNo: r.original?.invoiceNo ?? null });
      if (original) original.reversedBy = r.serialNo;
      Object.assign(inv.state, { status: 'issued', invoiceNo, issuedAt: issuedAt.toISOString() });
    }
    if (this.control.callbacks) this.scheduleCallback(inv);
  }

  /** What a platform refuses at issue: a buyer it cannot accept, figures that do not add up, a red invoice with nothing to reverse. */
  private refusalOf(r: EinvoiceIssueRequest): { code: EinvoiceFailCode; reason: string } | null {
    if (r.buyer.type === 'company' && (!r.buyer.taxNo || !isUnifiedSocialCreditCode(r.buyer.taxNo))) {
      return { code: 'BUYER_INVALID', reason: '购买方纳税人识别号校验不通过' };
    }
    const sign = r.kind === 'red' ? -1 : 1;
    for (const l of r.lines) {
      if (l.netFen + l.taxFen !== l.amountFen) return { code: 'AMOUNT_INVALID', reason: `${l.name}：金额与税额之和不等于价税合计` };
      // The tax authority allows a line's tax to be off by at most 6 fen; OpenHall's rule is exact.
      if (Math.abs(taxIncludedFen(l.amountFen, l.rateBp) - l.taxFen) > 6) return { code: 'AMOUNT_INVALID', reason: `${l.name}：税额与税率不符` };
      if (Math.sign(l.amountFen) === -sign) return { code: 'AMOUNT_INVALID', reason: `${l.name}：${r.kind === 'red' ? '红字发票金额应为负数' : '金额应为正数'}` };
    }
    const sum = (k: 'netFen' | 'taxFen' | 'amountFen') => r.lines.reduce((s, l) => s + l[k], 0);
    if (sum('netFen') !== r.netFen || sum('taxFen') !== r.taxFen || sum('amountFen') !== r.totalFen) return { code: 'AMOUNT_INVALID', reason: '合计与明细之和不符' };
    if (r.kind === 'red') {
      const original = r.original ? this.invoices.get(r.original.serialNo) : undefined;
      if (!original || original.state.status !== 'issued' || original.state.invoiceNo !== r.original?.invoiceNo) return { code: 'REJECTED', reason: '被红冲的蓝字发票不存在或未开具' };
      if (original.reversedBy && original.reversedBy !== r.serialNo) return { code: 'REJECTED', reason: '该蓝字发票已红冲' };
      if (r.totalFen !== -original.state.totalFen) return { code: 'REJECTED', reason: '红字发票金额须与蓝字发票全额相反' };
    }
    return null;
  }

  /** The callback after `callbackDelayMs`, then on the platform's schedule until OpenHall answers SUCCESS. */
  private scheduleCallback(inv: SandboxInvoice): void {
    this.callbacks.enqueue({
      key: inv.request.serialNo,
      delayMs: this.control.callbackDelayMs,
      send: async () => {
        const eventId = randomUUID();
        const answer = await this.deliverCallback(inv, eventId);
        // The same event again, as a platform whose first delivery's answer was lost sends it.
        if (this.control.duplicateCallbacks) await this.deliverCallback(inv, eventId);
        if (answer.status === 200 && (parseJsonOrNull(answer.body) as { code?: string } | null)?.code === 'SUCCESS') return true;
        throw new Error(`${answer.status ?? 'no answer'} ${answer.body.slice(0, 200)}`);
      },
    });
  }

  private json(status: number, body: unknown): SandboxAnswer {
    return { status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
  }

  private signed(status: number, body: unknown): SandboxAnswer {
    const raw = JSON.stringify(body);
    return { status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...signedHeaders(this.platformKey, this.now(), (ts, nonce) => answerSignString(ts, nonce, raw)) }, body: raw };
  }

  private signedPdf(pdf: Buffer): SandboxAnswer {
    const digest = sha256Hex(pdf);
    return { status: 200, headers: { 'Content-Type': 'application/pdf', ...signedHeaders(this.platformKey, this.now(), (ts, nonce) => answerSignString(ts, nonce, digest)) }, body: pdf };
  }
}

/** What the platform refuses outright (400): a request it cannot read. */
function malformed(r: EinvoiceIssueRequest): string | null {
  if (typeof r.serialNo !== 'string' || !/^[A-Za-z0-9_-]{6,40}$/.test(r.serialNo)) return 'serialNo: 6–40 of [A-Za-z0-9_-]';
  if (r.kind !== 'blue' && r.kind !== 'red') return 'kind: blue or red';
  if (r.kind === 'red' && !r.original) return 'original: required for a red invoice';
  if (!r.buyer || typeof r.buyer.name !== 'string' || r.buyer.name.length === 0 || r.buyer.name.length > 100) return 'buyer.name: 1–100 characters';
  if (!Array.isArray(r.lines) || r.lines.length === 0 || r.lines.length > 2000) return 'lines: 1–2000';
  if (typeof r.notifyUrl !== 'string' || !/^https?:\/\//.test(r.notifyUrl)) return 'notifyUrl: an http(s) URL';
  for (const k of ['netFen', 'taxFen', 'totalFen'] as const) if (!Number.isSafeInteger(r[k])) return `${k}: integer fen`;
  return null;
}
