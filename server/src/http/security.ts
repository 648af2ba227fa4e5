import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';

/**
 * CSP sources (`'sha256-…'`) for the inline `<script>` blocks of an HTML page. The H5 shell that
 * Taro builds sets the root font size (rem layout) in an inline script before its bundles load;
 * allowing exactly that script by hash keeps `script-src` free of 'unsafe-inline'.
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(m[1]) || m[2].trim() === '') continue;
    hashes.push(`'sha256-${createHash('sha256').update(m[2], 'utf8').digest('base64')}'`);
  }
  return hashes;
}

export interface SecurityOptions {
  hsts: boolean;
  scriptHashes?: readonly string[];
}

const HSTS = 'max-age=31536000; includeSubDomains';

/** The security headers of every JSON answer of the API (Cache-Control aside, which the route decides). */
export function jsonSecurityHeaders(opts: SecurityOptions): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'SAMEORIGIN',
    ...(opts.hsts ? { 'Strict-Transport-Security': HSTS } : {}),
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  };
}

/** Whether a Content-Type is a page's (what `ctx.response.is('html')` says, without parsing the type). */
const isHtml = (contentType: string): boolean => /^\s*text\/html\s*(;|$)/i.test(contentType);

/**
 * Security headers for every response. API answers get a locked-down CSP and no page policies; the H5 site's pages
 * need scripts, styles and images from their own origin only (plus the shell's own inline
 * scripts, by hash, and the icon fonts Taro's components embed as data: URLs).
 */
export function securityHeaders(opts: SecurityOptions): Middleware {
  const scriptSrc = ["'self'", ...(opts.scriptHashes ?? [])].join(' ');
  const json = jsonSecurityHeaders(opts);
  return async (ctx, next) => {
    await next();
    ctx.remove('X-Powered-By');
    const api = ctx.path.startsWith('/api/');
    if (api) ctx.set('Cache-Control', ctx.response.get('Cache-Control') || 'no-store');
    // An API answer that is not a page (JSON, or nothing) is no document: sniffing, framing and a
    // deny-all CSP are what apply to it (OWASP REST Security headers); referrer, opener and feature
    // policies are for pages.
    if (api && !isHtml(ctx.response.get('Content-Type'))) {
      ctx.set(json);
      return;
    }
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'SAMEORIGIN');
    if (opts.hsts) ctx.set('Strict-Transport-Security', HSTS);
    if (api) {
      // An API route that answers a page of its own (the printable bill receipt) sets a CSP for that
      // page, allowing only its own nonce-tagged style and script; it is kept.
      if (!ctx.response.get('Content-Security-Policy')) ctx.set('Content-Security-Policy', json['Content-Security-Policy']);
    } else {
      // connect-src blob:: Taro's H5 uploadFile reads the photo the user picked (a blob: URL the page
      // itself made) with XHR before posting it; blob: URLs only ever hold this page's own data.
      ctx.set(
        'Content-Security-Policy',
        `default-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src ${scriptSrc}; connect-src 'self' blob:; form-action 'self' http: https:; frame-ancestors 'self'`,
      );
    }
    ctx.set('Referrer-Policy', 'strict-origin-when-cross-origin');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(self), geolocation=(self), microphone=()');
  };
}
