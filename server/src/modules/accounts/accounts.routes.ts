import type Router from '@koa/router';
import type { AppState } from '../../http/context';
import type { RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

export function registerAccountRoutes(_router: Router<AppState>, _registry: RouteRegistry, _prefix: string, _s: Services): void {}
