import { EntitySchema } from '@mikro-orm/core';
import type { ImportSource, ImportStatus } from '@openhall/shared';

/**
 * One batch of billing-system records: spooled to DATA_DIR/imports/<id>.ndjson when received,
 * applied in chunks by whichever instance holds its lease, resumable from `processedBytes` (the
 * byte offset of the first record not yet applied). Per-record outcomes are appended to
 * DATA_DIR/imports/<id>.results.ndjson; `resultsBytes` is that file's length at the checkpoint.
 */
export class BillingImport {
  id!: number;
  source!: ImportSource;
  /** The billing system's batch id (signed, so a replayed batch is recognised), or a CSV upload's own. */
  batchId!: string;
  fileName: string | null = null;
  status: ImportStatus = 'queued';
  bytes!: number;
  processedBytes = 0;
  /** Lines read (blank ones included: results name lines by number), and records among them. */
  lines = 0;
  records = 0;
  accepted = 0;
  unchanged = 0;
  rejected = 0;
  resultsBytes = 0;
  error: string | null = null;
  claimedBy: string | null = null;
  leaseUntil: Date | null = null;
  /** The supervisor who uploaded a CSV. */
  staffId: number | null = null;
  createdAt: Date = new Date();
  startedAt: Date | null = null;
  finishedAt: Date | null = null;
}

export const BillingImportSchema = new EntitySchema<BillingImport>({
  class: BillingImport,
  tableName: 'billing_import',
  uniques: [{ name: 'billing_import_batch_unique', properties: ['source', 'batchId'] }],
  indexes: [{ name: 'billing_import_status_idx', properties: ['status', 'leaseUntil'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    source: { type: 'string', length: 8 },
    batchId: { type: 'string', length: 128 },
    fileName: { type: 'string', length: 255, nullable: true },
    status: { type: 'string', length: 16 },
    bytes: { type: 'integer' },
    processedBytes: { type: 'integer' },
    lines: { type: 'integer' },
    records: { type: 'integer' },
    accepted: { type: 'integer' },
    unchanged: { type: 'integer' },
    rejected: { type: 'integer' },
    resultsBytes: { type: 'integer' },
    error: { type: 'string', length: 500, nullable: true },
    claimedBy: { type: 'string', length: 64, nullable: true },
    leaseUntil: { type: 'datetime', nullable: true },
    staffId: { type: 'integer', nullable: true },
    createdAt: { type: 'datetime' },
    startedAt: { type: 'datetime', nullable: true },
    finishedAt: { type: 'datetime', nullable: true },
  },
});
