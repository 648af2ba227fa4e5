import type { ApiRouter } from '../../http/api-router';
import { metricsQuerySchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

/** The staff metrics (supervisors) and the public scorecard. */
export function registerMetricsRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  route(
    {
      method: 'get',
      path: '/staff/metrics',
      summary: 'First response within 24 h, on-time rate per commitment, callback coverage (tickets, and accounts suspended for arrears), satisfaction, complaint rate and renewal rate, by area and month',
      tag: 'staff',
      auth: { staff: 'supervisor' },
      query: metricsQuerySchema,
    },
    ({ query }) => s.metrics.getMetrics(query),
  );
  route(
    { method: 'get', path: '/performance', summary: 'The last 30 days’ on-time rate per published commitment (public scorecard; no subscriber data)', tag: 'content', auth: 'public', cacheable: true },
    () => s.metrics.getPerformance(),
  );
}
