import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { AppState } from './context';

const incomingIdPattern = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Gives each request an id (kept from a trusted proxy's `x-request-id` when well-formed), a child
 * logger that carries it, and one log line at the end with route, status and duration.
 */
export function requestContext(logger: Logger): Middleware<AppState> {
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    const incoming = ctx.get('x-request-id');
    const requestId = incomingIdPattern.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    // Made when first used: most requests (a kept public answer, a quiet LOG_LEVEL) never log.
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', { get: () => (log ??= logger.child({ requestId })), enumerable: true, configurable: true });
    ctx.set('x-request-id', requestId);
    try {
      await next();
    } finally {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? null;
      const status = ctx.status;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      // The record is built only when it will be written (LOG_LEVEL may leave request lines out).
      if (logger.isLevelEnabled(level)) {
        ctx.state.log[level]({ method: ctx.method, path: ctx.path, route, status, durationMs: Math.round(durationMs * 10) / 10, ip: ctx.ip }, 'request');
      }
    }
  };
}
