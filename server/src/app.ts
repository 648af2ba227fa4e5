import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import cors from '@koa/cors';
import serve from 'koa-static';
import type { AppDeps } from './deps';
import { withRequestEm } from './db';
import type { AppState } from './http/context';
import { errorMiddleware } from './http/error-middleware';
import { requestContext } from './http/request-context';
import { inlineScriptHashes, jsonSecurityHeaders, securityHeaders } from './http/security';
import { PublicAnswers } from './http/public-answers';
import { RouteRegistry, buildOpenApi } from './http/route';
import { ApiRouter } from './http/api-router';
import { authenticate } from './modules/auth/authenticate';
import { createServices, type Services } from './services';
import { registerAuthRoutes } from './modules/auth/auth.routes';
import { registerAccountRoutes } from './modules/accounts/accounts.routes';
import { registerContentRoutes } from './modules/content/content.routes';
import { registerTicketRoutes } from './modules/tickets/tickets.routes';
import { registerStaffFilingRoutes } from './modules/tickets/ticket-staff-filing.routes';
import { registerCallbackRoutes } from './modules/tickets/callbacks.routes';
import { registerMetricsRoutes } from './modules/metrics/metrics.routes';
import { registerBillingRoutes } from './modules/billing/billing.routes';
import { registerRenewalRoutes } from './modules/renewals/renewals.routes';
import { registerPaymentRoutes } from './modules/payments/payments.routes';
import { registerStaffDirectoryRoutes } from './modules/staff/staff.routes';
import { registerHealthRoutes } from './modules/health/health.routes';
import { registerUploadRoutes } from './modules/uploads/uploads.routes';
import { registerOutageRoutes } from './modules/outages/outages.routes';
import { registerSlotRoutes } from './modules/tickets/slots.routes';
import { registerBillDisputeRoutes } from './modules/bill-disputes/bill-disputes.routes';
import { registerNotificationPreferenceRoutes } from './modules/notifications/notification-preferences.routes';
import { registerNotificationReceiptRoutes } from './modules/notifications/notification-receipts.routes';
import { registerBillingRecordRoutes } from './modules/billing-records/billing-records.routes';
import { registerPrepaidRoutes } from './modules/prepaid/prepaid.routes';
import { registerPayForRoutes } from './modules/pay-for/pay-for.routes';
import { registerSuspensionCallbackRoutes } from './modules/prepaid/suspension-callbacks.routes';
import { registerBillingImportStaffRoutes } from './modules/billing-records/billing-imports.staff.routes';
import { registerInvoiceRoutes } from './modules/invoices/invoices.routes';
import { registerSurveyRoutes } from './modules/surveys/surveys.routes';
import { registerClientConfigRoutes } from './modules/client-config/client-config.routes';
import { registerStaffSearchRoutes } from './modules/staff-search/staff-search.routes';
import { registerLiveRoutes } from './modules/live/live.routes';
import { registerWechatpayComplaintRoutes } from './modules/wechatpay-complaints/wechatpay-complaints.routes';

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

  // Repeated public GETs: most are sent before Koa sees them (`front`), conditional ones right after
  // the request id is given; see PublicAnswers for what they skip and why that is safe.
  const security = { hsts: config.env === 'production' };
  const answers = new PublicAnswers(() => deps.clock.now(), jsonSecurityHeaders(security));
  services.content.onPublishedChange(() => answers.clear());
  const koaCallback = app.callback.bind(app);
  app.callback = () => answers.front(koaCallback(), logger, config.trustProxy);

  app.use(requestContext(logger));
  app.use(answers.middleware());
  const h5Index = config.h5Dir ? path.join(config.h5Dir, 'index.html') : null;
  const h5Present = h5Index !== null && existsSync(h5Index);
  // Read once: a rebuilt H5 site is picked up at the next start, like the files koa-static serves.
  const scriptHashes = h5Present ? inlineScriptHashes(readFileSync(h5Index, 'utf8')) : [];
  // Outside the error middleware, so that error answers (400, 401, 404, 500…) carry them too.
  app.use(securityHeaders({ ...security, scriptHashes }));
  app.use(errorMiddleware());
  // A request without Origin (same-origin pages, the mini-program, servers) is outside CORS: it only
  // gets `Vary: Origin`, as @koa/cors would give it, without going through its async steps.
  const corsSteps = cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return config.corsOrigins.includes(origin) ? origin : '';
    },
    allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposeHeaders: ['X-Request-Id', 'Retry-After', 'ETag'],
    maxAge: 600,
  });
  app.use((ctx, next) => {
    if (ctx.get('Origin')) return corsSteps(ctx, next);
    ctx.vary('Origin');
    return next();
  });
  // Only the methods the body parser reads a body for (its default POST, PUT and PATCH) go through it.
  const parseBody = bodyParser({
    enableTypes: ['json', 'form'],
    jsonLimit: `${config.bodyLimitKb}kb`,
    formLimit: `${config.bodyLimitKb}kb`,
    encoding: 'utf-8',
  });
  app.use((ctx, next) => (ctx.method === 'POST' || ctx.method === 'PUT' || ctx.method === 'PATCH' ? parseBody(ctx, next) : next()));
  app.use((_ctx, next) => withRequestEm(orm.em, next));
  app.use(authenticate(services.sessions));

  const registry = new RouteRegistry(answers);
  const api = new ApiRouter(API_PREFIX);
  registerAuthRoutes(api, registry, API_PREFIX, services);
  registerAccountRoutes(api, registry, API_PREFIX, services);
  registerContentRoutes(api, registry, API_PREFIX, services);
  registerTicketRoutes(api, registry, API_PREFIX, services);
  registerStaffFilingRoutes(api, registry, API_PREFIX, services);
  registerStaffSearchRoutes(api, registry, API_PREFIX, services);
  registerLiveRoutes(api, registry, API_PREFIX, services);
  registerCallbackRoutes(api, registry, API_PREFIX, services);
  registerMetricsRoutes(api, registry, API_PREFIX, services);
  registerBillingRoutes(api, registry, API_PREFIX, services);
  registerRenewalRoutes(api, registry, API_PREFIX, services);
  registerPaymentRoutes(api, registry, API_PREFIX, services);
  registerWechatpayComplaintRoutes(api, registry, API_PREFIX, services);
  registerUploadRoutes(api, registry, API_PREFIX, services);
  registerOutageRoutes(api, registry, API_PREFIX, services);
  registerSlotRoutes(api, registry, API_PREFIX, services);
  registerBillDisputeRoutes(api, registry, API_PREFIX, services);
  registerStaffDirectoryRoutes(api, registry, API_PREFIX, services);
  registerNotificationPreferenceRoutes(api, registry, API_PREFIX, services);
  registerNotificationReceiptRoutes(api, registry, API_PREFIX, services);
  registerBillingRecordRoutes(api, registry, API_PREFIX, services);
  registerBillingImportStaffRoutes(api, registry, API_PREFIX, services);
  registerPrepaidRoutes(api, registry, API_PREFIX, services);
  registerPayForRoutes(api, registry, API_PREFIX, services);
  registerSuspensionCallbackRoutes(api, registry, API_PREFIX, services);
  registerInvoiceRoutes(api, registry, API_PREFIX, services);
  registerSurveyRoutes(api, registry, API_PREFIX, services);
  registerClientConfigRoutes(api, registry, API_PREFIX, deps);
  const openapi = buildOpenApi(registry, { title: `OpenHall API (${config.operator.shortName})`, version: '1.0.0' });
  api.get('/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  app.use(api.routes());

  const root = new Router<AppState>();
  registerHealthRoutes(root, deps);
  if (config.sandbox) deps.sandboxes.registerRoutes(root);
  app.use(root.routes());
  // The sandboxes that play a whole system (work orders, e-invoices, WeChat Pay, Alipay) over real HTTP, when configured in.
  for (const sandbox of deps.sandboxes.middleware()) app.use(sandbox);

  if (config.h5Dir && h5Present) {
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
