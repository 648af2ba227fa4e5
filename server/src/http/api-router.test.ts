import Koa from 'koa';
import request from 'supertest';
import { ApiRouter } from './api-router';
import type { AppState } from './context';

function appWith(define: (api: ApiRouter) => void): Koa<AppState> {
  const app = new Koa<AppState>();
  const api = new ApiRouter('/api/v1');
  define(api);
  app.use(api.routes());
  app.use((ctx) => {
    if (ctx.path === '/api/v1/things/late') ctx.body = { after: true };
  });
  return app;
}

test('parameters arrive URL-decoded (as sent when not valid percent-encoding), with the matched route for the log line', async () => {
  const app = appWith((api) =>
    api.get('/things/:name/parts/:part', (ctx) => {
      ctx.body = { params: ctx.params, route: (ctx as unknown as { _matchedRoute: string })._matchedRoute };
    }),
  );
  const res = await request(app.callback()).get('/api/v1/things/a%20b/parts/%E0%A4%A').expect(200);
  expect(res.body).toEqual({ params: { name: 'a b', part: '%E0%A4%A' }, route: '/api/v1/things/:name/parts/:part' });
});

test('a parameter may share its segment with fixed text', async () => {
  const app = appWith((api) =>
    api.get('/files/:id/:kind.pdf', (ctx) => {
      ctx.body = ctx.params;
    }),
  );
  expect((await request(app.callback()).get('/api/v1/files/7/invoice.PDF').expect(200)).body).toEqual({ id: '7', kind: 'invoice' });
  await request(app.callback()).get('/api/v1/files/7/invoice.png').expect(404);
});

test('the first route defined for a path and method answers; several middleware run in order', async () => {
  const seen: string[] = [];
  const app = appWith((api) => {
    api.get('/things/special', async (_ctx, next) => {
      seen.push('guard');
      await next();
    }, (ctx) => {
      ctx.body = { which: 'special' };
    });
    api.get('/things/:name', (ctx) => {
      ctx.body = { which: 'any' };
    });
  });
  expect((await request(app.callback()).get('/api/v1/things/special').expect(200)).body).toEqual({ which: 'special' });
  expect(seen).toEqual(['guard']);
  expect((await request(app.callback()).get('/api/v1/things/other').expect(200)).body).toEqual({ which: 'any' });
});

test('a known path with another method: what comes after may answer; else 405, OPTIONS 200 and an unknown method 501, each with Allow', async () => {
  const app = appWith((api) => {
    api.get('/things/:name', (ctx) => {
      ctx.body = { got: true };
    });
    api.post('/things/:name', (ctx) => {
      ctx.status = 201;
    });
  });
  const server = request(app.callback());
  // The route does not answer DELETE, but the next middleware answers this path.
  expect((await server.delete('/api/v1/things/late').expect(200)).body).toEqual({ after: true });
  expect((await server.delete('/api/v1/things/x').expect(405)).headers.allow).toBe('HEAD, GET, POST');
  expect((await server.options('/api/v1/things/x').expect(200)).headers.allow).toBe('HEAD, GET, POST');
  const propfind = await new Promise<{ status: number; allow: string }>((resolve, reject) => {
    const listener = app.listen(0, () => {
      const { port } = listener.address() as { port: number };
      fetch(`http://127.0.0.1:${port}/api/v1/things/x`, { method: 'PROPFIND' })
        .then((r) => resolve({ status: r.status, allow: r.headers.get('allow') ?? '' }), reject)
        .finally(() => listener.close());
    });
  });
  expect(propfind).toEqual({ status: 501, allow: 'HEAD, GET, POST' });
  await server.get('/api/v1/nothing/here').expect(404);
});

test('a path that is not fixed segments and :name parameters is refused when defined', () => {
  const api = new ApiRouter('/api/v1');
  expect(() => api.get('/:id', () => undefined)).toThrow(/fixed segment/);
  expect(() => api.get('/things/*rest', () => undefined)).toThrow(/fixed text/);
  expect(() => api.get('/things/:id(\\d+)', () => undefined)).toThrow(/fixed text/);
  expect(() => api.get('/things/:1', () => undefined)).toThrow(/plain name/);
});
