import type { EntityManager } from '@mikro-orm/knex';
import type { PaymentOrder } from './payment-order.entity';

/**
 * Applies a paid order to what it pays for (bills, a renewal), inside the transaction that marks
 * the order paid: both commit together or neither does. Throw `DuplicatePaymentError` when what the
 * order pays for is already paid: the order is then kept as paid and refunded in full.
 */
export type Settler = (em: EntityManager, order: PaymentOrder) => Promise<unknown>;

/**
 * Undoes what an order paid for (a renewal's extension) once its successful refunds add up to
 * what was paid, inside the transaction that records the refund completing it. Must be
 * idempotent: it may be called again for an order it has already undone.
 */
export type RefundReverser = (em: EntityManager, order: PaymentOrder) => Promise<unknown>;

/** Thrown by a settler: the goods were already paid for another way; refund this payment. */
export class DuplicatePaymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DuplicatePaymentError';
  }
}
