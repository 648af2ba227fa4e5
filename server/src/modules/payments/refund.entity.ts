import { EntitySchema } from '@mikro-orm/core';
import type { RefundKind, RefundStatus } from '@openhall/shared';

/** A refund of (part of) a paid order. `outRefundNo` is deterministic for automatic refunds. */
export class Refund {
  id!: number;
  orderId!: number;
  outRefundNo!: string;
  amountFen!: number;
  reason!: string;
  kind!: RefundKind;
  status: RefundStatus = 'processing';
  requestedByStaffId: number | null = null;
  gatewayRefundId: string | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const RefundSchema = new EntitySchema<Refund>({
  class: Refund,
  tableName: 'refund',
  indexes: [
    { name: 'refund_order_idx', properties: ['orderId'] },
    { name: 'refund_created_at_idx', properties: ['createdAt'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    orderId: { type: 'integer' },
    outRefundNo: { type: 'string', length: 64, unique: 'refund_out_refund_no_unique' },
    amountFen: { type: 'integer' },
    reason: { type: 'string', length: 255 },
    kind: { type: 'string', length: 16 },
    status: { type: 'string', length: 16 },
    requestedByStaffId: { type: 'integer', nullable: true },
    gatewayRefundId: { type: 'string', length: 64, nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
