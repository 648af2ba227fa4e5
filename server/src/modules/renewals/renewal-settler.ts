import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { addDays, businessDate, daysBetween, renewedExpiry } from '@openhall/shared';
import type { Clock } from '../../clock';
import { Subscription } from '../billing/subscription.entity';
import type { BillingSystem, SubscriptionRenewalReversedMessage, SubscriptionRenewedMessage } from '../../integrations/billing/billing.adapter';
import type { PaymentOrder } from '../payments/payment-order.entity';
import type { OutboxRunner } from '../outbox/outbox.runner';
import { enqueueOutbox } from '../outbox/outbox.service';
import { SubscriptionRenewal } from './subscription-renewal.entity';

/** Outbox topic telling the operator's billing system (BOSS) that a package was extended. */
export const SUBSCRIPTION_RENEWED_TOPIC = 'billing.subscription_renewed';
/** Outbox topic telling the billing system that a refund undid a renewal. */
export const SUBSCRIPTION_RENEWAL_REVERSED_TOPIC = 'billing.subscription_renewal_reversed';

/** What applying a renewal order did. */
export type RenewalSettlement =
  | { applied: true; subscriptionId: number; previousExpiresOn: string; newExpiresOn: string }
  | { applied: false; reason: 'already_applied'; newExpiresOn: string };

/**
 * The settler for paid renewal orders, run by the payments module inside the transaction that
 * moves the order from created to paid (that transition happens once, so this runs once per
 * order). It is idempotent on its own as well: it records the renewal under the order's id (unique)
 * and applies nothing when that record exists, so a second call for the same order, in the same
 * or another transaction, leaves the expiry as the first call set it.
 *
 * The package is locked first (SELECT … FOR UPDATE on MySQL; SQLite runs one writer at a time),
 * so two different orders for one package extend it one after the other, never from the same
 * starting point. The extension counts from max(current expiry, the business date paid).
 */
