import type { ApiRouter } from '../../http/api-router';
import { createRenewalSchema, renewalDeclineSchema, renewalQuoteSchema, renewalStatsQuerySchema } from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

/** The subscriber behind a `auth: 'user'` route (the route has already refused anyone else). */

export function registerRenewalRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);

  route({ method: 'get', path: '/subscriptions', summary: "The user's TV and broadband packages with expiry and days left", tag: 'renewals', auth: 'user' }, ({ principal }) =>
    s.renewals.listSubscriptions(principal.userId),
  );
  route(
    { method: 'post', path: '/renewals/quote', summary: 'Price renewing a package for 1, 3, 6 or 12 months (fee schedule, prepayment discount, concession) and the new expiry', tag: 'renewals', auth: 'user', body: renewalQuoteSchema },
    ({ body, principal }) => s.renewals.quoteRenewal(principal.userId, body),
  );
  route(
    { method: 'post', path: '/renewals', summary: 'Create the payment order for a renewal, priced again on the server', tag: 'renewals', auth: 'user', body: createRenewalSchema, status: 201 },
    ({ body, principal, ctx }) => s.renewals.createRenewal(principal.userId, body, ctx.ip),
  );
  route(
    { method: 'post', path: '/renewals/decline', summary: 'Say why the package will not be renewed (fixed reasons plus a comment)', tag: 'renewals', auth: 'user', body: renewalDeclineSchema, status: 201 },
    ({ body, principal }) => s.renewals.declineRenewal(principal.userId, body),
  );
  route(
    { method: 'get', path: '/staff/renewals/stats', summary: 'Renewal rate by area for the packages expiring in a month, and the reasons given for not renewing', tag: 'staff', auth: { staff: 'supervisor' }, query: renewalStatsQuerySchema },
    ({ query }) => s.renewals.renewalStats(query),
  );
}
