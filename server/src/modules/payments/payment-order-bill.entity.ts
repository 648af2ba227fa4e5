import { EntitySchema } from '@mikro-orm/core';
import type { BillReversal } from '@openhall/shared';

/**
 * A bill inside a payment order, with the amounts fixed when the order was created.
 * `openLock` is 1 while the order is open and NULL afterwards: a unique index on
 * (billId, openLock) lets the database itself refuse a second open order for the same bill.
 */
export class PaymentOrderBill {
  id!: number;
  orderId!: number;
  billId!: number;
  amountFen!: number;
  lateFeeFen!: number;
  openLock: number | null = 1;
  /** Set once, when a full refund of the order undid its bills (see PaymentsService.reverseBills). */
  reversedAt: Date | null = null;
  /** What that did to this bill: owed again, or kept as it was (no longer this order's). */
  reversal: BillReversal | null = null;
}

export const PaymentOrderBillSchema = new EntitySchema<PaymentOrderBill>({
  class: PaymentOrderBill,
  tableName: 'payment_order_bill',
  uniques: [{ name: 'payment_order_bill_open_unique', properties: ['billId', 'openLock'] }],
  indexes: [
    { name: 'payment_order_bill_order_idx', properties: ['orderId'] },
    { name: 'payment_order_bill_bill_reversed_idx', properties: ['billId', 'reversedAt'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    orderId: { type: 'integer' },
    billId: { type: 'integer' },
    amountFen: { type: 'integer' },
    lateFeeFen: { type: 'integer' },
    openLock: { type: 'integer', nullable: true },
    reversedAt: { type: 'datetime', nullable: true },
    reversal: { type: 'string', length: 16, nullable: true },
  },
});
