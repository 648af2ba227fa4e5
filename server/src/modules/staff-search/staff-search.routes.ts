import { staffSearchQuerySchema, urlIdSchema } from '@openhall/shared';
import { z } from 'zod';
import type { ApiRouter } from '../../http/api-router';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

const userIdParamSchema = z.object({ userId: urlIdSchema });
const accountNoParamSchema = z.object({ accountNo: z.string().regex(/^[A-Za-z0-9-]{1,20}$/, '户号格式不正确') });

export function registerStaffSearchRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  route(
    { method: 'get', path: '/staff/search', summary: 'Find tickets, accounts and portal users by ticket number, work-order number, phone, account number or holder name (audit-logged, masked)', tag: 'staff', auth: { staff: 'agent' }, query: staffSearchQuerySchema },
    ({ query, principal }) => s.staffSearch.search(principal.staffId, query),
  );
  route(
    { method: 'get', path: '/staff/accounts/:accountNo', summary: 'One account whole for the agent on the phone: bindings, bills, payments and refunds, packages, tickets with ratings and callbacks, invoices, balance (read-only, masked, audit-logged)', tag: 'staff', auth: { staff: 'agent' }, params: accountNoParamSchema },
    ({ params, principal }) => s.staffAccounts.overview(principal.staffId, params.accountNo),
  );
  route(
    { method: 'get', path: '/staff/subscribers/:userId', summary: 'One portal user (subscriber) whole: bound accounts with balances, tickets with ratings and callbacks, payments and refunds, notices sent and their outcome, invoices (read-only, masked, audit-logged)', tag: 'staff', auth: { staff: 'agent' }, params: userIdParamSchema },
    ({ params, principal }) => s.staffSubscribers.overview(principal.staffId, params.userId),
  );
}
