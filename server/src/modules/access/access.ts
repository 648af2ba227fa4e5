import type { EntityManager } from '@mikro-orm/core';
import { NotFoundError } from '../../http/errors';
import { Account } from '../accounts/account.entity';
import { AccountBinding } from '../accounts/account-binding.entity';
import { Bill } from '../billing/bill.entity';
import { Subscription } from '../billing/subscription.entity';
import { PaymentOrder } from '../payments/payment-order.entity';
import { Ticket } from '../tickets/ticket.entity';

/*
 * Who may reach what, for every subscriber-facing service method: one rule, checked on the method's
 * first line. A subscriber reaches an account through their binding of it; a bill and a package
 * (subscription) through their account; a payment order or a ticket by having made it. What a subscriber may not reach
 * answers 404 exactly like what does not exist, so ids reveal nothing. Each check takes the entity
 * manager of the caller (its fork or its transaction) so it reads what the caller reads.
 */

/** Whether the user has bound the account. */
export async function isBound(em: EntityManager, userId: number, accountId: number): Promise<boolean> {
  return (await em.count(AccountBinding, { userId, accountId })) > 0;
}

/** Of `accountIds`, those the user has bound. */
export async function boundAmong(em: EntityManager, userId: number, accountIds: readonly number[]): Promise<Set<number>> {
  if (accountIds.length === 0) return new Set();
  const rows = await em.find(AccountBinding, { userId, accountId: { $in: [...accountIds] } }, { fields: ['accountId'] });
  return new Set(rows.map((b) => b.accountId));
}

/** The user's binding of the account; 404 户号 when there is none. */
export async function requireBinding(em: EntityManager, userId: number, accountId: number): Promise<AccountBinding> {
  const binding = await em.findOne(AccountBinding, { userId, accountId });
  if (!binding) throw new NotFoundError('户号');
  return binding;
}

/** 404 户号 unless the user has bound the account. */
export async function requireBound(em: EntityManager, userId: number, accountId: number): Promise<void> {
  if (!(await isBound(em, userId, accountId))) throw new NotFoundError('户号');
}

/** The account, if the user has bound it; 404 户号 otherwise. */
export async function requireBoundAccount(em: EntityManager, userId: number, accountId: number): Promise<Account> {
  await requireBound(em, userId, accountId);
  const account = await em.findOne(Account, accountId);
  if (!account) throw new NotFoundError('户号');
  return account;
}

/**
 * The bill, if its account is bound to the user; 404 账单 otherwise, exactly like a bill that does
 * not exist. A cancelled bill (冲正) is gone for its owner too.
 */
export async function requireOwnBill(em: EntityManager, userId: number, billId: number): Promise<Bill> {
  const bill = await em.findOne(Bill, billId);
  if (!bill || bill.status === 'cancelled' || !(await isBound(em, userId, bill.accountId))) throw new NotFoundError('账单');
  return bill;
}

/** The package and its account, if the user has bound that account; 404 套餐 otherwise. */
export async function requireOwnSubscription(em: EntityManager, userId: number, subscriptionId: number): Promise<{ subscription: Subscription; account: Account }> {
  const subscription = await em.findOne(Subscription, subscriptionId);
  if (!subscription || !(await isBound(em, userId, subscription.accountId))) throw new NotFoundError('套餐');
  const account = await em.findOneOrFail(Account, subscription.accountId);
  return { subscription, account };
}

/** The payment order, if the user made it; 404 支付订单 otherwise. */
export async function requireOwnOrder(em: EntityManager, userId: number, orderId: number): Promise<PaymentOrder> {
  const order = await em.findOne(PaymentOrder, { id: orderId, userId });
  if (!order) throw new NotFoundError('支付订单');
  return order;
}

/** The ticket, if the user filed it; 404 工单 otherwise. */
export async function requireOwnTicket(em: EntityManager, userId: number, ticketId: number): Promise<Ticket> {
  const ticket = await em.findOne(Ticket, { id: ticketId, userId });
  if (!ticket) throw new NotFoundError('工单');
  return ticket;
}

/** Who is asking for a ticket's things (its photos): its subscriber, or staff. */
export type TicketViewer = { kind: 'user'; userId: number } | { kind: 'staff' };

/** 404 工单 unless the ticket exists and, for a subscriber, they filed it; staff see every ticket. */
export async function requireVisibleTicket(em: EntityManager, viewer: TicketViewer, ticketId: number): Promise<void> {
  if (viewer.kind === 'user') await requireOwnTicket(em, viewer.userId, ticketId);
  else if ((await em.count(Ticket, { id: ticketId })) === 0) throw new NotFoundError('工单');
}
