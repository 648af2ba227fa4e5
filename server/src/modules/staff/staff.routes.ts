import type { ApiRouter } from '../../http/api-router';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

export function registerStaffDirectoryRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const agent = { staff: 'agent' } as const;
  route({ method: 'get', path: '/staff/canned-replies', summary: 'Canned texts (常用语) per console action, from the operator configuration', tag: 'staff', auth: agent }, async () =>
    s.staffDirectory.cannedReplies(),
  );
  route({ method: 'get', path: '/staff/areas', summary: "The operator's service areas (片区: code and name), from the operator configuration, e.g. for a dropdown", tag: 'staff', auth: agent }, async () =>
    s.staffDirectory.listAreas(),
  );
  route({ method: 'get', path: '/staff/users', summary: 'Active staff (name, job number, role), e.g. to transfer a ticket to', tag: 'staff', auth: agent }, () =>
    s.staffDirectory.listActiveStaff(),
  );
}
