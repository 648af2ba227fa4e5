import type { ErrorCode } from '@openhall/shared';

/** An error the API answers with as it is: code, HTTP status, a message a person can act on. */
export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    public readonly status: number,
    message: string,
    public readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After. */
    public readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class NotFoundError extends AppError {
  constructor(what = '记录') {
    super('NOT_FOUND', 404, `${what}不存在`);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = '请先登录') {
    super('UNAUTHENTICATED', 401, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = '没有权限执行此操作') {
    super('FORBIDDEN', 403, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super('CONFLICT', 409, message, details);
  }
}

export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', 429, message, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
  }
}
