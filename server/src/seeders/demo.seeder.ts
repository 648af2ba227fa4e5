import type { AppConfig } from '../config';
import type { Orm } from '../db';

export interface SeedSummary {
  skipped: boolean;
  accounts: number;
  bills: number;
}

/** Placeholder until the seed lands (helper in progress). */
export async function seedDemo(_orm: Orm, _config: AppConfig, _opts: { now: Date }): Promise<SeedSummary> {
  return { skipped: true, accounts: 0, bills: 0 };
}
