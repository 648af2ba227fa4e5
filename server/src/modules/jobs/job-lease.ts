import type { EntityManager } from '@mikro-orm/knex';
import type { Orm } from '../../db';
import { JobLease } from './job-lease.entity';

/**
 * Runs `fn` only if this instance gets the job's lease: the row is created once (insert-or-ignore),
 * then taken with one conditional UPDATE that matches only while nobody holds an unexpired lease,
 * so of several instances starting the job at once exactly one runs it. The lease expires after
 * `leaseMs`, so a job whose instance died is run again by another; it is released when `fn` ends.
 */
export async function runWithJobLease<T>(
  orm: Orm,
  job: { name: string; holder: string; leaseMs: number; now: Date },
  fn: (em: EntityManager) => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const em = orm.em.fork();
  const { name, holder, now } = job;
  await em.createQueryBuilder(JobLease).insert({ name, holder: null, leasedUntil: null, lastRunAt: null }).onConflict(['name']).ignore().execute('run');
  const taken = await em.nativeUpdate(
    JobLease,
    { name, $or: [{ leasedUntil: null }, { leasedUntil: { $lt: now } }] },
    { holder, leasedUntil: new Date(now.getTime() + job.leaseMs) },
  );
  if (taken !== 1) return { ran: false };
  try {
    return { ran: true, result: await fn(em) };
  } finally {
    await em.nativeUpdate(JobLease, { name, holder }, { holder: null, leasedUntil: null, lastRunAt: now });
  }
}
