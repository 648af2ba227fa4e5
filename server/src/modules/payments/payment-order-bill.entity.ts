import { EntitySchema } from '@mikro-orm/core';

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
}

export const PaymentOrderBillSchema = new EntitySchema<PaymentOrderBill>({
  class: PaymentOrderBill,
  tableName: 'payment_order_bill',
  uniques: [{ name: 'payment_order_bill_open_unique', properties: ['billId', 'openLock'] }],
  indexes: [{ name: 'payment_order_bill_order_idx', properties: ['orderId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    orderId: { type: 'integer' },
    billId: { type: 'integer' },
    amountFen: { type: 'integer' },
    lateFeeFen: { type: 'integer' },
    openLock: { type: 'integer', nullable: true },
  },
});
