import type { EntityManager } from '@mikro-orm/knex';
import { NOTIFICATION_KIND_RULES, STAFF_ACCOUNT_LIST_LIMIT, type InvoiceState, type StaffNotificationView, type StaffOverviewPayment, type StaffOverviewTicket } from '@openhall/shared';
import { Account } from '../accounts/account.entity';
import type { Invoice } from '../invoices/invoice.entity';
import { Notification } from '../notifications/notification.entity';
import type { PaymentOrder } from '../payments/payment-order.entity';
import { Refund } from '../payments/refund.entity';
import { TicketCallback } from '../tickets/ticket-callback.entity';
import { TicketRating } from '../tickets/ticket-rating.entity';
import type { Ticket } from '../tickets/ticket.entity';

/**
 * What the console's account page and subscriber page show alike (tickets with their ratings and
 * callbacks, orders with their refunds, notices with their outcome, invoices), each list read by
 * index through the rows in hand and bounded.
 */

export const LIMIT = STAFF_ACCOUNT_LIST_LIMIT;
export const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** Tickets with their ratings and callbacks (two reads by ticket id). */
export async function ticketsWithOutcomes(em: EntityManager, tickets: Ticket[]): Promise<Array<StaffOverviewTicket & { accountId: number }>> {
  const ids = tickets.map((t) => t.id);
  const [ratings, callbacks] = ids.length
    ? await Promise.all([em.find(TicketRating, { ticketId: { $in: ids } }, { orderBy: { id: 'asc' } }), em.find(TicketCallback, { ticketId: { $in: ids } }, { orderBy: { id: 'asc' } })])
    : [[], []];
  return tickets.map((t) => ({
    id: t.id,
    accountId: t.accountId,
    type: t.type,
    status: t.status,
    channel: t.channel,
    createdAt: iso(t.createdAt)!,
    resolvedAt: iso(t.resolvedAt),
    ratings: ratings.filter((r) => r.ticketId === t.id).map((r) => ({ stars: r.stars, comment: r.comment, createdAt: iso(r.createdAt)! })),
    callbacks: callbacks.filter((c) => c.ticketId === t.id).map((c) => ({ status: c.status, outcome: c.outcome, stars: c.stars, completedAt: iso(c.completedAt) })),
  }));
}

/** Orders with their refunds (one read by order id). */
export async function paymentsWithRefunds(em: EntityManager, orders: PaymentOrder[]): Promise<Array<StaffOverviewPayment & { accountId: number | null }>> {
  const refunds = orders.length ? await em.find(Refund, { orderId: { $in: orders.map((o) => o.id) } }, { orderBy: { id: 'asc' } }) : [];
  return orders.map((o) => ({
    outTradeNo: o.outTradeNo,
    accountId: o.accountId,
    kind: o.kind,
    channel: o.channel,
    status: o.status,
    amountFen: o.amountFen,
    paidAt: iso(o.paidAt),
    createdAt: iso(o.createdAt)!,
    refunds: refunds.filter((r) => r.orderId === o.id).map((r) => ({ amountFen: r.amountFen, status: r.status, reason: r.reason, createdAt: iso(r.createdAt)! })),
  }));
}

/** Notices by user or by account, newest first, through their indexes, with the account numbers they were about. */
export async function notificationsOf(em: EntityManager, where: { userId: number } | { accountId: number }, known: Map<number, string> = new Map()): Promise<StaffNotificationView[]> {
  const rows = await em.find(Notification, where, { orderBy: { id: 'desc' }, limit: LIMIT });
  const accountNos = await accountNumbers(em, rows.map((n) => n.accountId), known);
  return rows.map((n) => ({
    event: n.event,
    eventName: NOTIFICATION_KIND_RULES[n.event]?.name ?? n.event,
    channel: n.channel,
    status: n.status,
    providerId: n.providerId,
    detail: n.detail,
    attempts: n.attempts,
    accountNo: n.accountId === null ? null : (accountNos.get(n.accountId) ?? null),
    ticketId: n.ticketId,
    createdAt: iso(n.createdAt)!,
    sentAt: iso(n.sentAt),
    deliveredAt: iso(n.deliveredAt),
  }));
}

/** Account numbers by id: those in hand, the rest in one read. */
export async function accountNumbers(em: EntityManager, ids: Array<number | null>, known: Map<number, string> = new Map()): Promise<Map<number, string>> {
  const map = new Map(known);
  const missing = [...new Set(ids.filter((id): id is number => id !== null && !map.has(id)))];
  if (missing.length) for (const a of await em.find(Account, { id: { $in: missing } }, { fields: ['id', 'accountNo'] })) map.set(a.id, a.accountNo);
  return map;
}

/** An invoice's state as the console names it (a reversal in progress or done shows over the issue state). */
export function invoiceStateOf(inv: Pick<Invoice, 'status' | 'reversalStatus'>): InvoiceState {
  if (inv.reversalStatus === 'reversed') return 'reversed';
  if (inv.reversalStatus === 'requested') return 'reversing';
  return inv.status;
}
