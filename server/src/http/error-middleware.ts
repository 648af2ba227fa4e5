import { ConnectionException } from '@mikro-orm/core';
import type { Middleware } from 'koa';
import { ZodError } from 'zod';
import type { ErrorEnvelope, FieldIssue } from '@openhall/shared';
import { AppError } from './errors';
import type { AppState } from './context';

/** Turns zod issues into `{ path, message }` pairs naming the field (`body.phone`). */
export function zodIssues(err: ZodError, prefix?: string): FieldIssue[] {
  return err.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
}

/** Marks a ZodError with where it came from (body, query, params). */
export class RequestValidationError extends Error {
  constructor(
    public readonly zod: ZodError,
    public readonly source: 'body' | 'query' | 'params',
  ) {
    super('validation failed');
  }
}

/**
 * The one error middleware, first in the chain. Known errors answer as themselves; anything else
 * is logged with the request id and answered as a bare 500 that reveals nothing internal.
 */
export function errorMiddleware(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api/')) {
        throw new AppError('NOT_FOUND', 404, `没有这个接口：${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      let envelope: ErrorEnvelope;
      if (err instanceof AppError) {
        ctx.status = err.status;
        envelope = { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
        if (err.headers) ctx.set(err.headers);
      } else if (err instanceof RequestValidationError || err instanceof ZodError) {
        const issues = err instanceof RequestValidationError ? zodIssues(err.zod, err.source) : zodIssues(err);
        ctx.status = 400;
        envelope = {
          error: {
            code: 'VALIDATION_FAILED',
            message: `请求参数有误：${issues.map((i) => i.path || '(请求)').join('、')}`,
            details: { issues },
          },
        };
      } else if (isHttpError(err)) {
        // Errors raised by koa itself or by the body parser (too large, bad JSON, wrong type).
        ctx.status = err.status;
        const code = err.status === 413 ? 'PAYLOAD_TOO_LARGE' : err.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED';
        const message =
          err.status === 413 ? '请求内容过大' : err.status === 415 ? '不支持的内容类型' : '请求格式有误，无法解析';
        envelope = { error: { code, message } };
      } else if (isDatabaseUnavailable(err)) {
        // The database cannot be reached (down, restarting, out of connections, locked): not a bug
        // of this request, and over soon; /readyz says the same to the load balancer.
        ctx.status = 503;
        ctx.set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
        ctx.state.log?.warn({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'database unavailable');
        envelope = { error: { code: 'SERVICE_UNAVAILABLE', message: '服务暂时不可用，请稍后再试', details: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS } } };
      } else {
        ctx.status = 500;
        ctx.state.log?.error({ err }, 'unhandled error');
        envelope = { error: { code: 'INTERNAL', message: '服务器内部错误，请稍后再试', requestId: ctx.state.requestId } };
      }
      ctx.body = envelope;
    }
  };
}

function isHttpError(err: unknown): err is { status: number; expose: boolean } {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { status?: unknown }).status === 'number' &&
    (err as { status: number }).status >= 400 &&
    (err as { status: number }).status < 500 &&
    // koa's own errors set `expose`; the body parser's JSON SyntaxError carries only a status.
    ((err as { expose?: unknown }).expose === true || err instanceof SyntaxError)
  );
}

/** How long a client is asked to wait when the database cannot be reached. */
const DATABASE_RETRY_AFTER_SECONDS = 10;

/** Error codes that mean the database cannot be reached or cannot take the request now (network, server, SQLite file). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
]);

/**
 * Whether an error means the database is unavailable, told by its kind (the ORM's
 * ConnectionException, knex's pool timeout, the driver's error code, through `cause`), never by
 * its message text.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  if (err instanceof ConnectionException || (err as Error).name === 'KnexTimeoutError') return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('SQLITE_IOERR'))) return true;
  return isDatabaseUnavailable((err as { cause?: unknown }).cause, depth + 1);
}
