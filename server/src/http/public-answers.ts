import { createHash } from 'node:crypto';
import { brotliCompress, brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { LruMap } from '../lru';
import { clientIp, requestIdFrom, requestLogger } from './request-context';

/** A public answer rendered once: its JSON, its tag, and its compressed forms as asked for. */
export interface RenderedAnswer {
  json: string;
  etag: string;
  br?: Buffer;
  gzip?: Buffer;
  /** Times sent in Brotli; at HOT_SENDS it is compressed again at the best quality. */
  brSends?: number;
}

/** Below this a compressed answer is hardly smaller. */
const COMPRESS_MIN_BYTES = 1024;
// A new answer is compressed at quality 5, in well under a millisecond (every halls coordinate is
// an answer of its own); one sent often is compressed again at quality 11, off the event loop,
// about 4 ms of a worker thread for 14 % fewer bytes (fee schedules: 1,851 → 1,599).
const brotli = (quality: number) => ({ params: { [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT, [zlibConstants.BROTLI_PARAM_QUALITY]: quality } });
const BROTLI_FAST = brotli(5);
const BROTLI_BEST = brotli(zlibConstants.BROTLI_MAX_QUALITY);
const HOT_SENDS = 50;
const MAX_URLS = 2_000;

/**
 * Public, cacheable GET answers (fee schedules, halls, commitments…), kept by URL until the end of
 * the clock minute they were made in, the same lifetime as ContentService's own memo, or until
 * published content changes on this instance (`clear`). A kept answer carries every header the
 * route's answer carries (the JSON security headers and `Vary` included), so whichever path sends
 * it, the response is the same; a test compares them header by header.
 *
 * Repeats are answered at two depths:
 * - `front()`, in front of Koa itself, for the common case: a same-origin GET without validators,
 *   from a client whose Accept-Encoding has been seen. It costs no more than writing the bytes.
 * - `middleware()`, right after the request id is given, for the rest (a conditional GET, which may
 *   answer 304). A cross-origin request (with `Origin`) always takes the whole way, where CORS
 *   answers it.
 */
export class PublicAnswers {
  private readonly rendered = new WeakMap<object, RenderedAnswer>();
  private readonly byUrl = new LruMap<string, Kept>(MAX_URLS);
  /** Accept-Encoding values seen, with the encoding each chose: clients send a handful of them. */
  private readonly encodingFor = new Map<string, Encoding | null>();

  /** `jsonHeaders`: the security headers every JSON answer carries (see `jsonSecurityHeaders`). */
  constructor(
    private readonly now: () => Date,
    private readonly jsonHeaders: Record<string, string>,
  ) {}

  /** Sends `data` as `{ data }`, serialized and tagged once per data object; remembers it for `url`. */
  send(ctx: Context, data: object, cacheControl: string): void {
    let answer = this.rendered.get(data);
    if (!answer) {
      const json = JSON.stringify({ data });
      answer = { json, etag: `W/"${createHash('sha1').update(json).digest('base64url').slice(0, 27)}"` };
      this.rendered.set(data, answer);
    }
    const kept: Kept = { answer, cacheControl, minute: this.minute(), headers: {} };
    if (ctx.method === 'GET') this.byUrl.set(ctx.url, kept);
    this.write(ctx, kept);
  }

  /** Forgets every kept answer (published content changed). */
  clear(): void {
    this.byUrl.clear();
  }

  /**
   * Node's request handler in front of `handle` (Koa's): sends a kept answer straight away when
   * nothing about the request needs Koa (see the class comment), else hands the request on. The
   * request id and log line are made as the request-context middleware makes them.
   */
  front(handle: KoaHandler, logger: Logger, trustProxy: boolean): KoaHandler {
    const logRequest = requestLogger(logger);
    return (request, response) => {
      // OpenHall serves HTTP/1.1 only (node:http); Koa's type also allows HTTP/2's.
      const req = request as IncomingMessage;
      const res = response as ServerResponse;
      const h = req.headers;
      const kept = req.method === 'GET' && !h.origin && !h['if-none-match'] && !h['if-modified-since'] ? this.byUrl.get(req.url!) : undefined;
      // A large answer is sent compressed as negotiated before for the same Accept-Encoding, if it was.
      const encoding = !kept || kept.minute !== this.minute() ? undefined : kept.answer.json.length < COMPRESS_MIN_BYTES ? null : this.encodingFor.get(h['accept-encoding'] ?? '');
      if (!kept || encoding === undefined) return handle(request, response);
      const start = process.hrtime.bigint();
      const id = requestIdFrom(h['x-request-id'] as string | undefined);
      const body = this.body(kept.answer, encoding);
      // Name and value pairs in one array, passed to writeHead alone: Node then writes them as they
      // are, without first storing each one as setHeader would (a third of this path's CPU).
      const raw = this.headersOf(kept, encoding, body).raw.slice();
      raw.push('x-request-id', id);
      res.writeHead(200, raw);
      res.end(body);
      logRequest(200, () => ({ requestId: id, method: 'GET', path: req.url!.split('?')[0], route: null, durationMs: Number(process.hrtime.bigint() - start) / 1e6, ip: clientIp(req, trustProxy) }));
      return Promise.resolve();
    };
  }

  /** Answers a same-origin GET from what is kept, or passes it on. */
  middleware(): Middleware {
    return (ctx, next) => {
      if (ctx.method !== 'GET' || ctx.get('Origin')) return next();
      const kept = this.byUrl.get(ctx.url);
      if (!kept || kept.minute !== this.minute()) return next();
      this.write(ctx, kept);
      return Promise.resolve();
    };
  }

  /** The answer in the encoding the client takes best, or 304 when it holds this version already. */
  private write(ctx: Context, kept: Kept): void {
    const encoding = kept.answer.json.length >= COMPRESS_MIN_BYTES ? this.preferredEncoding(ctx) : null;
    const body = this.body(kept.answer, encoding);
    ctx.status = 200;
    ctx.set(this.headersOf(kept, encoding, body).headers);
    // `fresh` only has something to compare when the client sent a validator.
    if ((ctx.get('If-None-Match') || ctx.get('If-Modified-Since')) && ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = body;
  }

  /** Every header of the answer but the request id (Koa drops the length itself from a 304), for the body sent, also as name and value pairs. */
  private headersOf(kept: Kept, encoding: Encoding | null, body: string | Buffer): KeptHeaders {
    const made = kept.headers[encoding ?? 'identity'];
    if (made?.body === body) return made;
    const headers = {
      ...this.jsonHeaders,
      // What CORS (for a request without Origin) and the encodings put in Vary.
      Vary: 'Origin, Accept-Encoding',
      'Cache-Control': kept.cacheControl,
      ETag: kept.answer.etag,
      'Content-Type': JSON_TYPE,
      ...(encoding ? { 'Content-Encoding': encoding } : {}),
      'Content-Length': String(Buffer.byteLength(body)),
    };
    return (kept.headers[encoding ?? 'identity'] = { body, headers, raw: Object.entries(headers).flat() });
  }

  private body(answer: RenderedAnswer, encoding: Encoding | null): string | Buffer {
    if (!encoding) return answer.json;
    if (encoding === 'gzip') return (answer.gzip ??= gzipSync(answer.json));
    answer.br ??= brotliCompressSync(answer.json, BROTLI_FAST);
    if ((answer.brSends = (answer.brSends ?? 0) + 1) === HOT_SENDS) {
      // Until the better one is ready, and if it fails, the first one serves.
      brotliCompress(answer.json, BROTLI_BEST, (err, best) => {
        if (!err && best.length < answer.br!.length) answer.br = best;
      });
    }
    return answer.br;
  }

  /** Brotli when the client takes it (smaller), else gzip; browsers list gzip first but take both. */
  private preferredEncoding(ctx: Context): Encoding | null {
    const header = ctx.get('Accept-Encoding');
    let encoding = this.encodingFor.get(header);
    if (encoding === undefined) {
      encoding = ctx.acceptsEncodings('br') === 'br' ? 'br' : ctx.acceptsEncodings('gzip') === 'gzip' ? 'gzip' : null;
      if (this.encodingFor.size >= MAX_ENCODING_HEADERS) this.encodingFor.clear();
      this.encodingFor.set(header, encoding);
    }
    return encoding;
  }

  private minute(): number {
    return Math.floor(this.now().getTime() / 60_000);
  }
}

interface Kept {
  answer: RenderedAnswer;
  cacheControl: string;
  minute: number;
  /** Headers by encoding, made when first sent (and again when the body changes: a better compression). */
  headers: Partial<Record<Encoding | 'identity', KeptHeaders>>;
}

interface KeptHeaders {
  body: string | Buffer;
  headers: Record<string, string>;
  raw: string[];
}

type Encoding = 'br' | 'gzip';
type KoaHandler = ReturnType<Koa['callback']>;
const JSON_TYPE = 'application/json; charset=utf-8';
const MAX_ENCODING_HEADERS = 100;
