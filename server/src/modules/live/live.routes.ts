import { z } from 'zod';
import type { ApiRouter } from '../../http/api-router';
import { apiErrorAnswer, RawAnswer, routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

const eventId = z.string().regex(/^\d{1,15}$/, 'must be a timeline entry id');
const liveQuerySchema = z.object({
  /** The stream token from POST /staff/live/token (EventSource cannot send Authorization). */
  token: z
    .string()
    .regex(/^\d{1,12}\.\d{1,12}\.\d{1,15}\.[A-Za-z0-9_-]{43}$/, 'must be a stream token from POST /staff/live/token (实时推送凭证格式不正确)')
    .optional(),
  /** Where a page that opens a new EventSource left off (a browser's own reconnect sends Last-Event-ID). */
  lastEventId: eventId.optional(),
});

/** The staff console's live updates: a stream token, and the Server-Sent Events stream it opens. */
export function registerLiveRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'staff live';

  route(
    { method: 'post', path: '/staff/live/token', summary: 'A token that opens the live stream for one minute (EventSource cannot send the bearer token)', tag, auth: { staff: 'agent' } },
    async ({ principal }) => s.live.issueToken(principal),
  );

  // `public` here: the stream token is checked by the service (401 without a valid one or a staff bearer token).
  route(
    {
      method: 'get',
      path: '/staff/live',
      summary: 'Server-Sent Events: committed ticket changes (ids, type, status, area; `ticket` events, `resync` when a reconnect missed too much), a heartbeat every 15 s',
      tag,
      auth: 'public',
      query: liveQuerySchema,
      raw: {
        errors: 'api',
        answers: {
          200: { description: 'The event stream, open until the client leaves (no-store, no-transform)', content: { 'text/event-stream': { type: 'string' } } },
          401: apiErrorAnswer('UNAUTHENTICATED: neither a valid stream token nor a staff bearer token'),
        },
      },
    },
    async ({ query, principal, ctx }) => {
      const header = ctx.get('Last-Event-ID');
      const last = eventId.safeParse(header).success ? header : query.lastEventId;
      const stream = await s.live.openStream({ principal, token: query.token, lastEventId: last === undefined ? undefined : Number(last) });
      // The stream outlives any request timeout: no socket inactivity limit (the heartbeat keeps
      // proxies awake), and Nagle off so each event leaves when written.
      ctx.req.setTimeout(0);
      ctx.req.socket.setNoDelay(true);
      // The response's close (not the request's, which fires once a body-less GET is read): the client left.
      ctx.res.once('close', () => stream.destroy());
      return new RawAnswer('text/event-stream; charset=utf-8', stream, {
        // no-transform: a compressing proxy must not buffer the stream; X-Accel-Buffering: nginx neither.
        'Cache-Control': 'no-store, no-transform',
        'X-Accel-Buffering': 'no',
        Connection: 'keep-alive',
      });
    },
  );
}
