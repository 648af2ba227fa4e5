/** Applies pending database migrations and exits: `npm run migrate` (honours DATABASE_URL / DATA_DIR). */
import { loadConfig } from '../server/src/config';
import { initORM, migrateUp } from '../server/src/db';

async function run(): Promise<void> {
  const config = loadConfig();
  const orm = await initORM(config);
  const applied = await migrateUp(orm);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database schema is up to date');
  await orm.close();
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
