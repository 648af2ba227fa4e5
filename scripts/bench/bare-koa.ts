/**
 * The ceiling for scripts/bench/api.ts: a bare Koa 3 app answering every request with a fixed
 * JSON body, in its own process like OpenHall. Listens on PORT on 127.0.0.1.
 * With BARE_KOA_ANSWERS (a JSON file: URL → status, headers and base64 body) it answers each of those
 * URLs with those very bytes and headers instead, and a request id of its own: the ceiling of a
 * public answer (halls, fee schedules) as OpenHall sends it, compressed as negotiated, rather than
 * of a 60-byte one (api.ts captures them from OpenHall).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Koa from 'koa';

/** One answer as sent: its status, its headers (without date, connection and request id) and its bytes in base64. */
interface KeptAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const body = JSON.stringify({ data: { ok: true, name: 'bare koa', items: [1, 2, 3] } });
const answers = new Map(
  Object.entries(process.env.BARE_KOA_ANSWERS ? (JSON.parse(readFileSync(process.env.BARE_KOA_ANSWERS, 'utf8')) as Record<string, KeptAnswer>) : {}).map(
    ([url, a]) => [url, { ...a, body: Buffer.from(a.body, 'base64') }] as const,
  ),
);
const app = new Koa();
app.use((ctx) => {
  const kept = answers.get(ctx.url);
  if (kept) {
    ctx.status = kept.status;
    ctx.set(kept.headers);
    ctx.set('x-request-id', randomUUID());
    ctx.body = kept.body;
    return;
  }
  ctx.type = 'application/json';
  ctx.body = body;
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
