import type { Middleware } from 'koa';

/**
 * Security headers for every response. API answers get a locked-down CSP; the H5 site's pages
 * need scripts, styles and images from their own origin only.
 */
export function securityHeaders(opts: { hsts: boolean }): Middleware {
  return async (ctx, next) => {
    await next();
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'strict-origin-when-cross-origin');
    ctx.set('X-Frame-Options', 'SAMEORIGIN');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(self), geolocation=(self), microphone=()');
    if (opts.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    if (ctx.path.startsWith('/api/')) {
      ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
      ctx.set('Cache-Control', ctx.response.get('Cache-Control') || 'no-store');
    } else {
      ctx.set(
        'Content-Security-Policy',
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self' http: https:; frame-ancestors 'self'",
      );
    }
    ctx.remove('X-Powered-By');
  };
}
