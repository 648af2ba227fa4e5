import type { ParameterizedContext } from 'koa';
import type { ZodType } from 'zod';
import type { ApiRouter } from '../../http/api-router';
import type { AppState } from '../../http/context';
import { RequestValidationError } from '../../http/error-middleware';
import { apiErrorAnswer, authorize, type PrincipalFor, type RawAnswers, type RouteAuth, type RouteRegistry } from '../../http/route';

/** Stored image bytes as a route answers them: the type sniffed when they were stored, their sha256 as the ETag. */
export interface StoredImage {
  contentType: string;
  bytes: Buffer;
  sha256: string;
}

export interface ImageRouteSpec<P, A extends RouteAuth> {
  path: string;
  auth: A;
  summary: string;
  tag: string;
  params: ZodType<P>;
  /** The media types the bytes may have, for the API document. */
  contentTypes: readonly string[];
  /** The 404's description in the API document. */
  notFound: string;
}

/**
 * A GET answering stored image bytes (a ticket's photos, the images sent with a WeChat Pay
 * complaint reply): not JSON, so registered for the API document and answered by hand, after the
 * same access check and parameter validation as any route. Private caching for an hour with the
 * ETag, `nosniff` and `inline`, so a browser shows the image and never runs it as anything else.
 */
export function defineImageRoute<P, A extends RouteAuth>(
  router: ApiRouter,
  registry: RouteRegistry,
  prefix: string,
  spec: ImageRouteSpec<P, A>,
  read: (params: P, principal: PrincipalFor<A>) => Promise<StoredImage>,
): void {
  const raw: RawAnswers = {
    errors: 'api',
    answers: {
      200: {
        description: 'The image’s bytes, typed as sniffed when stored (private, an hour; ETag)',
        content: Object.fromEntries(spec.contentTypes.map((type) => [type, { type: 'string', format: 'binary' }])),
      },
      404: apiErrorAnswer(spec.notFound),
    },
  };
  registry.routes.push({ spec: { method: 'get', path: spec.path, summary: spec.summary, tag: spec.tag, auth: spec.auth, params: spec.params as ZodType<unknown>, raw }, fullPath: prefix + spec.path });
  router.get(spec.path, async (ctx: ParameterizedContext<AppState>) => {
    const principal = authorize(spec.auth, ctx.state.principal);
    const parsed = spec.params.safeParse(ctx.params);
    if (!parsed.success) throw new RequestValidationError(parsed.error, 'params');
    const file = await read(parsed.data, principal);
    ctx.type = file.contentType;
    ctx.set('Cache-Control', 'private, max-age=3600');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Disposition', 'inline');
    ctx.etag = file.sha256;
    ctx.body = file.bytes;
  });
}
