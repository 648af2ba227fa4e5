import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { LockMode, type EntityData, type EntityName, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { Orm } from '../../db';
import { JobLease } from './job-lease.entity';

/**
 * Leases and claims, done one way. Work that must happen once across instances is held by a holder
 * (this process's {@link instanceName}) until a time (the lease), taken with ONE conditional UPDATE
 * that matches only while nobody else holds an unexpired lease, so of several instances racing
 * exactly one gets it; a lease whose holder died expires and can be taken over.
 * - {@link runWithJobLease}: a whole periodic job (the `job_lease` table).
 * - {@link takeRow}: one row (a reconciliation run, a billing import, a refused refund to retry).
 * - {@link claimDueRows}: a batch of queued rows (the outbox): `SELECT … FOR UPDATE SKIP LOCKED` on
 *   MySQL/MariaDB so instances pick disjoint rows without waiting for each other, a conditional
 *   UPDATE per row on SQLite (a single writer).
 */

/** A name for this process as the holder of leases and claims: host, process id and a random tag (64 characters at most). */
export function instanceName(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`.slice(0, 64);
}

/** The condition "nobody holds it": the row's lease column (`leaseUntil`, `claimedUntil`, …) is empty or past. */
export function leaseFree<K extends string>(untilField: K, now: Date): { $or: Array<Record<K, null | { $lt: Date }>> } {
  return { $or: [{ [untilField]: null } as Record<K, null>, { [untilField]: { $lt: now } } as Record<K, { $lt: Date }>] };
}

/**
 * Takes one row with a single conditional UPDATE: `set` is written only where `where` still holds
 * (put the "free" condition in it, e.g. {@link leaseFree} or the status to leave), and true means
 * this caller got the row; false, that another instance (or an earlier run) already has it.
 */
export async function takeRow<T extends object>(em: EntityManager, entity: EntityName<T>, where: FilterQuery<T>, set: EntityData<T>): Promise<boolean> {
  return (await em.nativeUpdate(entity, where, set)) === 1;
}

/**
 * Claims up to `limit` rows matching `where` (which must include the "free" condition on
 * `claimedUntil`, see {@link leaseFree}) for `holder` until `until`, oldest first by `orderBy`.
 * Returns the ids this holder now holds. On MySQL/MariaDB the rows are selected
 * `FOR UPDATE SKIP LOCKED` and marked in one transaction, so concurrent instances take disjoint rows
 * without blocking; on SQLite each candidate is taken by a conditional UPDATE that re-checks `where`.
 */
export async function claimDueRows<T extends { id: number; claimedBy: string | null; claimedUntil: Date | null }>(
  em: EntityManager,
  entity: EntityName<T>,
  opts: { where: FilterQuery<T>; orderBy: Record<string, 'asc' | 'desc'>; limit: number; holder: string; until: Date },
): Promise<number[]> {
  const claim = { claimedBy: opts.holder, claimedUntil: opts.until } as unknown as EntityData<T>;
  const find = { orderBy: opts.orderBy, limit: opts.limit, fields: ['id'] } as const;
  if (isMysql(em)) {
    return em.transactional(async (tx) => {
      const rows = (await tx.find(entity, opts.where, { ...find, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE } as never)) as T[];
      const ids = rows.map((r) => r.id);
      if (ids.length) await tx.nativeUpdate(entity, { id: { $in: ids } } as unknown as FilterQuery<T>, claim);
      return ids;
    });
  }
  const candidates = (await em.find(entity, opts.where, { ...find, refresh: true } as never)) as T[];
  const won: number[] = [];
  for (const { id } of candidates) {
    if (await takeRow(em, entity, { $and: [{ id }, opts.where] } as unknown as FilterQuery<T>, claim)) won.push(id);
  }
  return won;
}

/**
 * Extends this holder's claim on a row before working on it, so a batch claimed at once never runs
 * past its lease: false when the claim is no longer this holder's (it expired and another instance
 * took the row over), and the row must then be left alone.
 */
export async function renewClaim<T extends { id: number; claimedBy: string | null; claimedUntil: Date | null }>(
  em: EntityManager,
  entity: EntityName<T>,
  id: number,
  holder: string,
  until: Date,
): Promise<boolean> {
  return takeRow(em, entity, { id, claimedBy: holder } as FilterQuery<T>, { claimedUntil: until } as unknown as EntityData<T>);
}

/** Whether `em` talks to MySQL/MariaDB (row locks, SKIP LOCKED) rather than SQLite. */
function isMysql(em: EntityManager): boolean {
  return em.getKnex().client.dialect === 'mysql';
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
  const free = leaseFree('leasedUntil', now);
  const periodStart = oncePerMs ? new Date(Math.floor(now.getTime() / oncePerMs) * oncePerMs) : null;
  const taken = await takeRow(
    em,
    JobLease,
    periodStart ? { name, $and: [free, { $or: [{ lastRunAt: null }, { lastRunAt: { $lt: periodStart } }] }] } : { name, ...free },
    { holder, leasedUntil: new Date(now.getTime() + job.leaseMs) },
  );
  if (!taken) return { ran: false };
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
