import Taro from '@tarojs/taro';
import { apiBase } from './config';
import { ApiError, toErrorCode } from './errors';
import { clearToken, getToken } from './token';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method?: HttpMethod;
  /** JSON body for writes; query parameters for GET (undefined values are dropped). */
  data?: Record<string, unknown>;
  /** Send without the bearer token even when one is stored. */
  anonymous?: boolean;
  /** Where the bearer token comes from; default the subscriber's session. The staff console passes its own. */
  tokens?: TokenStore;
  /** Answer the body as text (an HTML page such as a receipt) instead of unwrapping `{ data }`. */
  text?: boolean;
  /**
   * A body sent as it is, with its content type, instead of JSON `data`: a file (H5: the browser's
   * File, streamed by fetch from disk; mini-program: its bytes).
   */
  body?: { data: Blob | ArrayBuffer; type: string };
  /** How long to wait for the answer, in ms (DEFAULT_TIMEOUT_MS otherwise): uploads of large files take longer. */
  timeout?: number;
}

/**
 * How long a request may hang before the page says so and offers 重试 (ApiError TIMEOUT). Taro's own
 * defaults are 60 s, long enough for a subscriber to think the page is broken.
 */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** A session token kept somewhere: the subscriber's (api/token.ts) or the staff console's (api/staff.ts). */
export interface TokenStore {
  get(): string | null;
  clear(): void;
}

const subscriberTokens: TokenStore = { get: getToken, clear: clearToken };

/** Called when the server says the session is gone, so the app can prompt a new sign-in. */
let onUnauthenticated: (() => void) | null = null;
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

function cleanQuery(data: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === undefined || v === null) continue;
    out[k] = v as string | number | boolean;
  }
  return out;
}

/**
 * The one way the client talks to the API (`/api/v1` + path). Adds the bearer token, unwraps
 * `{ data }`, and throws ApiError for `{ error }`, for a non-JSON answer, and for network failures.
 */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const header: Record<string, string> = { Accept: 'application/json' };
  const tokens = options.tokens ?? subscriberTokens;
  const token = options.anonymous ? null : tokens.get();
  if (token) header.Authorization = `Bearer ${token}`;
  let data: unknown;
  if (options.body) {
    data = options.body.data;
    header['Content-Type'] = options.body.type;
  } else if (options.data) {
    if (method === 'GET') data = cleanQuery(options.data);
    else {
      data = options.data;
      header['Content-Type'] = 'application/json';
    }
  }

  let res: Awaited<ReturnType<typeof Taro.request>>;
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // Our own clock as well as Taro's: whatever the platform does with `timeout` (H5 aborts the
    // fetch, the mini-program fails with "timeout"), the caller hears TIMEOUT when it runs out.
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ApiError('TIMEOUT', `no answer within ${timeout} ms`, 0)), timeout);
    });
    res = await Promise.race([
      Taro.request({
        url: `${apiBase()}/api/v1${path}`,
        method,
        data: data as never,
        header,
        dataType: options.text ? 'text' : 'json',
        timeout,
      }),
      timedOut,
    ]);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const errMsg = (err as { errMsg?: string })?.errMsg ?? String(err);
    throw new ApiError(/timeout|abort/i.test(errMsg) ? 'TIMEOUT' : 'NETWORK', errMsg, 0);
  } finally {
    if (timer) clearTimeout(timer);
  }

  const status = res.statusCode;
  const body = typeof res.data === 'string' && res.data !== '' ? safeParse(res.data) : res.data;
  if (status >= 200 && status < 300) {
    if (options.text) return (typeof res.data === 'string' ? res.data : '') as T;
    if (status === 204 || body === '' || body === undefined || body === null) return undefined as T;
    if (typeof body === 'object' && 'data' in (body as object)) return (body as { data: T }).data;
    throw new ApiError('BAD_RESPONSE', 'response without data', status);
  }

  const envelope = body as { error?: { code?: unknown; message?: string; details?: unknown } } | undefined;
  const code = envelope?.error ? toErrorCode(envelope.error.code) : status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL';
  if (code === 'UNAUTHENTICATED' && token) {
    tokens.clear();
    // The handler's own failure must not replace this answer's error.
    if (tokens === subscriberTokens) {
      try {
        onUnauthenticated?.();
      } catch {
        // ignored: the caller still gets UNAUTHENTICATED below
      }
    }
  }
  throw new ApiError(code, envelope?.error?.message ?? `HTTP ${status}`, status, envelope?.error?.details);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
