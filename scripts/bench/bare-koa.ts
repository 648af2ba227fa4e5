/**
 * The ceiling for scripts/bench/api.ts: a bare Koa 3 app answering every request with a fixed
 * JSON body, in its own process like OpenHall. Listens on PORT on 127.0.0.1.
 */
import http from 'node:http';
import Koa from 'koa';

const body = JSON.stringify({ data: { ok: true, name: 'bare koa', items: [1, 2, 3] } });
const app = new Koa();
app.use((ctx) => {
  ctx.type = 'application/json';
  ctx.body = body;
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
