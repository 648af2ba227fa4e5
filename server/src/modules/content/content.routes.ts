import type { ApiRouter } from '../../http/api-router';
import {
  auditLogQuerySchema,
  feeSchedulesQuerySchema,
  guideCodeParamSchema,
  guidesQuerySchema,
  hallsQuerySchema,
  idParamSchema,
  noticesQuerySchema,
  pageQuerySchema,
} from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';
import { contentKindDefs } from './content.kinds';

export function registerContentRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const pub = { tag: 'content', auth: 'public', cacheable: true } as const;

  route({ ...pub, method: 'get', path: '/fee-schedules', summary: 'Fee schedules in effect (and, with includeFuture, published ahead), with material prices', query: feeSchedulesQuerySchema }, ({ query }) =>
    s.content.listFeeSchedules(query),
  );
  route({ ...pub, method: 'get', path: '/commitments', summary: 'Service commitments with machine-readable targets' }, () => s.content.listCommitments());
  route({ ...pub, method: 'get', path: '/halls', summary: 'Service halls with openNow; nearest first when lat/lng are given', query: hallsQuerySchema }, ({ query }) =>
    s.content.listHalls(query),
  );
  route({ ...pub, method: 'get', path: '/halls/:id', summary: 'One service hall (with the distance when lat/lng are given)', params: idParamSchema, query: hallsQuerySchema }, ({ params, query }) =>
    s.content.getHall(params.id, query),
  );
  route({ ...pub, method: 'get', path: '/notices', summary: 'Current and upcoming notices (planned maintenance), soonest first', query: noticesQuerySchema }, ({ query }) =>
    s.content.listNotices(query),
  );
  route({ ...pub, method: 'get', path: '/guides', summary: 'Business guides (办事指南)', query: guidesQuerySchema }, ({ query }) => s.content.listGuides(query.category));
  route({ ...pub, method: 'get', path: '/guides/:code', summary: 'One business guide', params: guideCodeParamSchema }, ({ params }) => s.content.getGuide(params.code));
  route({ ...pub, method: 'get', path: '/hotlines', summary: 'Service, repair, complaint and supervision phone numbers' }, () => s.content.listHotlines());

  // One generic editor; a route per kind so each is documented with its own input schema.
  const admin = { tag: 'staff-content', auth: { staff: 'admin' } } as const;
  for (const def of contentKindDefs) {
    const path = `/staff/content/${def.kind}`;
    route({ ...admin, method: 'get', path, summary: `List all ${def.kind} (staff)`, query: pageQuerySchema }, ({ principal, query }) =>
      s.content.listContent(principal, def.kind, query),
    );
    route({ ...admin, method: 'post', path, summary: `Publish ${def.kind}`, body: def.input, status: 201 }, ({ principal, body }) =>
      s.content.createContent(principal, def.kind, body),
    );
    route({ ...admin, method: 'put', path: `${path}/:id`, summary: `Replace ${def.kind}`, params: idParamSchema, body: def.input }, ({ principal, params, body }) =>
      s.content.updateContent(principal, def.kind, params.id, body),
    );
    route({ ...admin, method: 'delete', path: `${path}/:id`, summary: `Withdraw ${def.kind}`, params: idParamSchema }, ({ principal, params }) =>
      s.content.deleteContent(principal, def.kind, params.id),
    );
  }

  route({ ...admin, method: 'get', path: '/staff/audit-log', summary: 'Audit trail, newest first', query: auditLogQuerySchema }, ({ principal, query }) =>
    s.content.listAuditLog(principal, query),
  );
}
