import { z } from 'zod';
import { idParamSchema, textSchema } from '@openhall/shared';
import type { ApiRouter } from '../../http/api-router';
import { apiErrorAnswer, RawAnswer, routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

const uploadQuerySchema = z.object({
  /** The uploaded file's name, shown in the console's list of imports. */
  fileName: textSchema({ trim: true }).min(1).max(255).default('import.csv'),
});

/** The signed-in staff member's id (the route's `auth` let only staff through). */

/** `attachment` with the name as given (UTF-8, RFC 5987) and a plain fallback for old clients. */
function attachment(fileName: string, fallback: string): Record<string, string> {
  return { 'Content-Disposition': `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`, 'Cache-Control': 'no-store' };
}

/** The staff console's billing imports (supervisors): CSV upload, progress, rejected rows, the template. */
export function registerBillingImportStaffRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'staff';
  const auth = { staff: 'supervisor' } as const;
  const csvImports = s.billingCsvImports;

  route(
    {
      method: 'post',
      path: '/staff/billing/imports',
      summary: 'Upload a CSV of billing records (body text/csv, UTF-8 or GBK, header row required); 202 with the import while it is applied',
      tag,
      auth,
      query: uploadQuerySchema,
      status: 202,
    },
    async ({ ctx, query, principal }) => {
      const view = await csvImports.upload(ctx.req, ctx.get('Content-Type') || undefined, query.fileName, principal.staffId);
      ctx.set('Location', `${prefix}/staff/billing/imports/${view.id}`);
      return view;
    },
  );
  route({ method: 'get', path: '/staff/billing/imports', summary: 'The 20 newest imports (CSV uploads and the billing system’s batches)', tag, auth }, () => s.billingImports.listImports(20));
  // Before `/:id`, which would read "template.csv" as an id.
  route(
    {
      method: 'get',
      path: '/staff/billing/imports/template.csv',
      summary: 'The CSV template: every column and an example row of each record type (UTF-8 with BOM)',
      tag,
      auth,
      raw: { errors: 'api', answers: { 200: { description: 'The template, as an attachment', content: { 'text/csv': { type: 'string' } } } } },
    },
    async () => new RawAnswer('text/csv; charset=utf-8', csvImports.template(), attachment('账单数据导入模板.csv', 'billing-import-template.csv')),
  );
  route(
    { method: 'get', path: '/staff/billing/imports/:id', summary: 'Progress (bytes, processedBytes), counts and status of an import', tag, auth, params: idParamSchema },
    ({ params }) => s.billingImports.getImport(params.id),
  );
  route(
    {
      method: 'get',
      path: '/staff/billing/imports/:id/rejected.csv',
      summary: 'The rows a finished CSV import refused, as uploaded, with 行号, 原因代码, 字段 and 说明 (UTF-8 with BOM)',
      tag,
      auth,
      params: idParamSchema,
      raw: {
        errors: 'api',
        answers: {
          200: { description: 'The refused rows, as an attachment', content: { 'text/csv': { type: 'string' } } },
          404: apiErrorAnswer('NOT_FOUND: no such import, or its uploaded file is no longer kept'),
          409: apiErrorAnswer('CONFLICT: the import has not finished'),
        },
      },
    },
    async ({ params }) => {
      const { fileName, body } = await csvImports.rejectedRows(params.id);
      return new RawAnswer('text/csv; charset=utf-8', body, attachment(fileName, `rejected-${params.id}.csv`));
    },
  );
}
