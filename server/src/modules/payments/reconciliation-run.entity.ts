import { EntitySchema } from '@mikro-orm/core';
import type { ReconciliationLedger, ReconciliationRunStatus } from '@openhall/shared';

/** What a run counted (see ReconciliationRunView). */
export interface ReconciliationStats {
  gatewayPayments: number;
  gatewayRefunds: number;
  portalPayments: number;
  portalRefunds: number;
  differences: number;
  settled: number;
}

/**
 * The lease row of one date and gateway: a run claims it with a conditional UPDATE (only one
 * instance's UPDATE matches), so the daily job does its work once however many instances run it.
 * A claim whose instance died expires at `leaseUntil` and can be taken over.
 */
export class ReconciliationRun {
  id!: number;
  billDate!: string;
  gateway!: ReconciliationLedger;
  status: ReconciliationRunStatus | 'pending' = 'pending';
  claimedBy: string | null = null;
  leaseUntil: Date | null = null;
  attempts = 0;
  startedAt: Date | null = null;
  finishedAt: Date | null = null;
  stats: ReconciliationStats | null = null;
  lastError: string | null = null;
  createdAt: Date = new Date();
}

export const ReconciliationRunSchema = new EntitySchema<ReconciliationRun>({
  class: ReconciliationRun,
  tableName: 'reconciliation_run',
  uniques: [{ name: 'reconciliation_run_date_gateway_unique', properties: ['billDate', 'gateway'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    billDate: { type: 'string', length: 10 },
    gateway: { type: 'string', length: 16 },
    status: { type: 'string', length: 16 },
    claimedBy: { type: 'string', length: 64, nullable: true },
    leaseUntil: { type: 'datetime', nullable: true },
    attempts: { type: 'integer' },
    startedAt: { type: 'datetime', nullable: true },
    finishedAt: { type: 'datetime', nullable: true },
    stats: { type: 'json', nullable: true },
    lastError: { type: 'string', length: 500, nullable: true },
    createdAt: { type: 'datetime' },
  },
});
