import { z } from 'zod';
import { idParamSchema, invoiceListQuerySchema, invoiceOrdersQuerySchema, reissueInvoiceSchema, requestInvoiceSchema, staffInvoiceQuerySchema, urlIdSchema, type RequestInvoiceResult } from '@openhall/shared';
import type { ApiRouter } from '../../http/api-router';
import { apiErrorAnswer, RawAnswer, routeDefiner, type RawAnswerDoc, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';
import { rawBodyOf } from '../../http/raw-body';


const pdfParamsSchema = z.object({ id: urlIdSchema, kind: z.enum(['blue', 'red']) });
const pdfQuerySchema = z.object({ expires: z.string().regex(/^\d{1,12}$/).transform(Number), sig: z.string().regex(/^[0-9a-f]{32}$/) });

export function registerInvoiceRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'invoices';

  route(
    {
      method: 'post',
      path: '/invoices',
      summary: 'Ask for an electronic invoice of a paid order (bills, renewal, top-up) under a personal or company title; the same order and title again answers the same invoice (200)',
      tag,
      auth: 'user',
      body: requestInvoiceSchema,
      status: (data) => ((data as RequestInvoiceResult).created ? 201 : 200),
    },
    ({ body, principal }) => s.invoices.request(principal.userId, body),
  );
  route(
    { method: 'get', path: '/invoices', summary: 'The user’s invoices, newest first (orderId: of one order)', tag, auth: 'user', query: invoiceListQuerySchema },
    ({ query, principal }) => s.invoices.list(principal.userId, query),
  );
  route(
    {
      method: 'get',
      path: '/invoices/orders',
      summary: 'The user’s paid orders (bills, renewals, top-ups) with what an invoice would be for and its current invoice; uninvoiced=true: only those still to invoice',
      tag,
      auth: 'user',
      query: invoiceOrdersQuerySchema,
    },
    ({ query, principal }) => s.invoices.orders(principal.userId, query),
  );
  route(
    { method: 'get', path: '/invoices/orders/:id', summary: 'One of the user’s orders as the invoice request shows it', tag, auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.invoices.order(principal.userId, params.id),
  );
  route(
    { method: 'get', path: '/invoices/:id', summary: 'One of the user’s invoices: state in words, lines and tax, PDF links (signed, an hour)', tag, auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.invoices.get(principal.userId, params.id),
  );
  route(
    { method: 'get', path: '/invoice-titles', summary: 'The user’s saved invoice titles (抬头), most recently used first', tag, auth: 'user' },
    ({ principal }) => s.invoices.titles(principal.userId),
  );
  route(
    { method: 'delete', path: '/invoice-titles/:id', summary: 'Forget a saved invoice title', tag, auth: 'user', params: idParamSchema, status: 204 },
    ({ params, principal }) => s.invoices.deleteTitle(principal.userId, params.id),
  );
  route(
    {
      method: 'get',
      path: '/invoice-files/:id/:kind.pdf',
      summary: 'An invoice’s PDF behind the signed link an invoice view gives (no sign-in: a plain H5 link, the mini-program’s downloadFile); expired or altered: 404',
      tag,
      auth: 'public',
      params: pdfParamsSchema,
      query: pdfQuerySchema,
      raw: {
        errors: 'api',
        answers: {
          200: { description: 'The PDF (inline, with the invoice’s file name; private, no-store)', content: { 'application/pdf': { type: 'string', format: 'binary' } } },
          404: apiErrorAnswer('NOT_FOUND: the link expired or was altered, or the invoice has no such file'),
        },
      },
    },
    async ({ params, query }) => {
      const { pdf, fileName } = await s.invoices.pdfByLink(params.id, params.kind, query.expires, query.sig);
      return new RawAnswer('application/pdf', pdf, {
        'Content-Disposition': `inline; filename="invoice-${params.id}-${params.kind}.pdf"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
        'Cache-Control': 'private, no-store',
      });
    },
  );

  route(
    { method: 'get', path: '/staff/invoices', summary: 'Invoices by invoice number (blue or red), account number, order (id or merchant order number) and state (failed: refused invoices and refused reversals), newest first; audit-logged', tag, auth: { staff: 'agent' }, query: staffInvoiceQuerySchema },
    ({ query, principal }) => s.invoices.listForStaff(principal.staffId, query),
  );
  route(
    { method: 'get', path: '/staff/invoices/:id', summary: 'One invoice with its tries and who reissued it; audit-logged', tag, auth: { staff: 'agent' }, params: idParamSchema },
    ({ params, principal }) => s.invoices.getForStaff(principal.staffId, params.id),
  );
  route(
    {
      method: 'post',
      path: '/staff/invoices/:id/reissue',
      summary: 'Send a refused invoice (or its refused red-letter reversal) to the e-invoice platform again (a new serial number), with a note; audit-logged; 409 INVOICE_NOT_REISSUABLE unless something is refused',
      tag,
      auth: { staff: 'agent' },
      params: idParamSchema,
      body: reissueInvoiceSchema,
    },
    ({ params, body, principal }) => s.invoices.reissue(principal, params.id, body),
  );

  // The platform's callback answers in the platform's terms, not the API envelope; a failure
  // answers 500 so the platform sends it again.
  const platformFail = (description: string): RawAnswerDoc => ({
    description,
    content: { 'application/json': { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', enum: ['FAIL'] }, message: { type: 'string' } } } },
  });
  registry.routes.push({
    spec: {
      method: 'post',
      path: '/integrations/einvoice/notify',
      summary:
        'Issuing results from the e-invoice platform (callback), called by the platform, not by clients: authenticated by its signature (X-Einv-Timestamp, X-Einv-Nonce, X-Einv-Signature: SHA256withRSA with the platform public key, time window); answers { code }, 500 so it retries',
      tag,
      auth: 'public',
      raw: {
        errors: 'own',
        answers: {
          200: { description: 'Taken (also for a serial number nobody here knows, which is logged)', content: { 'application/json': { type: 'object', required: ['code'], properties: { code: { type: 'string', enum: ['SUCCESS'] } } } } },
          400: platformFail('Refused: the body is not JSON, or its data is not an invoice state'),
          401: platformFail('Refused before the body is read: signature headers, time window or signature'),
          500: platformFail('Failed here: the platform sends it again'),
        },
      },
    },
    fullPath: `${prefix}/integrations/einvoice/notify`,
  });
  router.post('/integrations/einvoice/notify', async (ctx) => {
    try {
      const a = await s.invoices.handleCallback(ctx.headers, await rawBodyOf(ctx, 256 * 1024));
      ctx.status = a.status;
      ctx.body = a.body;
    } catch (err) {
      ctx.state.log.error({ err }, 'einvoice callback failed');
      ctx.status = 500;
      ctx.body = { code: 'FAIL', message: '处理失败，请重试' };
    }
  });
}
