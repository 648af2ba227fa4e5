import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';

/**
 * Weak ETags for cacheable GET answers (the routes that set `Cache-Control: public`), and 304 when
 * the client already has the same content.
 */
export function etag(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.method !== 'GET' || ctx.status !== 200 || !/\bpublic\b/.test(ctx.response.get('Cache-Control'))) return;
    const body = ctx.body;
    if (body === undefined || body === null || typeof (body as { pipe?: unknown }).pipe === 'function') return;
    const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const tag = `W/"${createHash('sha1').update(text).digest('base64url').slice(0, 27)}"`;
    ctx.set('ETag', tag);
    if (ctx.fresh) {
      ctx.status = 304;
      ctx.body = null;
    }
  };
}
