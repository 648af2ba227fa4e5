import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import type { Context, Middleware } from 'koa';

/** A public answer rendered once: its JSON, its tag, and its compressed forms as asked for. */
export interface RenderedAnswer {
  json: string;
  etag: string;
  br?: Buffer;
  gzip?: Buffer;
}

/** Below this a compressed answer is hardly smaller. */
const COMPRESS_MIN_BYTES = 1024;
// Quality 5 rather than the default 11: nearly as small, and a new answer costs well under a millisecond.
const BROTLI_TEXT = { params: { [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT, [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } };
const MAX_URLS = 2_000;

/**
 * Public, cacheable GET answers (fee schedules, halls, commitments…), kept by URL until the end of
 * the clock minute they were made in, the same lifetime as ContentService's own memo, or until
 * published content changes on this instance (`clear`).
 *
 * A repeated request is answered by `middleware()`, which runs right after the request id is
 * given: in front of the error handler, security headers, CORS, the body parser, the ORM context,
 * sign-in and the router, none of which the answer depends on. It sets what they would have set
 * (the JSON security headers, `Vary: Origin`), so the response is the one the route gives; a
 * cross-origin request (one with `Origin`) takes the whole way, where CORS answers it.
 */
export class PublicAnswers {
  private readonly rendered = new WeakMap<object, RenderedAnswer>();
  private readonly byUrl = new Map<string, { answer: RenderedAnswer; cacheControl: string; minute: number }>();
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
    if (ctx.method === 'GET') {
      this.byUrl.delete(ctx.url);
      this.byUrl.set(ctx.url, { answer, cacheControl, minute: this.minute() });
      if (this.byUrl.size > MAX_URLS) this.byUrl.delete(this.byUrl.keys().next().value!);
    }
    ctx.vary('Accept-Encoding');
    this.write(ctx, answer, cacheControl);
  }

  /** Forgets every kept answer (published content changed). */
  clear(): void {
    this.byUrl.clear();
  }

  /** Answers a same-origin GET from what is kept, or passes it on. */
  middleware(): Middleware {
    return (ctx, next) => {
      if (ctx.method !== 'GET' || ctx.get('Origin')) return next();
      const hit = this.byUrl.get(ctx.url);
      if (!hit || hit.minute !== this.minute()) return next();
      ctx.set(this.jsonHeaders);
      // What CORS (for a request without Origin) and `send` put in Vary.
      ctx.set('Vary', 'Origin, Accept-Encoding');
      this.write(ctx, hit.answer, hit.cacheControl);
      return Promise.resolve();
    };
  }

  /** The answer in the encoding the client takes best, or 304 when it holds this version already. */
  private write(ctx: Context, answer: RenderedAnswer, cacheControl: string): void {
    ctx.status = 200;
    ctx.set('Cache-Control', cacheControl);
    ctx.set('ETag', answer.etag);
    ctx.set('Content-Type', JSON_TYPE);
    // `fresh` only has something to compare when the client sent a validator.
    if ((ctx.get('If-None-Match') || ctx.get('If-Modified-Since')) && ctx.fresh) {
      ctx.status = 304;
      return;
    }
    const encoding = answer.json.length >= COMPRESS_MIN_BYTES ? this.preferredEncoding(ctx) : null;
    if (encoding) {
      ctx.set('Content-Encoding', encoding);
      ctx.body = answer[encoding] ??= encoding === 'br' ? brotliCompressSync(answer.json, BROTLI_TEXT) : gzipSync(answer.json);
    } else {
      ctx.body = answer.json;
    }
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

type Encoding = 'br' | 'gzip';
const JSON_TYPE = 'application/json; charset=utf-8';
const MAX_ENCODING_HEADERS = 100;
