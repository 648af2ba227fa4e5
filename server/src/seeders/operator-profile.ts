import type { EntityManager } from '@mikro-orm/core';
import type { AppConfig } from '../config';
import { Commitment } from '../modules/content/commitment.entity';
import { Hotline } from '../modules/content/hotline.entity';

/**
 * Publishes the operator profile's commitments and hotlines (config/operator.json) into the tables
 * the public API reads. Runs at every start-up, demo or production: a commitment code missing from
 * the database is added, and hotlines are loaded when none are published yet. What staff edited
 * afterwards is never overwritten.
 */
export async function publishOperatorProfile(
  em: EntityManager,
  config: AppConfig,
  now: Date,
): Promise<{ commitments: number; hotlines: number }> {
  const op = config.operator;
  const existing = new Set((await em.find(Commitment, {}, { fields: ['code'] })).map((c) => c.code));
  const newCommitments = op.commitments.filter((c) => !existing.has(c.code));
  if (newCommitments.length) await em.insertMany(Commitment, newCommitments.map((c) => ({ ...c, updatedAt: now })));
  let hotlines = 0;
  if ((await em.count(Hotline, {})) === 0) {
    hotlines = op.hotlines.length;
    await em.insertMany(Hotline, op.hotlines.map((h, i) => ({ ...h, sortOrder: i + 1, updatedAt: now })));
  }
  return { commitments: newCommitments.length, hotlines };
}
