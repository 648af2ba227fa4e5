import { Readable } from 'node:stream';
import { z } from 'zod';
import { idParamSchema, importResultsQuerySchema } from '@openhall/shared';
import type { ApiRouter } from '../../http/api-router';
import { apiErrorAnswer, RawAnswer, routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

const waitQuerySchema = z.object({
  /** Answer when the batch has been applied, with every record's result when it has at most 1,000. */
  wait: z.enum(['true', 'false']).optional(),
});

/** The billing system's inlet and its reads (signed, see integrations/billing/billing.protocol.ts). */
export function registerBillingRecordRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'billing-system';

  route(
    {
      method: 'post',
      path: '/integrations/billing/batches',
      summary: 'A signed batch of billing-system records (application/x-ndjson); 202 while it is applied, 200 when answered finished (`?wait=true`) or replayed',
      tag,
      auth: 'public',
      query: waitQuerySchema,
      status: (d) => ((d as { status: string; replayed: boolean }).status === 'done' || (d as { replayed: boolean }).replayed ? 200 : 202),
    },
    async ({ ctx, query }) => {
      const { view, replayed } = await s.billingImports.receiveBatch(ctx.req, {
        batchId: ctx.get('X-Billing-Batch-Id') || undefined,
        timestamp: ctx.get('X-Billing-Timestamp') || undefined,
        signature: ctx.get('X-Billing-Signature') || undefined,
        contentType: ctx.get('Content-Type') || undefined,
      });
      ctx.set('Location', `${prefix}/integrations/billing/imports/${view.id}`);
      if (query.wait !== 'true') return { ...view, replayed };
      return { ...(await s.billingImports.withResults(await s.billingImports.waitFor(view.id))), replayed };
    },
  );
  route(
    { method: 'get', path: '/integrations/billing/imports/:id', summary: 'Progress and counts of an import (signed read)', tag, auth: 'public', params: idParamSchema },
    async ({ ctx, params }) => {
      s.billingImports.verifyRead(ctx.originalUrl, ctx.get('X-Billing-Timestamp') || undefined, ctx.get('X-Billing-Signature') || undefined);
      return s.billingImports.getImport(params.id, 'api');
    },
  );
  route(
    {
      method: 'get',
      path: '/integrations/billing/imports/:id/results',
      summary: 'Per-record results of an import as NDJSON, in line order, optionally of one outcome (signed read)',
      tag,
      auth: 'public',
      params: idParamSchema,
      query: importResultsQuerySchema,
      raw: {
        errors: 'api',
        answers: {
          200: { description: 'One JSON result per line (no-store)', content: { 'application/x-ndjson': { type: 'string' } } },
          401: apiErrorAnswer('BILLING_SIGNATURE_INVALID: X-Billing-Timestamp / X-Billing-Signature missing, stale or wrong'),
          404: apiErrorAnswer('NOT_FOUND: no such import'),
        },
      },
    },
    async ({ ctx, params, query }) => {
      s.billingImports.verifyRead(ctx.originalUrl, ctx.get('X-Billing-Timestamp') || undefined, ctx.get('X-Billing-Signature') || undefined);
      await s.billingImports.getImport(params.id, 'api');
      const lines = async function* (results: AsyncGenerator<unknown>) {
        for await (const r of results) yield `${JSON.stringify(r)}\n`;
      };
      return new RawAnswer('application/x-ndjson; charset=utf-8', Readable.from(lines(s.billingImports.results(params.id, query.outcome))), { 'Cache-Control': 'no-store' });
    },
  );
}
