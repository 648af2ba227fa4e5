import type { ApiRouter } from '../../http/api-router';
import { z } from 'zod';
import {
  createTicketSchema,
  classifyFaultSchema,
  decideExtensionSchema,
  idParamSchema,
  requestExtensionSchema,
  staffTicketQuerySchema,
  ticketListQuerySchema,
  staffReplySchema,
  ticketMessageSchema,
  ticketReasonSchema,
  transferTicketSchema,
  urlIdSchema,
} from '@openhall/shared';
import { routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

/** The subscriber behind an `auth: 'user'` route (the route has already refused anyone else). */
/** The staff member behind a staff route. */

const extensionParamSchema = z.object({ id: urlIdSchema, extensionId: urlIdSchema });

export function registerTicketRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'tickets';

  // ---- subscriber ----
  route({ method: 'post', path: '/tickets', summary: 'File a ticket on one of the user’s accounts (no photos or appointment yet)', tag, auth: 'user', body: createTicketSchema, status: 201 }, ({ body, principal }) =>
    s.tickets.filing.createTicket(principal.userId, body),
  );
  route({ method: 'get', path: '/tickets', summary: 'The user’s tickets with their commitment clocks, newest first', tag, auth: 'user', query: ticketListQuerySchema }, ({ query, principal }) =>
    s.tickets.views.listTickets(principal.userId, query),
  );
  route({ method: 'get', path: '/tickets/:id', summary: 'One of the user’s tickets with its timeline', tag, auth: 'user', params: idParamSchema }, ({ params, principal }) =>
    s.tickets.views.getTicket(principal.userId, params.id),
  );
  route(
    { method: 'post', path: '/tickets/:id/information', summary: 'Add information (resumes the clock if it waited for it)', tag, auth: 'user', params: idParamSchema, body: ticketMessageSchema },
    ({ params, body, principal }) => s.tickets.subscriber.addInformation(principal.userId, params.id, body.message),
  );
  route({ method: 'post', path: '/tickets/:id/urge', summary: 'Urge (催单): once per 12 hours, 3 times per ticket', tag, auth: 'user', params: idParamSchema }, ({ params, principal }) =>
    s.tickets.subscriber.urgeTicket(principal.userId, params.id),
  );
  route({ method: 'post', path: '/tickets/:id/cancel', summary: 'Cancel before anyone is dispatched', tag, auth: 'user', params: idParamSchema, body: ticketReasonSchema }, ({ params, body, principal }) =>
    s.tickets.subscriber.cancelTicket(principal.userId, params.id, body.reason),
  );
  route({ method: 'post', path: '/tickets/:id/confirm', summary: 'Confirm a resolved ticket is fixed', tag, auth: 'user', params: idParamSchema }, ({ params, principal }) =>
    s.tickets.subscriber.confirmResolution(principal.userId, params.id),
  );
  route({ method: 'post', path: '/tickets/:id/reopen', summary: 'Not fixed: reopen a resolved ticket', tag, auth: 'user', params: idParamSchema, body: ticketReasonSchema }, ({ params, body, principal }) =>
    s.tickets.subscriber.reopenTicket(principal.userId, params.id, body.reason),
  );

  // ---- staff console ----
  const agent = { staff: 'agent' } as const;
  route({ method: 'get', path: '/staff/tickets', summary: 'Ticket queue sorted by deadline, with type/status/area/risk filters', tag, auth: agent, query: staffTicketQuerySchema }, ({ query, principal }) =>
    s.tickets.queue.listQueue(principal, query),
  );
  route({ method: 'get', path: '/staff/calendar', summary: 'Where the holiday calendar stands: its last day, provisional years, and what to do', tag, auth: agent }, async () =>
    s.tickets.clocks.calendarStatus(),
  );
  route({ method: 'get', path: '/staff/tickets/:id', summary: 'A ticket with its whole timeline', tag, auth: agent, params: idParamSchema }, ({ params }) =>
    s.tickets.views.getStaffTicket(params.id),
  );
  route({ method: 'post', path: '/staff/tickets/:id/claim', summary: 'Claim a ticket (首问负责制: the first claim wins)', tag, auth: agent, params: idParamSchema }, ({ params, principal }) =>
    s.tickets.staff.claimTicket(principal, params.id),
  );
  route(
    {
      method: 'post',
      path: '/staff/tickets/:id/reply',
      summary:
        'Reply to the subscriber; on a WeChat Pay complaint ticket with up to 4 images uploaded for it (sent to WeChat Pay with the reply). With `idempotencyKey`, the same submit repeated answers the first reply’s result and records nothing (the same key with another text or images: 409 CONFLICT). A WeChat Pay complaint already completed there, or whose completion (反馈处理完成) is queued, takes no reply: 409 WECHATPAY_COMPLAINT_COMPLETED, nothing recorded',
      tag,
      auth: agent,
      params: idParamSchema,
      body: staffReplySchema,
    },
    ({ params, body, principal }) => s.tickets.staff.replyToTicket(principal, params.id, body.message, body.imageIds ?? [], body.idempotencyKey),
  );
  route(
    { method: 'post', path: '/staff/tickets/:id/request-information', summary: 'Ask the subscriber for information (pauses the clock)', tag, auth: agent, params: idParamSchema, body: ticketMessageSchema },
    ({ params, body, principal }) => s.tickets.staff.requestInformation(principal, params.id, body.message),
  );
  route({ method: 'post', path: '/staff/tickets/:id/transfer', summary: 'Hand the work to a colleague; the owner stays responsible', tag, auth: agent, params: idParamSchema, body: transferTicketSchema }, ({ params, body, principal }) =>
    s.tickets.staff.transferTicket(principal, params.id, body),
  );
  route({ method: 'post', path: '/staff/tickets/:id/escalate', summary: 'Escalate to the supervisors', tag, auth: agent, params: idParamSchema, body: ticketReasonSchema }, ({ params, body, principal }) =>
    s.tickets.staff.escalateTicket(principal, params.id, body.reason),
  );
  route(
    { method: 'post', path: '/staff/tickets/:id/extensions', summary: 'Request an extension (a supervisor approves)', tag, auth: agent, params: idParamSchema, body: requestExtensionSchema, status: 201 },
    ({ params, body, principal }) => s.tickets.staff.requestExtension(principal, params.id, body),
  );
  route(
    { method: 'post', path: '/staff/tickets/:id/extensions/:extensionId/decision', summary: 'Approve or reject an extension (supervisor)', tag, auth: { staff: 'supervisor' }, params: extensionParamSchema, body: decideExtensionSchema },
    ({ params, body, principal }) => s.tickets.staff.decideExtension(principal, params.id, params.extensionId, body),
  );
  route(
    { method: 'post', path: '/staff/tickets/:id/severity', summary: 'Classify an open fault as ordinary (24 h) or major (72 h), with the reason the subscriber reads (supervisor; refused to major once the ordinary deadline has passed)', tag, auth: { staff: 'supervisor' }, params: idParamSchema, body: classifyFaultSchema },
    ({ params, body, principal }) => s.tickets.staff.classifyFault(principal, params.id, body),
  );
  route({ method: 'post', path: '/staff/tickets/:id/resolve', summary: 'Resolve with the outcome the subscriber reads', tag, auth: agent, params: idParamSchema, body: ticketMessageSchema }, ({ params, body, principal }) =>
    s.tickets.staff.resolveTicket(principal, params.id, body.message),
  );

  // ---- the work-order system ----
  route(
    { method: 'post', path: '/integrations/work-orders/events', summary: 'Signed status update from the work-order system (HMAC-SHA256, ±5 min, idempotent by eventId)', tag, auth: 'public' },
    ({ ctx }) =>
      s.tickets.workOrderEvents.handleWorkOrderEvent((ctx.request as unknown as { rawBody?: string }).rawBody ?? '', {
        timestamp: ctx.get('X-WorkOrder-Timestamp') || undefined,
        signature: ctx.get('X-WorkOrder-Signature') || undefined,
      }),
  );
}
