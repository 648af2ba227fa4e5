import type Router from '@koa/router';
import type { AppDeps } from '../../deps';
import type { AppState } from '../../http/context';
import { pendingMigrations } from '../../db';

/** `/healthz`: the process is up. `/readyz`: the database answers and every migration is applied. */
export function registerHealthRoutes(router: Router<AppState>, deps: AppDeps): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const checks: Record<string, string> = {};
    let ready = true;
    try {
      await deps.orm.em.getConnection().execute('select 1');
      checks.database = 'ok';
      const pending = await pendingMigrations(deps.orm);
      checks.migrations = pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`;
      ready = pending.length === 0;
    } catch (err) {
      deps.logger.warn({ err }, 'readiness check failed');
      checks.database = 'unreachable';
      ready = false;
    }
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks };
  });
}
