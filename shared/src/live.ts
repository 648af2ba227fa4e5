import { z } from 'zod';
import { ticketStatuses, ticketTypes } from './tickets';

/**
 * What the staff console's live stream (`GET /staff/live`, Server-Sent Events) says about a ticket
 * when a change to it has committed: which ticket, and the facts its queue row is filtered and
 * sorted by. Nothing the subscriber wrote (description, replies, phone) travels on the stream: the
 * console reads those through the API, with its access checks, when it shows them.
 */
export const staffLiveTicketEventSchema = z.object({
  /** The stream's event id: the newest ticket-timeline entry (ticket_event.id) this message covers. */
  id: z.number().int().positive(),
  ticketId: z.number().int().positive(),
  /** True when the ticket was filed in the change (a new ticket for the queue's badge). */
  created: z.boolean(),
  type: z.enum(ticketTypes),
  status: z.enum(ticketStatuses),
  /** The area's code (the queue's filter) and its published name. */
  area: z.string(),
  areaName: z.string(),
  /** What happened, as timeline kinds (`submitted`, `accepted`, `urged`, `reply`, `wo_dispatched`, …). */
  kinds: z.array(z.string().max(32)).max(50),
});
export type StaffLiveTicketEvent = z.infer<typeof staffLiveTicketEventSchema>;

/** A short-lived token that opens the live stream: EventSource cannot send the Authorization header. */
export interface StaffLiveTokenView {
  token: string;
  expiresAt: string;
}

/**
 * SSE event names on the stream: `ticket` carries a {@link StaffLiveTicketEvent}; `resync` says the
 * stream could not replay everything missed since `Last-Event-ID`, so the page should reload its list.
 */
export const STAFF_LIVE_EVENTS = { ticket: 'ticket', resync: 'resync' } as const;
