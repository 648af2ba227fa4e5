import { randomBytes } from 'node:crypto';
import type { ApiRouter } from '../../http/api-router';
import { billsQuerySchema, idParamSchema } from '@openhall/shared';
import { RequestValidationError } from '../../http/error-middleware';
import { apiErrorAnswer, authorize, routeDefiner, type RawAnswers, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

export function registerBillingRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);

  route(
    { method: 'get', path: '/bills', summary: "The user's bills, newest first, without their lines (the bill's detail has them); filter by account and displayed status (unpaid, paid, overdue; comma-separated)", tag: 'bills', auth: 'user', query: billsQuerySchema },
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
  const receipt = (path: string, summary: string, notFound: string, notPaid: string, render: (userId: number, id: number, nonce: string) => Promise<string>) => {
    const raw: RawAnswers = {
      errors: 'api',
      answers: {
        200: { description: 'The receipt page (its own Content-Security-Policy with a nonce; private, no-store)', content: { 'text/html': { type: 'string' } } },
        404: apiErrorAnswer(notFound),
        409: apiErrorAnswer(notPaid),
      },
    };
    registry.routes.push({ spec: { method: 'get', path, summary, tag: 'bills', auth: 'user', params: idParamSchema, raw }, fullPath: prefix + path });
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
    'NOT_FOUND: no such bill of the user’s (nor one the user’s order paid), or a cancelled one',
    'BILL_NOT_PAID: the bill is not paid',
    (userId, id, nonce) => s.receipts.renderReceipt(userId, id, nonce),
  );
  receipt(
    '/payments/:id/receipt',
    'Print-ready receipt (缴费凭证, text/html) of one of the user’s paid bill orders: every bill it paid, whoever’s (holders masked); 409 BILL_NOT_PAID while unpaid',
    'NOT_FOUND: no such bill order of the user’s',
    'BILL_NOT_PAID: the order is not paid, or paid no bill (they had been paid by someone else first)',
    (userId, id, nonce) => s.receipts.renderOrderReceipt(userId, id, nonce),
  );
}
