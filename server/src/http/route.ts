import type { ApiRouter } from './api-router';
import type { Readable } from 'node:stream';
import type { ParameterizedContext } from 'koa';
import { z, type ZodType } from 'zod';
import type { StaffRole } from '@openhall/shared';
import { RequestValidationError } from './error-middleware';
import type { PublicAnswers } from './public-answers';
import { ForbiddenError, UnauthenticatedError } from './errors';
import type { AppState, Principal, StaffPrincipal, UserPrincipal } from './context';

/**
 * What a handler returns to answer with something other than `{ data }` JSON: a CSV file, a stream
 * of NDJSON, a page. The status is the route's; the type and headers are the answer's.
 */
export class RawAnswer {
  constructor(
    readonly type: string,
    readonly body: string | Buffer | Readable,
    readonly headers: Record<string, string> = {},
  ) {}
}

/**
 * One answer a route sends in its own terms, as the API document lists it: a page, a file, a
 * stream, or a provider's protocol. `content` maps each media type the answer may have to the JSON
 * schema of its body (bytes: `{ type: 'string', format: 'binary' }`); without it the answer has no body.
 */
export interface RawAnswerDoc {
  description: string;
  content?: Record<string, Record<string, unknown>>;
}

/**
 * What a route that does not answer `{ data }` answers, by status, for the API document. `errors`
 * says in whose terms it fails: `'api'`, through the error middleware like any route (the `{ error }`
 * envelope: 400 for its input, 401/403 by its auth, and any other status listed with
 * {@link apiErrorAnswer}); `'own'`, a provider's callback, which answers every outcome itself, so
 * only what is listed here.
 */
export interface RawAnswers {
  answers: Record<number, RawAnswerDoc>;
  errors: 'api' | 'own';
}

/** A listed failure in the API's own terms (the `{ error }` envelope), for a route with raw answers. */
export function apiErrorAnswer(description: string): RawAnswerDoc {
  return { description, content: { 'application/json': { $ref: '#/components/schemas/ErrorEnvelope' } } };
}

/** Who may call a route: anyone, a signed-in subscriber, or staff of at least the given role. */
export type RouteAuth = 'public' | 'user' | { staff: StaffRole };

/**
 * The principal a handler receives, typed by its route's rule: the router has already refused
 * anyone else, so a `'user'` route's handler reads `principal.userId` without a cast.
 */
export type PrincipalFor<A extends RouteAuth> = A extends 'user' ? UserPrincipal : A extends { staff: StaffRole } ? StaffPrincipal : Principal | undefined;

const roleRank: Record<StaffRole, number> = { agent: 1, supervisor: 2, admin: 3 };

export interface RouteSpec<B, Q, P, A extends RouteAuth = RouteAuth> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** koa-router path relative to the router prefix, e.g. `/bills/:id`. */
  path: string;
  summary: string;
  tag: string;
  auth: A;
  body?: ZodType<B>;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  /** HTTP status on success (default 200), or a function of the handler's result. */
  status?: number | ((data: unknown) => number);
  /** Public, cacheable content: answered with an ETag and honours If-None-Match. */
  cacheable?: boolean;
  /**
   * Set when the route answers something other than `{ data }` (its handler returns a
   * {@link RawAnswer}, or the route is answered by hand): what it really sends, for the API document.
   */
  raw?: RawAnswers;
}

export interface RouteInput<B, Q, P, A extends RouteAuth = RouteAuth> {
  body: B;
  query: Q;
  params: P;
  principal: PrincipalFor<A>;
  ctx: ParameterizedContext<AppState>;
}

/** A documented route, kept for the OpenAPI document. */
export interface RegisteredRoute {
  spec: RouteSpec<unknown, unknown, unknown>;
  fullPath: string;
}

/** Collects routes as they are defined so the OpenAPI document is generated from the same schemas. */
export class RouteRegistry {
  readonly routes: RegisteredRoute[] = [];

  /** Where cacheable answers are rendered and kept. */
  constructor(readonly answers: PublicAnswers) {}
}

function parse<T>(schema: ZodType<T> | undefined, value: unknown, source: 'body' | 'query' | 'params'): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (!result.success) throw new RequestValidationError(result.error, source);
  return result.data;
}

/**
 * Checks the principal against the route's rule and answers it typed by that rule; the first line
 * of defence, services check ownership.
 */
export function authorize<A extends RouteAuth>(auth: A, principal: Principal | undefined): PrincipalFor<A> {
  if (auth === 'user') {
    if (principal?.kind !== 'user') throw new UnauthenticatedError();
  } else if (auth !== 'public') {
    if (principal?.kind !== 'staff') throw new UnauthenticatedError('请先以工作人员身份登录');
    const wanted = (auth as { staff: StaffRole }).staff;
    if (roleRank[principal.role] < roleRank[wanted]) throw new ForbiddenError(`此操作需要${roleNames[wanted]}权限`);
  }
  return principal as PrincipalFor<A>;
}

