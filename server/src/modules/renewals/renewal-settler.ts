import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { businessDate, renewedExpiry } from '@openhall/shared';
import type { Clock } from '../../deps';
import { Subscription } from '../billing/subscription.entity';
import type { PaymentOrder } from '../payments/payment-order.entity';
import { enqueueOnce } from './renewal-outbox';
import { SubscriptionRenewal } from './subscription-renewal.entity';

/** Outbox topic telling the operator's billing system (BOSS) that a package was extended. */
export const SUBSCRIPTION_RENEWED_TOPIC = 'billing.subscription_renewed';

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
    await enqueueOnce(
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
          },
        },
      ],
      now,
    );
    return { applied: true, subscriptionId: subscription.id, previousExpiresOn, newExpiresOn };
  };
}

export type RenewalSettler = ReturnType<typeof createRenewalSettler>;
