import { randomBytes } from 'node:crypto';
import type { ApiRouter } from '../../http/api-router';
import { billsQuerySchema, idParamSchema } from '@openhall/shared';
import { RequestValidationError } from '../../http/error-middleware';
import { userIdOf } from '../../http/context';
import { authorize, routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

/** The subscriber behind a `auth: 'user'` route (the route has already refused anyone else). */

export function registerBillingRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);

  route(
    { method: 'get', path: '/bills', summary: "The user's bills, newest first; filter by account and displayed status (unpaid, paid, overdue; comma-separated)", tag: 'bills', auth: 'user', query: billsQuerySchema },
    ({ query, principal }) => s.billing.listBills(userIdOf(principal), query),
  );
  route(
    { method: 'get', path: '/bills/:id', summary: 'One of the user’s bills: lines, live late fee, and the payment that settled it', tag: 'bills', auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.billing.getBill(userIdOf(principal), params.id),
  );
  route(
    { method: 'get', path: '/accounts/:id/arrears', summary: 'What one of the user’s accounts owes today (late fees included) and its oldest unpaid period', tag: 'bills', auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.billing.getArrears(userIdOf(principal), params.id),
  );

  // The receipt is a page, not JSON: it is registered for the API document like the others, but
  // answers text/html with its own CSP (a fresh nonce for its one style block and one script).
  const receiptPath = '/bills/:id/receipt';
  registry.routes.push({
    spec: { method: 'get', path: receiptPath, summary: 'Print-ready receipt (缴费凭证, text/html) of one of the user’s paid bills; 409 BILL_NOT_PAID otherwise', tag: 'bills', auth: 'user', params: idParamSchema },
    fullPath: prefix + receiptPath,
  });
  router.get(receiptPath, async (ctx) => {
    authorize('user', ctx.state.principal);
    const parsed = idParamSchema.safeParse(ctx.params);
    if (!parsed.success) throw new RequestValidationError(parsed.error, 'params');
    const nonce = randomBytes(16).toString('base64');
    const html = await s.billing.renderReceipt(userIdOf(ctx.state.principal), parsed.data.id, nonce);
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Content-Security-Policy', `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`);
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = html;
  });
}
