import type { AppointmentSlotQuery, AppointmentSlotsView, CreateTicketInput, OutageView, Page, RateTicketInput, TicketRatingView, TicketStatus, TicketView, UploadView } from '@openhall/shared';
import { request } from './request';

// The subscriber's tickets (工单). Answers are typed by the server's own views (shared/src/tickets.ts).

/** Files a fault report, complaint or request on one of the user's bound accounts. */
export function createTicket(input: CreateTicketInput): Promise<TicketView> {
  return request<TicketView>('/tickets', { method: 'POST', data: { ...input } });
}

/** The user's tickets, newest first. */
export function listTickets(query: { status?: TicketStatus; page?: number; pageSize?: number } = {}): Promise<Page<TicketView>> {
  return request<Page<TicketView>>('/tickets', { data: { ...query } });
}

/** One ticket with its timeline and commitment clock. */
export function getTicket(id: number): Promise<TicketView> {
  return request<TicketView>(`/tickets/${id}`);
}

/** Adds information; if staff were waiting for it, the commitment clock runs again. */
export function addTicketInformation(id: number, message: string): Promise<TicketView> {
  return request<TicketView>(`/tickets/${id}/information`, { method: 'POST', data: { message } });
}

/** 催单: the server limits it (once per 12 hours, 3 times per ticket). */
export function urgeTicket(id: number): Promise<TicketView> {
  return request<TicketView>(`/tickets/${id}/urge`, { method: 'POST' });
}

/** Cancels before anyone is dispatched. */
export function cancelTicket(id: number, reason: string): Promise<TicketView> {
  return request<TicketView>(`/tickets/${id}/cancel`, { method: 'POST', data: { reason } });
}

/** Confirms a resolved ticket is fixed; the ticket is closed. */
export function confirmTicket(id: number): Promise<TicketView> {
  return request<TicketView>(`/tickets/${id}/confirm`, { method: 'POST' });
}

/** "Not fixed": reopens a resolved ticket. */
export function reopenTicket(id: number, reason: string): Promise<TicketView> {
  return request<TicketView>(`/tickets/${id}/reopen`, { method: 'POST', data: { reason } });
}

/** Home-visit half-day slots in the area of one of the user's accounts, with capacity left. */
export function listAppointmentSlots(accountId: number, type: AppointmentSlotQuery['type']): Promise<AppointmentSlotsView> {
  return request<AppointmentSlotsView>('/appointment-slots', { data: { accountId, type } });
}

/** Whether the ticket can still be rated, until when, and the rating given. */
export function getTicketRating(id: number): Promise<TicketRatingView> {
  return request<TicketRatingView>(`/tickets/${id}/rating`);
}

/** Rates a resolved ticket; 2 stars or fewer brings a phone callback from staff. */
export function rateTicket(id: number, input: RateTicketInput): Promise<TicketRatingView> {
  return request<TicketRatingView>(`/tickets/${id}/rating`, { method: 'POST', data: { ...input } });
}

/** Active area outages covering one of the user's accounts: shown before a fault is reported. */
export function listOutagesFor(accountId: number): Promise<OutageView[]> {
  return request<OutageView[]>('/outages', { data: { accountId } });
}

/** The photos the user attached to one of their tickets, oldest first. */
export function listTicketPhotos(id: number): Promise<UploadView[]> {
  return request<UploadView[]>(`/tickets/${id}/photos`);
}

/** Where one photo's bytes are (needs the bearer token: load it with platform `loadPrivateImage`). */
export function ticketPhotoPath(ticketId: number, photoId: number): string {
  return `/tickets/${ticketId}/photos/${photoId}`;
}
