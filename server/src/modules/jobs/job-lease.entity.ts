import { EntitySchema } from '@mikro-orm/core';

/**
 * Which instance may run a periodic job right now, and until when. A job run takes the lease with
 * one conditional UPDATE (free or expired), so of several instances exactly one runs it.
 */
export class JobLease {
  name!: string;
  holder: string | null = null;
  leasedUntil: Date | null = null;
  lastRunAt: Date | null = null;
}

export const JobLeaseSchema = new EntitySchema<JobLease>({
  class: JobLease,
  tableName: 'job_lease',
  properties: {
    name: { type: 'string', length: 64, primary: true },
    holder: { type: 'string', length: 64, nullable: true },
    leasedUntil: { type: 'datetime', nullable: true },
    lastRunAt: { type: 'datetime', nullable: true },
  },
});
