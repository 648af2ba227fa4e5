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
    const op: Record<string, unknown> = {
      summary: spec.summary,
      tags: [spec.tag],
      parameters,
      responses: {
        [String(typeof spec.status === 'number' ? spec.status : 200)]: { description: 'OK: `{ data }`' },
        '400': { description: 'VALIDATION_FAILED with the field issues', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } } },
        ...(spec.auth !== 'public' ? { '401': { description: 'UNAUTHENTICATED' } } : {}),
        ...(typeof spec.auth === 'object' ? { '403': { description: 'FORBIDDEN' } } : {}),
      },
    };
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
