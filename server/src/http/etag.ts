import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';

export function weakEtag(text: string | Buffer): string {
  return `W/"${createHash('sha1').update(text).digest('base64url').slice(0, 27)}"`;
}

/**
 * Weak ETags for cacheable GET answers (the routes that set `Cache-Control: public`), and 304 when
 * the client already has the same content. A route that tagged its answer already keeps its tag.
 */
export function etag(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.method !== 'GET' || ctx.status !== 200 || !/\bpublic\b/.test(ctx.response.get('Cache-Control'))) return;
    const body = ctx.body;
    if (body === undefined || body === null || typeof (body as { pipe?: unknown }).pipe === 'function') return;
    if (!ctx.response.get('ETag')) ctx.set('ETag', weakEtag(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body)));
    if (ctx.fresh) {
      ctx.status = 304;
      ctx.body = null;
    }
  };
}
