import type { ClientConfigView } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { ApiRouter } from '../../http/api-router';
import { routeDefiner, type RouteRegistry } from '../../http/route';

/** `GET /client-config`: what the clients need to know about this deployment before they offer anything. */
export function registerClientConfigRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, deps: AppDeps): void {
  const route = routeDefiner(router, registry, prefix);
  route(
    {
      method: 'get',
      path: '/client-config',
      summary: "This deployment as the clients need it: whether an official account is configured (the H5 site in WeChat's browser pays by JSAPI under it, or says how to pay)",
      tag: 'content',
      auth: 'public',
      cacheable: true,
    },
    async (): Promise<ClientConfigView> => ({ wechatOfficialAccount: deps.wechatOAuth !== null && deps.payments.wechatpay.mpAppid !== null }),
  );
}
