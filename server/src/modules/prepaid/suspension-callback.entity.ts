import { EntitySchema } from '@mikro-orm/core';
import type { SuspensionCallbackOutcome, SuspensionCallbackStatus } from '@openhall/shared';

/**
 * A phone callback (停机用户回访) staff owe the holder of an account suspended for arrears, one per
 * suspension: unique per (account, suspension time). `currentAccountId` is the account's id while
 * the suspension the task is for still lasts (null once it ended: restored, closed, suspended anew),
 * and is unique too, so an account has at most one task for its current suspension even when the
 * billing system did not say since when it is suspended (the task then takes the time the job found it).
 */
export class SuspensionCallback {
  id!: number;
  accountId!: number;
  suspendedAt!: Date;
  currentAccountId: number | null = null;
  status: SuspensionCallbackStatus = 'open';
  attempts = 0;
  /** When the next call is due: the queue is sorted by it. */
  dueAt!: Date;
  outcome: SuspensionCallbackOutcome | null = null;
  note: string | null = null;
  lastCalledByStaffId: number | null = null;
  lastAttemptAt: Date | null = null;
  completedAt: Date | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const SuspensionCallbackSchema = new EntitySchema<SuspensionCallback>({
  class: SuspensionCallback,
  tableName: 'suspension_callback',
  uniques: [
    { name: 'suspension_callback_suspension_unique', properties: ['accountId', 'suspendedAt'] },
    { name: 'suspension_callback_current_unique', properties: ['currentAccountId'] },
  ],
  indexes: [
    { name: 'suspension_callback_status_due_idx', properties: ['status', 'dueAt'] },
    { name: 'suspension_callback_suspended_at_idx', properties: ['suspendedAt'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    accountId: { type: 'integer' },
    suspendedAt: { type: 'datetime' },
    currentAccountId: { type: 'integer', nullable: true },
    status: { type: 'string', length: 16 },
    attempts: { type: 'integer' },
    dueAt: { type: 'datetime' },
    outcome: { type: 'string', length: 24, nullable: true },
    note: { type: 'string', length: 500, nullable: true },
    lastCalledByStaffId: { type: 'integer', nullable: true },
    lastAttemptAt: { type: 'datetime', nullable: true },
    completedAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
