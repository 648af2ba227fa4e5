import type { ApiRouter } from '../../http/api-router';
import { bindAccountSchema, idParamSchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

/** The subscriber behind a `auth: 'user'` route (the route has already refused anyone else). */

export function registerAccountRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);

  route(
    { method: 'post', path: '/accounts/bind', summary: 'Bind an account with its holder name or the last 4 digits of its registered phone', tag: 'accounts', auth: 'user', body: bindAccountSchema, status: 201 },
    ({ body, principal, ctx }) => s.accounts.bindAccount(principal.userId, body, ctx.ip),
  );
  route({ method: 'get', path: '/accounts', summary: "The signed-in user's accounts, default first", tag: 'accounts', auth: 'user' }, ({ principal }) =>
    s.accounts.listAccounts(principal.userId),
  );
  route({ method: 'get', path: '/accounts/:id', summary: 'One of the user’s accounts', tag: 'accounts', auth: 'user', params: idParamSchema }, ({ params, principal }) =>
    s.accounts.getAccount(principal.userId, params.id),
  );
  route(
    { method: 'post', path: '/accounts/:id/default', summary: 'Make one of the user’s accounts the default', tag: 'accounts', auth: 'user', params: idParamSchema },
    ({ params, principal }) => s.accounts.setDefaultAccount(principal.userId, params.id),
  );
  route(
    { method: 'delete', path: '/accounts/:id', summary: 'Unbind an account (the oldest remaining becomes default)', tag: 'accounts', auth: 'user', params: idParamSchema, status: 204 },
    ({ params, principal }) => s.accounts.unbindAccount(principal.userId, params.id),
  );
}
