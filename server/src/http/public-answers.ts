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
 * published content changes on this instance (`clear`). A repeated request is answered here, in
 * front of the body parser, the ORM context, sign-in and the router: the answer does not depend on
 * any of them. What comes before (request id, error handling, security headers, CORS) still runs,
 * so the response is the one the route would give.
 */
export class PublicAnswers {
  private readonly rendered = new WeakMap<object, RenderedAnswer>();
  private readonly byUrl = new Map<string, { answer: RenderedAnswer; cacheControl: string; minute: number }>();

  constructor(private readonly now: () => Date) {}

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
    write(ctx, answer, cacheControl);
  }

  /** Forgets every kept answer (published content changed). */
  clear(): void {
    this.byUrl.clear();
  }

  /** Answers a GET from what is kept, or passes it on. */
  middleware(): Middleware {
    return async (ctx, next) => {
      if (ctx.method === 'GET') {
        const hit = this.byUrl.get(ctx.url);
        if (hit && hit.minute === this.minute()) {
          write(ctx, hit.answer, hit.cacheControl);
          return;
        }
      }
      await next();
    };
  }

  private minute(): number {
    return Math.floor(this.now().getTime() / 60_000);
  }
}

/** The answer in the encoding the client takes best, or 304 when it holds this version already. */
function write(ctx: Context, answer: RenderedAnswer, cacheControl: string): void {
  ctx.status = 200;
  ctx.set('Cache-Control', cacheControl);
  ctx.set('ETag', answer.etag);
  ctx.vary('Accept-Encoding');
  ctx.type = 'application/json';
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  const encoding = answer.json.length >= COMPRESS_MIN_BYTES ? preferredEncoding(ctx) : null;
  if (encoding) {
    ctx.set('Content-Encoding', encoding);
    ctx.body = answer[encoding] ??= encoding === 'br' ? brotliCompressSync(answer.json, BROTLI_TEXT) : gzipSync(answer.json);
  } else {
    ctx.body = answer.json;
  }
}

/** Brotli when the client takes it (smaller), else gzip; browsers list gzip first but take both. */
function preferredEncoding(ctx: Context): 'br' | 'gzip' | null {
  if (ctx.acceptsEncodings('br') === 'br') return 'br';
  if (ctx.acceptsEncodings('gzip') === 'gzip') return 'gzip';
  return null;
}
