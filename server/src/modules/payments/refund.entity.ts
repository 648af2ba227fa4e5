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
  /** Times the gateway refused it. */
  attempts = 0;
  /** When an automatic refund the gateway refused is sent again; null when it is not (staff refunds, resolved). */
  nextAttemptAt: Date | null = null;
  /** The gateway's last refusal, for staff. */
  lastError: string | null = null;
  /** A supervisor handled a refused refund by hand (refunded at the counter, through the merchant platform…). */
  resolvedAt: Date | null = null;
  resolvedByStaffId: number | null = null;
  resolvedByName: string | null = null;
  resolvedByJobNo: string | null = null;
  resolutionNote: string | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const RefundSchema = new EntitySchema<Refund>({
  class: Refund,
  tableName: 'refund',
  indexes: [
    { name: 'refund_order_idx', properties: ['orderId'] },
    { name: 'refund_created_at_idx', properties: ['createdAt'] },
    { name: 'refund_status_next_attempt_idx', properties: ['status', 'nextAttemptAt'] },
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
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'datetime', nullable: true },
    lastError: { type: 'string', length: 255, nullable: true },
    resolvedAt: { type: 'datetime', nullable: true },
    resolvedByStaffId: { type: 'integer', nullable: true },
    resolvedByName: { type: 'string', length: 64, nullable: true },
    resolvedByJobNo: { type: 'string', length: 32, nullable: true },
    resolutionNote: { type: 'string', length: 500, nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
