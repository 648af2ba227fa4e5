/**
 * Loads the demo data: `npx tsx scripts/seed.ts` (embedded SQLite under data/ by default, or the
 * database in DATABASE_URL). Applies pending migrations first. Running it again changes nothing.
 *
 *   --migrate-only   apply migrations and stop (e.g. to prepare an empty database for bulk-load.ts)
 *   --now <ISO>      seed as of this instant instead of the current time (demo data is relative to it)
 */
import { ConfigError, loadConfig } from '../server/src/config';
import { initORM, migrateUp } from '../server/src/db';
import { seedDemo } from '../server/src/seeders/demo.seeder';

function parseArgs(argv: string[]): { migrateOnly: boolean; now: Date } {
  let migrateOnly = false;
  let now = new Date();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--migrate-only') migrateOnly = true;
    else if (arg === '--now') {
      now = new Date(argv[++i] ?? '');
      if (Number.isNaN(now.getTime())) throw new Error('--now needs an ISO date-time, e.g. 2026-11-25T10:00:00+08:00');
    } else if (arg === '--help' || arg === '-h') {
      console.log('usage: npx tsx scripts/seed.ts [--migrate-only] [--now <ISO date-time>]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  return { migrateOnly, now };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  if (config.env === 'production') throw new Error('demo data cannot be loaded in production (NODE_ENV=production)');
  const where = config.db.type === 'sqlite' ? `SQLite ${config.db.path}` : `MySQL ${config.db.url.replace(/\/\/[^@/]*@/, '//***@')}`;
  const orm = await initORM(config);
  try {
    const applied = await migrateUp(orm);
    console.log(`${where}: ${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'}`);
    if (args.migrateOnly) return;
    const started = performance.now();
    const summary = await seedDemo(orm, config, { now: args.now });
    const ms = Math.round(performance.now() - started);
    if (summary.skipped) {
      console.log('demo data already present (staff user admin1 exists): nothing written');
      return;
    }
    const { skipped: _skipped, ...counts } = summary;
    console.log(`demo data loaded in ${ms} ms:`);
    for (const [name, n] of Object.entries(counts)) console.log(`  ${name.padEnd(14)} ${n}`);
  } finally {
    await orm.close(true);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
