import { staffSearchQuerySchema } from '@openhall/shared';
import type { ApiRouter } from '../../http/api-router';
import { staffOf } from '../../http/context';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

export function registerStaffSearchRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  route(
    { method: 'get', path: '/staff/search', summary: 'Find tickets, accounts and portal users by ticket number, work-order number, phone, account number or holder name (audit-logged, masked)', tag: 'staff', auth: { staff: 'agent' }, query: staffSearchQuerySchema },
    ({ query, principal }) => s.staffSearch.search(staffOf(principal).staffId, query),
  );
}
