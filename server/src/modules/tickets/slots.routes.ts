import type { ApiRouter } from '../../http/api-router';
import { appointmentSlotQuerySchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';


export function registerSlotRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  route(
    { method: 'get', path: '/appointment-slots', summary: 'Home-visit half-day slots in the area of one of the user’s accounts, for a ticket of the given type (its commitment decides the days on offer), with capacity left and whether each visit begins after the commitment’s deadline', tag: 'tickets', auth: 'user', query: appointmentSlotQuerySchema },
    ({ query, principal }) => s.tickets.slots.listSlots(principal.userId, query),
  );
}
