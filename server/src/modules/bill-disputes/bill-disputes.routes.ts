import type { ApiRouter } from '../../http/api-router';
import { disputeBillLineSchema, idParamSchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';


export function registerBillDisputeRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  route(
    { method: 'post', path: '/bills/:id/dispute', summary: 'Dispute a line of one of the user’s bills: opens a complaint tied to the bill; its late fee stops until the complaint is answered', tag: 'bills', auth: 'user', params: idParamSchema, body: disputeBillLineSchema, status: 201 },
    ({ params, body, principal }) => s.billDisputes.disputeBillLine(principal.userId, params.id, body),
  );
  route({ method: 'get', path: '/bills/:id/disputes', summary: 'The disputes of one of the user’s bills and whether each still holds the late fee', tag: 'bills', auth: 'user', params: idParamSchema }, ({ params, principal }) =>
    s.billDisputes.listDisputes(principal.userId, params.id),
  );
}