const roleNames: Record<StaffRole, string> = { agent: '客服', supervisor: '班长', admin: '管理员' };

/**
 * Defines a route: check access, validate input, call the handler, wrap its result in `{ data }`.
 * Routes stay thin; the handler is one service call.
 */
export function defineRoute<B = undefined, Q = undefined, P = undefined, A extends RouteAuth = RouteAuth>(
  router: ApiRouter,
  registry: RouteRegistry,
  prefix: string,
  spec: RouteSpec<B, Q, P, A>,
  handler: (input: RouteInput<B, Q, P, A>) => Promise<unknown>,
): void {
  registry.routes.push({ spec: spec as RouteSpec<unknown, unknown, unknown>, fullPath: prefix + spec.path });
  router[spec.method](spec.path, async (ctx) => {
    const principal = authorize(spec.auth, ctx.state.principal);
    const params = parse(spec.params, ctx.params, 'params');
    const query = parse(spec.query, ctx.query, 'query');
    const body = parse(spec.body, (ctx.request as unknown as { body?: unknown }).body ?? {}, 'body');
    const data = await handler({ body, query, params, principal, ctx });
    ctx.status = typeof spec.status === 'function' ? spec.status(data) : (spec.status ?? 200);
    if (ctx.status === 204) return;
    if (data instanceof RawAnswer) {
      ctx.type = data.type;
      ctx.set(data.headers);
      ctx.body = data.body;
      return;
    }
    // Public content: serialized, tagged and compressed once, and kept for repeats of the URL.
    if (spec.cacheable && data !== null && typeof data === 'object') {
      registry.answers.send(ctx, data, 'public, max-age=60');
      return;
    }
    ctx.body = { data };
  });
}

function toSchema(schema: ZodType | undefined, io: 'input' | 'output'): Record<string, unknown> | undefined {
  if (!schema) return undefined;
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
}

/** Builds the OpenAPI 3 document from the registered routes' zod schemas. */
export function buildOpenApi(registry: RouteRegistry, info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { spec, fullPath } of registry.routes) {
    const oaPath = fullPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [source, where] of [
      ['params', 'path'],
      ['query', 'query'],
    ] as const) {
      const s = toSchema(spec[source], 'input');
      const props = (s?.properties ?? {}) as Record<string, unknown>;
      const required = new Set((s?.required as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries(props)) {
        parameters.push({ name, in: where, required: where === 'path' || required.has(name), schema });
      }
    }
    const apiErrors = spec.raw?.errors !== 'own';
    const responses: Record<string, unknown> = {
      ...(spec.raw ? {} : { [String(typeof spec.status === 'number' ? spec.status : 200)]: { description: 'OK: `{ data }`' } }),
      ...(apiErrors ? { '400': { description: 'VALIDATION_FAILED with the field issues', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } } } } : {}),
      ...(apiErrors && spec.auth !== 'public' ? { '401': { description: 'UNAUTHENTICATED' } } : {}),
      ...(apiErrors && typeof spec.auth === 'object' ? { '403': { description: 'FORBIDDEN' } } : {}),
    };
    for (const [status, doc] of Object.entries(spec.raw?.answers ?? {})) {
      const content = doc.content && Object.fromEntries(Object.entries(doc.content).map(([type, schema]) => [type, { schema }]));
      responses[status] = { description: doc.description, ...(content ? { content } : {}) };
    }
    const op: Record<string, unknown> = { summary: spec.summary, tags: [spec.tag], parameters, responses };
    if (spec.auth !== 'public') op.security = [{ bearer: [] }];
    const body = toSchema(spec.body, 'input');
    if (body) op.requestBody = { required: true, content: { 'application/json': { schema: body } } };
    (paths[oaPath] ??= {})[spec.method] = op;
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ErrorEnvelope: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {}, requestId: { type: 'string' } },
            },
          },
        },
      },
    },
  };
}

/** A `defineRoute` bound to one router, for a module's route file: `const route = routeDefiner(...)`. */
export function routeDefiner(router: ApiRouter, registry: RouteRegistry, prefix: string) {
  return <B = undefined, Q = undefined, P = undefined, A extends RouteAuth = RouteAuth>(
    spec: RouteSpec<B, Q, P, A>,
    handler: (input: RouteInput<B, Q, P, A>) => Promise<unknown>,
  ): void => defineRoute(router, registry, prefix, spec, handler);
}
