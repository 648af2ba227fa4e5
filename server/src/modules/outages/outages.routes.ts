import type { ApiRouter } from '../../http/api-router';
import { closeOutageSchema, declareOutageSchema, idParamSchema, outageQuerySchema, staffOutageQuerySchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';


export function registerOutageRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'outages';

  route({ method: 'get', path: '/outages', summary: 'Active area outages covering one of the user’s accounts (check before filing a fault)', tag, auth: 'user', query: outageQuerySchema }, ({ query, principal }) =>
    s.outages.listForAccount(principal.userId, query.accountId),
  );
  route({ method: 'get', path: '/staff/outages', summary: 'Area outages, active first', tag, auth: { staff: 'agent' }, query: staffOutageQuerySchema }, ({ query }) =>
    s.outages.listForStaff(query),
  );
  route({ method: 'post', path: '/staff/outages', summary: 'Declare an area outage (supervisor)', tag, auth: { staff: 'supervisor' }, body: declareOutageSchema, status: 201 }, ({ body, principal }) =>
    s.outages.declareOutage(principal, body),
  );
  route(
    { method: 'post', path: '/staff/outages/:id/close', summary: 'Close an outage: its linked open tickets are resolved with the message (supervisor)', tag, auth: { staff: 'supervisor' }, params: idParamSchema, body: closeOutageSchema },
    ({ params, body, principal }) => s.outages.closeOutage(principal, params.id, body),
  );
}
