import { errorCodes, type ErrorCode } from '@openhall/shared';
import { clientErrorMessages, errorMessages, type ClientErrorCode } from './error-messages';

/** An API or transport failure. `code` is the server's ErrorCode or a client-side one. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (errorCodes as readonly string[]).includes(code);
}

/** Converts an arbitrary server code to one the client knows; unknown codes read as INTERNAL. */
export function toErrorCode(code: unknown): ErrorCode {
  return isErrorCode(code) ? code : 'INTERNAL';
}

/** The Chinese message to show for any thrown value. */
export function errorMessageOf(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code in clientErrorMessages) return clientErrorMessages[err.code as ClientErrorCode];
    return errorMessages[err.code as ErrorCode];
  }
  return errorMessages.INTERNAL;
}
