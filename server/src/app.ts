import { existsSync } from 'node:fs';
import path from 'node:path';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import cors from '@koa/cors';
import serve from 'koa-static';
import { RequestContext } from '@mikro-orm/core';
import type { AppDeps } from './deps';
import type { AppState } from './http/context';
import { errorMiddleware } from './http/error-middleware';
import { requestContext } from './http/request-context';
import { securityHeaders } from './http/security';
import { etag } from './http/etag';
import { RouteRegistry, buildOpenApi } from './http/route';
import { authenticate } from './modules/auth/authenticate';
import { createServices, type Services } from './services';
import { registerAuthRoutes } from './modules/auth/auth.routes';
import { registerAccountRoutes } from './modules/accounts/accounts.routes';
import { registerContentRoutes } from './modules/content/content.routes';
import { registerHealthRoutes } from './modules/health/health.routes';
import { registerSandboxRoutes } from './integrations/sandbox.routes';

export const API_PREFIX = '/api/v1';

export interface OpenHallApp extends Koa<AppState> {
  services: Services;
  deps: AppDeps;
}

/** Builds the Koa application. It does not listen: `main.ts` does, tests call `.callback()`. */
export function createApp(deps: AppDeps): OpenHallApp {
  const { config, orm, logger } = deps;
  const app = new Koa<AppState>({ proxy: config.trustProxy }) as OpenHallApp;
  const services = createServices(deps);
  app.services = services;
  app.deps = deps;
  app.silent = true;

  app.use(requestContext(logger));
  app.use(errorMiddleware());
  app.use(securityHeaders({ hsts: config.env === 'production' }));
  app.use(
    cors({
      origin: (ctx) => {
        const origin = ctx.get('Origin');
        return config.corsOrigins.includes(origin) ? origin : '';
      },
      allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposeHeaders: ['X-Request-Id', 'Retry-After', 'ETag'],
      maxAge: 600,
    }),
  );
  app.use(
    bodyParser({
      enableTypes: ['json', 'form'],
      jsonLimit: `${config.bodyLimitKb}kb`,
      formLimit: `${config.bodyLimitKb}kb`,
      encoding: 'utf-8',
    }),
  );
  app.use((_ctx, next) => RequestContext.create(orm.em, next));
  app.use(etag());
  app.use(authenticate(services.sessions));

  const registry = new RouteRegistry();
  const api = new Router<AppState>({ prefix: API_PREFIX });
  registerAuthRoutes(api, registry, API_PREFIX, services);
  registerAccountRoutes(api, registry, API_PREFIX, services);
  registerContentRoutes(api, registry, API_PREFIX, services);
  const openapi = buildOpenApi(registry, { title: `OpenHall API (${config.operator.shortName})`, version: '1.0.0' });
  api.get('/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  app.use(api.routes());
  app.use(api.allowedMethods());

  const root = new Router<AppState>();
  registerHealthRoutes(root, deps);
  if (config.sandbox) registerSandboxRoutes(root, deps);
  app.use(root.routes());

  if (config.h5Dir && existsSync(path.join(config.h5Dir, 'index.html'))) {
    const h5Dir = config.h5Dir;
    app.use(serve(h5Dir, { maxage: 0, gzip: true }));
    // Client-side routes fall back to the H5 shell; API and sandbox paths never do.
    app.use(async (ctx, next) => {
      await next();
      if (ctx.status === 404 && ctx.method === 'GET' && !/^\/(api|sandbox)\//.test(ctx.path) && ctx.accepts('html')) {
        ctx.type = 'html';
        ctx.body = await import('node:fs').then((fs) => fs.createReadStream(path.join(h5Dir, 'index.html')));
      }
    });
  }
  return app;
}
