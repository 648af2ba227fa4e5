import type { ApiRouter } from '../../http/api-router';
import { idParamSchema, recordSuspensionCallbackSchema, suspensionCallbackQuerySchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

/** The callback queue of accounts suspended for arrears (停机用户回访), for agents and up. */
export function registerSuspensionCallbackRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'staff';
  route(
    {
      method: 'get',
      path: '/staff/suspension-callbacks',
      summary: 'Callbacks of accounts suspended for arrears (停机用户回访), soonest due first: account, holder (masked), phone, balance and arrears, suspended since',
      tag,
      auth: { staff: 'agent' },
      query: suspensionCallbackQuerySchema,
    },
    ({ query }) => s.suspensionCallbacks.listSuspensionCallbacks(query),
  );
  route(
    {
      method: 'post',
      path: '/staff/suspension-callbacks/:id/outcome',
      summary: 'Record the call: will pay, moved away, switched provider, price, service quality, or unreachable (retried 4 hours later, given up after 3)',
      tag,
      auth: { staff: 'agent' },
      params: idParamSchema,
      body: recordSuspensionCallbackSchema,
    },
    ({ params, body, principal }) => s.suspensionCallbacks.recordOutcome(principal, params.id, body),
  );
}
