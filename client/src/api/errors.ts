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

const CJK = /[\u4e00-\u9fff]/;

/**
 * The Chinese message to show for any thrown value: the table's words for its code. A rate limit
 * is told in the server's own words when it sent some: they say which limit was reached and when
 * to come back (该手机号今日验证码发送次数已达上限，请明天再试; 24小时内最多上传60张照片; 紧急情况请拨打
 * the hotline), where the table can only say 操作过于频繁，请稍后再试.
 */
export function errorMessageOf(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code in clientErrorMessages) return clientErrorMessages[err.code as ClientErrorCode];
    if (err.code === 'RATE_LIMITED') return serverWords(err) ?? errorMessages.RATE_LIMITED;
    return errorMessages[err.code as ErrorCode];
  }
  return errorMessages.INTERNAL;
}

/** The server's message when it is Chinese (written for the user), else null (an English internal, "HTTP 413"). */
function serverWords(err: ApiError): string | null {
  const said = err.message?.trim();
  return said && CJK.test(said) ? said : null;
}

/**
 * The table's words for a failed call, followed by the server's own when the error is one of `codes`
 * and the server says more in Chinese: what type of file it takes, how large a file may be, which
 * role an action needs. Zod's generic "请求参数有误：body.x" is left out (its field issues are shown
 * beside the form), and so is anything that is not Chinese (an English internal, "HTTP 413").
 */
export function errorMessageWithServerWords(err: unknown, codes: readonly ErrorCode[]): string {
  const base = errorMessageOf(err);
  if (!(err instanceof ApiError) || !(codes as readonly string[]).includes(err.code)) return base;
  const said = serverWords(err);
  if (!said || said.startsWith('请求参数有误') || said === base || base.includes(said)) return base;
  return `${base}：${said}`;
}
