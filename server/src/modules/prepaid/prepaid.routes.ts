import type { ApiRouter } from '../../http/api-router';
import {
  createTopUpSchema,
  emergencySuspensionSchema,
  idParamSchema,
  lowBalanceThresholdSchema,
  pageQuerySchema,
  reopenServiceSchema,
  staffServiceRequestQuerySchema,
} from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

export function registerPrepaidRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'prepaid';

  route(
    { method: 'get', path: '/accounts/:id/prepaid', summary: 'A bound account’s balance, arrears, suspension, low-balance threshold, top-up rules and latest service request', tag, auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.prepaid.view(principal.userId, params.id),
  );
  route(
    { method: 'get', path: '/accounts/:id/ledger', summary: 'The balance history (top-ups, deductions, refunds, adjustments), newest first', tag, auth: 'user', params: idParamSchema, query: pageQuerySchema },
    ({ params, query, principal }) => s.prepaid.entries(principal.userId, params.id, query),
  );
  route(
    { method: 'put', path: '/accounts/:id/low-balance-threshold', summary: 'Set the low-balance alert threshold in fen (null: the operator’s default); one alert per fall below it', tag, auth: 'user', params: idParamSchema, body: lowBalanceThresholdSchema },
    ({ params, body, principal }) => s.prepaid.setThreshold(principal.userId, params.id, body),
  );
  route(
    {
      method: 'post',
      path: '/accounts/:id/top-ups',
      summary: 'Top up a prepaid account: a preset or a custom amount within the operator’s range; answers the order and what the client needs to pay',
      tag,
      auth: 'user',
      params: idParamSchema,
      body: createTopUpSchema,
      status: 201,
    },
    ({ params, body, principal, ctx }) => s.prepaid.createTopUp(principal.userId, params.id, body, ctx.ip),
  );
  route(
    { method: 'get', path: '/accounts/:id/service-requests', summary: 'Emergency stops, reopenings and restorations of a bound prepaid account, newest first', tag, auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.serviceRequests.list(principal.userId, params.id),
  );
  route(
    {
      method: 'post',
      path: '/accounts/:id/emergency-suspension',
      summary: 'Emergency stop (紧急停机: lost phone, moving away): sent to the billing system, done when it confirms (effectiveAt)',
      tag,
      auth: 'user',
      params: idParamSchema,
      body: emergencySuspensionSchema,
      status: 202,
    },
    ({ params, body, principal }) => s.serviceRequests.suspend(principal.userId, params.id, body),
  );
  route(
    { method: 'post', path: '/accounts/:id/reopen/code', summary: 'Send a reopening code by SMS to the account’s registered phone', tag, auth: 'user', params: idParamSchema },
    ({ params, principal, ctx }) => s.serviceRequests.sendReopenCode(principal.userId, params.id, ctx.ip),
  );
  route(
    { method: 'post', path: '/accounts/:id/reopen', summary: 'Reopen a service the subscriber stopped, with the SMS code just sent', tag, auth: 'user', params: idParamSchema, body: reopenServiceSchema, status: 202 },
    ({ params, body, principal }) => s.serviceRequests.reopen(principal.userId, params.id, body),
  );
  route(
    { method: 'get', path: '/staff/accounts/:id/ledger', summary: 'An account’s balance history for staff, newest first', tag, auth: { staff: 'agent' }, params: idParamSchema, query: pageQuerySchema },
    ({ params, query }) => s.prepaid.entriesForStaff(params.id, query),
  );
  route(
    { method: 'get', path: '/staff/service-requests', summary: 'Emergency stops, reopenings and restorations of every account, newest first, by status and kind', tag, auth: { staff: 'agent' }, query: staffServiceRequestQuerySchema },
    ({ query }) => s.serviceRequests.listForStaff(query),
  );
}
