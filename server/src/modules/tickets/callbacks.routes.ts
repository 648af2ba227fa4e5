import type { ApiRouter } from '../../http/api-router';
import { callbackQueueQuerySchema, idParamSchema, rateTicketSchema, recordCallbackSchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

/** Ratings (subscriber) and the callback queue (staff). */
export function registerCallbackRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'tickets';
  route({ method: 'get', path: '/tickets/:id/rating', summary: 'Whether the ticket can be rated, until when, and the rating given', tag, auth: 'user', params: idParamSchema }, ({ params, principal }) =>
    s.callbacks.getRating(principal.userId, params.id),
  );
  route(
    { method: 'post', path: '/tickets/:id/rating', summary: 'Rate a resolved ticket (1–5 stars, preset reasons, comment) within 72 hours; 2 stars or less means a callback', tag, auth: 'user', params: idParamSchema, body: rateTicketSchema, status: 201 },
    ({ params, body, principal }) => s.callbacks.rateTicket(principal.userId, params.id, body),
  );
  route({ method: 'get', path: '/staff/callbacks', summary: 'Callback (回访) queue, soonest due first', tag: 'staff', auth: { staff: 'agent' }, query: callbackQueueQuerySchema }, ({ query }) =>
    s.callbacks.listCallbacks(query),
  );
  route(
    { method: 'post', path: '/staff/callbacks/:id/outcome', summary: 'Record a phone callback: satisfied, not satisfied, not fixed (reopens) or unreachable (retried)', tag: 'staff', auth: { staff: 'agent' }, params: idParamSchema, body: recordCallbackSchema },
    ({ params, body, principal }) => s.callbacks.recordCallback(principal, params.id, body),
  );
}
