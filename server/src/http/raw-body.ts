import type { Context } from 'koa';

/**
 * The body exactly as received, for a signature over its bytes: the body parser keeps it in
 * `rawBody`; where it did not run, the stream is read here, up to `maxBytes` (what is past that is
 * left unread, and the signature check refuses the cut body).
 */
export async function rawBodyOf(ctx: Context, maxBytes: number): Promise<string> {
  const pre = (ctx.request as unknown as { rawBody?: unknown }).rawBody;
  if (typeof pre === 'string') return pre;
  if (ctx.req.readableEnded) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += b.length;
    if (size > maxBytes) break;
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
