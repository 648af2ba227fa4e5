import { createStaffTicketSchema, staffAccountNoParamSchema } from '@openhall/shared';
import type { ApiRouter } from '../../http/api-router';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

/** Tickets an agent files for a caller (hotline) or a visitor (counter). */
export function registerStaffFilingRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const agent = { staff: 'agent' } as const;
  route(
    {
      method: 'post',
      path: '/staff/tickets',
      summary: 'File a ticket for a caller (hotline) or a visitor (counter) on an account by its number, bound or not: the portal’s commitment clock, notices and work-order dispatch; the agent owns it (首问负责); audit-logged',
      tag: 'tickets',
      auth: agent,
      body: createStaffTicketSchema,
      status: 201,
    },
    ({ body, principal }) => s.staffFiling.fileForCaller(principal, body),
  );
  route(
    { method: 'get', path: '/staff/accounts/:accountNo/summary', summary: 'An account as the new-ticket form confirms it with the caller: masked holder, area, address, bound users (audit-logged)', tag: 'staff', auth: agent, params: staffAccountNoParamSchema },
    ({ params, principal }) => s.staffFiling.accountSummary(principal, params.accountNo),
  );
}