export function createRenewalSettler(clock: Clock) {
  return async function settleRenewalOrder(em: EntityManager, order: PaymentOrder): Promise<RenewalSettlement> {
    if (order.kind !== 'renewal' || order.subscriptionId === null || !order.renewalMonths) {
      throw new Error(`order ${order.id} is not a renewal order`);
    }
    const subscription = await em.findOne(Subscription, order.subscriptionId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!subscription) throw new Error(`renewal order ${order.id}: subscription ${order.subscriptionId} does not exist`);
    // A locking read sees the latest committed row even under MySQL's REPEATABLE READ snapshot.
    const done = await em.findOne(SubscriptionRenewal, { orderId: order.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (done) return { applied: false, reason: 'already_applied', newExpiresOn: done.newExpiresOn };

    const paidAt = order.paidAt ? new Date(order.paidAt) : clock.now();
    const renewedOn = businessDate(paidAt);
    const previousExpiresOn = subscription.expiresOn;
    const newExpiresOn = renewedExpiry(previousExpiresOn, renewedOn, order.renewalMonths);
    const now = clock.now();
    // Inserted straight away (not at flush): a concurrent second settlement of this order fails
    // here on the unique order id and its transaction rolls back, extending nothing.
    await em.insert(SubscriptionRenewal, {
      subscriptionId: subscription.id,
      orderId: order.id,
      months: order.renewalMonths,
      previousExpiresOn,
      newExpiresOn,
      renewedOn,
      createdAt: now,
    });
    await em.nativeUpdate(Subscription, { id: subscription.id }, { expiresOn: newExpiresOn });
    await enqueueOutbox(
      em,
      [
        {
          topic: SUBSCRIPTION_RENEWED_TOPIC,
          dedupeKey: `subscription-renewed:${order.id}`,
          payload: {
            orderId: order.id,
            outTradeNo: order.outTradeNo,
            subscriptionId: subscription.id,
            accountId: subscription.accountId,
            packageCode: subscription.packageCode,
            months: order.renewalMonths,
            amountFen: Number(order.amountFen),
            previousExpiresOn,
            newExpiresOn,
          } satisfies SubscriptionRenewedMessage,
        },
      ],
      now,
    );
    return { applied: true, subscriptionId: subscription.id, previousExpiresOn, newExpiresOn };
  };
}

/** What undoing a renewal order did. */
export type RenewalReversal =
  | { reversed: true; subscriptionId: number; expiresOnBefore: string; expiresOnAfter: string }
  | { reversed: false; reason: 'never_applied' | 'already_reversed' };

/**
 * Undoes the extension a renewal order paid for, run by the payments module inside the
 * transaction that records the refund which brings the order's refunds up to what was paid.
 * Once per order: the renewal record is marked reversed with a conditional UPDATE
 * (`… WHERE reversed_at IS NULL`), so a second call, in the same or another transaction, changes
 * nothing. An order whose renewal was never applied (a late payment refunded) has nothing to undo.
 *
 * The expiry goes back to where it was when nothing was renewed since; when later renewals were
 * stacked on top, it is shortened by the days this one added (from max(previous expiry, day paid)
 * to its new expiry), so the later renewals keep what they bought.
 */
export function createRenewalReverser(clock: Clock) {
  return async function reverseRenewalOrder(em: EntityManager, order: PaymentOrder): Promise<RenewalReversal> {
    if (order.kind !== 'renewal' || order.subscriptionId === null) throw new Error(`order ${order.id} is not a renewal order`);
    // Same lock order as the settler (package, then renewal record): no deadlock between the two.
    const subscription = await em.findOne(Subscription, order.subscriptionId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    const renewal = await em.findOne(SubscriptionRenewal, { orderId: order.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!subscription || !renewal) return { reversed: false, reason: 'never_applied' };
    if (renewal.reversedAt) return { reversed: false, reason: 'already_reversed' };

    const expiresOnBefore = subscription.expiresOn;
    const start = renewal.previousExpiresOn > renewal.renewedOn ? renewal.previousExpiresOn : renewal.renewedOn;
    const addedDays = daysBetween(start, renewal.newExpiresOn);
    const expiresOnAfter = expiresOnBefore === renewal.newExpiresOn ? renewal.previousExpiresOn : addDays(expiresOnBefore, -addedDays);
    const now = clock.now();
    const moved = await em.nativeUpdate(SubscriptionRenewal, { id: renewal.id, reversedAt: null }, { reversedAt: now, reversedExpiresOn: expiresOnAfter });
    if (moved !== 1) return { reversed: false, reason: 'already_reversed' };
    await em.nativeUpdate(Subscription, { id: subscription.id }, { expiresOn: expiresOnAfter });
    const message: SubscriptionRenewalReversedMessage = {
      orderId: order.id,
      outTradeNo: order.outTradeNo,
      subscriptionId: subscription.id,
      accountId: subscription.accountId,
      months: renewal.months,
      refundedFen: Number(order.refundedFen),
      expiresOnBefore,
      expiresOnAfter,
    };
    await enqueueOutbox(
      em,
      [{ topic: SUBSCRIPTION_RENEWAL_REVERSED_TOPIC, dedupeKey: `subscription-renewal-reversed:${order.id}`, payload: message as unknown as Record<string, unknown> }],
      now,
    );
    return { reversed: true, subscriptionId: subscription.id, expiresOnBefore, expiresOnAfter };
  };
}

/**
 * Delivers the renewal messages to the billing system through the same adapter as bill
 * write-offs (embedded default: the portal database is the record, nothing to send).
 */
export function registerRenewalOutboxHandlers(outbox: OutboxRunner, billing: BillingSystem): void {
  outbox.register(SUBSCRIPTION_RENEWED_TOPIC, (payload, m) => billing.recordRenewal(payload as unknown as SubscriptionRenewedMessage, m.dedupeKey));
  outbox.register(SUBSCRIPTION_RENEWAL_REVERSED_TOPIC, (payload, m) =>
    billing.reverseRenewal(payload as unknown as SubscriptionRenewalReversedMessage, m.dedupeKey),
  );
}
