import { randomBytes } from 'node:crypto';
import type { ApiRouter } from '../../http/api-router';
import { billsQuerySchema, idParamSchema } from '@openhall/shared';
import { RequestValidationError } from '../../http/error-middleware';
import { authorize, routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

export function registerBillingRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);

  route(
    { method: 'get', path: '/bills', summary: "The user's bills, newest first; filter by account and displayed status (unpaid, paid, overdue; comma-separated)", tag: 'bills', auth: 'user', query: billsQuerySchema },
    ({ query, principal }) => s.billing.listBills(principal.userId, query),
  );
  route(
    { method: 'get', path: '/bills/:id', summary: 'One of the user’s bills: lines, live late fee, and the payment that settled it', tag: 'bills', auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.billing.getBill(principal.userId, params.id),
  );
  route(
    { method: 'get', path: '/accounts/:id/arrears', summary: 'What one of the user’s accounts owes today (late fees included) and its oldest unpaid period', tag: 'bills', auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.billing.getArrears(principal.userId, params.id),
  );

  // Receipts are pages, not JSON: they are registered for the API document like the others, but
  // answer text/html with their own CSP (a fresh nonce for their one style block and one script).
  const receipt = (path: string, summary: string, render: (userId: number, id: number, nonce: string) => Promise<string>) => {
    registry.routes.push({ spec: { method: 'get', path, summary, tag: 'bills', auth: 'user', params: idParamSchema }, fullPath: prefix + path });
    router.get(path, async (ctx) => {
      const principal = authorize('user', ctx.state.principal);
      const parsed = idParamSchema.safeParse(ctx.params);
      if (!parsed.success) throw new RequestValidationError(parsed.error, 'params');
      const nonce = randomBytes(16).toString('base64');
      const html = await render(principal.userId, parsed.data.id, nonce);
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('Content-Security-Policy', `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`);
      ctx.set('Cache-Control', 'private, no-store');
      ctx.body = html;
    });
  };
  receipt(
    '/bills/:id/receipt',
    'Print-ready receipt (缴费凭证, text/html) of one of the user’s paid bills, or of a bill the user’s own order paid for its holder (代缴); 409 BILL_NOT_PAID otherwise',
    (userId, id, nonce) => s.receipts.renderReceipt(userId, id, nonce),
  );
  receipt(
    '/payments/:id/receipt',
    'Print-ready receipt (缴费凭证, text/html) of one of the user’s paid bill orders: every bill it paid, whoever’s (holders masked); 409 BILL_NOT_PAID while unpaid',
    (userId, id, nonce) => s.receipts.renderOrderReceipt(userId, id, nonce),
  );
}
