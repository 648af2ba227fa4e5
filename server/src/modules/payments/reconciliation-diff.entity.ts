import { EntitySchema } from '@mikro-orm/core';
import type { ReconciliationLedger, ReconciliationDiffKind, ReconciliationSubject } from '@openhall/shared';

/**
 * One difference a reconciliation run found between a gateway's trade bill and the portal. Unique
 * per (billDate, diffKey), so running a date again finds the same rows instead of adding copies.
 */
export class ReconciliationDiff {
  id!: number;
  /** The business date (YYYY-MM-DD) whose trade bill was compared. */
  billDate!: string;
  gateway!: ReconciliationLedger;
  subject!: ReconciliationSubject;
  kind!: ReconciliationDiffKind;
  /** `<gateway>:<subject>:<kind>:<outTradeNo or outRefundNo>`: what makes a rerun idempotent. */
  diffKey!: string;
  outTradeNo!: string;
  outRefundNo: string | null = null;
  orderId: number | null = null;
  refundId: number | null = null;
  gatewayTradeNo: string | null = null;
  portalAmountFen: number | null = null;
  gatewayAmountFen: number | null = null;
  portalStatus: string | null = null;
  gatewayStatus: string | null = null;
  resolved = false;
  /** settled | refunded_late | refunded_duplicate | duplicate | cleared | manual */
  resolution: string | null = null;
  resolvedAt: Date | null = null;
  /** A `manual` resolution: the supervisor, with the name and job number they had then. */
  resolvedByStaffId: number | null = null;
  resolvedByName: string | null = null;
  resolvedByJobNo: string | null = null;
  /** A `manual` resolution: what the supervisor did about it. */
  resolutionNote: string | null = null;
  createdAt: Date = new Date();
}

export const ReconciliationDiffSchema = new EntitySchema<ReconciliationDiff>({
  class: ReconciliationDiff,
  tableName: 'reconciliation_diff',
  uniques: [{ name: 'reconciliation_diff_key_unique', properties: ['billDate', 'diffKey'] }],
  indexes: [
    { name: 'reconciliation_diff_resolved_idx', properties: ['resolved', 'billDate'] },
    { name: 'reconciliation_diff_out_trade_no_idx', properties: ['outTradeNo'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    billDate: { type: 'string', length: 10 },
    gateway: { type: 'string', length: 16 },
    subject: { type: 'string', length: 16 },
    kind: { type: 'string', length: 32 },
    diffKey: { type: 'string', length: 128 },
    outTradeNo: { type: 'string', length: 64 },
    outRefundNo: { type: 'string', length: 64, nullable: true },
    orderId: { type: 'integer', nullable: true },
    refundId: { type: 'integer', nullable: true },
    gatewayTradeNo: { type: 'string', length: 64, nullable: true },
    portalAmountFen: { type: 'integer', nullable: true },
    gatewayAmountFen: { type: 'integer', nullable: true },
    portalStatus: { type: 'string', length: 32, nullable: true },
    gatewayStatus: { type: 'string', length: 32, nullable: true },
    resolved: { type: 'boolean' },
    resolution: { type: 'string', length: 64, nullable: true },
    resolvedAt: { type: 'datetime', nullable: true },
    resolvedByStaffId: { type: 'integer', nullable: true },
    resolvedByName: { type: 'string', length: 64, nullable: true },
    resolvedByJobNo: { type: 'string', length: 32, nullable: true },
    resolutionNote: { type: 'string', length: 500, nullable: true },
    createdAt: { type: 'datetime' },
  },
});
