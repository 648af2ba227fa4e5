import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { EntityManager } from '@mikro-orm/knex';
import type { Orm } from '../../db';
import { JobLease } from './job-lease.entity';

/** A name for this process as the holder of leases and claims: host, process id and a random tag (64 characters at most). */
export function instanceName(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`.slice(0, 64);
}

/**
 * Runs `fn` only if this instance gets the job's lease: the row is created once (insert-or-ignore),
 * then taken with one conditional UPDATE that matches only while nobody holds an unexpired lease,
 * so of several instances starting the job at once exactly one runs it. The lease expires after
 * `leaseMs`, so a job whose instance died is run again by another; it is released when `fn` ends.
 * With `oncePerMs`, the job also runs at most once per period of that length (counted from the
 * epoch: once per clock hour for an hour) over all instances: the UPDATE matches only when the last
 * run that completed started before the current period (a failed run does not count).
 */
export async function runWithJobLease<T>(
  orm: Orm,
  job: { name: string; holder: string; leaseMs: number; now: Date; oncePerMs?: number },
  fn: (em: EntityManager) => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const em = orm.em.fork();
  const { name, holder, now, oncePerMs } = job;
  await em.createQueryBuilder(JobLease).insert({ name, holder: null, leasedUntil: null, lastRunAt: null }).onConflict(['name']).ignore().execute('run');
  const free = { $or: [{ leasedUntil: null }, { leasedUntil: { $lt: now } }] };
  const periodStart = oncePerMs ? new Date(Math.floor(now.getTime() / oncePerMs) * oncePerMs) : null;
  const taken = await em.nativeUpdate(
    JobLease,
    periodStart ? { name, $and: [free, { $or: [{ lastRunAt: null }, { lastRunAt: { $lt: periodStart } }] }] } : { name, ...free },
    { holder, leasedUntil: new Date(now.getTime() + job.leaseMs) },
  );
  if (taken !== 1) return { ran: false };
  let result: T;
  try {
    result = await fn(em);
  } catch (err) {
    // Released without counting as a run: the next tick, on any instance, tries again.
    await em.nativeUpdate(JobLease, { name, holder }, { holder: null, leasedUntil: null });
    throw err;
  }
  await em.nativeUpdate(JobLease, { name, holder }, { holder: null, leasedUntil: null, lastRunAt: now });
  return { ran: true, result };
}
