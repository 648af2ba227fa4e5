/**
 * One pass of the renewal reminder job on a loaded database: every package expiring next month
 * is read, and a reminder queued for each that has none yet. The first pass on a fresh load queues
 * them all (into the outbox, where an instance running the jobs would deliver them); the next one,
 * as the hourly pass finds it, has nothing new to queue. Prints packages, reminders queued, wall
 * time and CPU per pass.
 *
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/oh_bulk npx tsx scripts/bench/reminders.ts
 *
 * The passes take the job's lease as an instance does, but with a period of a millisecond instead
 * of an hour, so that the two run one after the other now. The second is recorded as the job's
 * last run: an instance running the jobs on this database skips the rest of the clock hour.
 */
import { loadConfig } from '../../server/src/config';
import { initORM } from '../../server/src/db';
import { createDeps } from '../../server/src/deps';
import { createLogger } from '../../server/src/http/logger';
import { RenewalReminderJob } from '../../server/src/modules/renewals/renewal-reminder.job';
import { printTable } from './lib';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger('error');
  const orm = await initORM(config, logger);
  const deps = createDeps(config, orm, logger);
  try {
    const job = new RenewalReminderJob(deps, 'next_month', 1);
    const rows: string[][] = [];
    for (const name of ['first pass', 'second pass']) {
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const r = await job.runOnce(new Date());
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpu = process.cpuUsage(cpu0);
      if (!r.ran) throw new Error(`${name}: the job's lease is held (an instance running the jobs on this database?)`);
      rows.push([name, `${r.from} … ${r.to}`, r.candidates.toLocaleString('en'), r.enqueued.toLocaleString('en'), (ms / 1000).toFixed(1), ((cpu.user + cpu.system) / 1e6).toFixed(1)]);
    }
    printTable(`Renewal reminder passes — ${config.db.type}`, ['pass', 'expiring', 'packages', 'queued', 'wall s', 'CPU s (this process)'], rows);
  } finally {
    await deps.readDb.close();
    await orm.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
