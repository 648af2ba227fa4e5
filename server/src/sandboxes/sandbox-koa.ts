import type { Context } from 'koa';

/**
 * What the sandboxes mounted in the app (WeChat Pay, its complaints, Alipay's pages) share: the
 * request body as sent, a JSON object read leniently, and HTML escaping for their pages.
 */

/** The body as sent. Behind the app's body parser the stream is gone but `rawBody` holds it; mounted bare, the stream is read here. */
export async function readRawBody(ctx: Context): Promise<string> {
  const pre = (ctx.request as unknown as { rawBody?: unknown }).rawBody;
  if (typeof pre === 'string') return pre;
  if (ctx.req.readableEnded) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The body as bytes (a multipart upload; the app's body parser leaves multipart alone), or null when
 * it is larger than `maxBytes` (the rest is drained).
 */
export async function readRawBytes(ctx: Context, maxBytes: number): Promise<Buffer | null> {
  if (ctx.req.readableEnded) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += b.length;
    if (size <= maxBytes) chunks.push(b);
  }
  return size > maxBytes ? null : Buffer.concat(chunks);
}

/** A JSON object, or `{}` for anything else (the sandbox then answers the missing fields as the real API would). */
export function parseJsonObject(raw: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(raw || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Text for an HTML page or attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
