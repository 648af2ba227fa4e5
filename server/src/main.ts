import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ConfigError, loadConfig } from './config';
import { initORM, migrateUp } from './db';
import { createDeps, type AppDeps } from './deps';
import { createApp, type OpenHallApp } from './app';
import { createLogger } from './http/logger';
import { closeGracefully, createHttpServer } from './http/server';
import { seedDemo } from './seeders/demo.seeder';
import { publishOperatorProfile } from './seeders/operator-profile';
import { registerWorkOrderTopic } from './integrations/workorder/workorder.outbox';
import { startPaymentExpiryJob } from './modules/payments/payment-expiry.job';
import { startRenewalReminderJob } from './modules/renewals/renewal-reminder.job';
import { startReconciliationJob } from './modules/payments/reconciliation.job';
import { startCallbackJob } from './modules/tickets/callback.job';
import { TicketClockJob } from './modules/tickets/ticket-clock.job';
import { startSuspensionCallbackJob } from './modules/prepaid/suspension-callback.job';
import { startPeriodicJob } from './modules/jobs/periodic';

/**
 * How far V8 lets the old generation grow past what the last full collection kept, in percent.
 * Left to itself V8 picks up to 300 % while requests allocate quickly: about 60 MB kept after a
 * full collection let the heap reach 220 MB before the next one, and a server under 50 signed-in
 * connections 390–440 MB of RSS. At 50 % it stayed under 300 MB, for about the same CPU per
 * request (full collections are more frequent but each marks the same ~60 MB, mostly off the main
 * thread). `--heap-growing-percent` given to node (NODE_OPTIONS or its arguments) wins.
 */
const HEAP_GROWING_PERCENT = 50;

/** How long requests in progress at shutdown get to be answered before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

function boundHeapGrowth(): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--heap[-_]growing[-_]percent\b/.test(a));
  if (!given) v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/**
 * One full collection once started (modules loaded, demo data seeded), before the first request:
 * until its first full collection V8 keeps the large initial limit of the old generation, which let
 * a server under load reach 340 MB before the growth bound above applied. (`gc` is exposed to a new
 * context only, for this one call.)
 */
function collectOnceStarted(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc === 'function') gc();
}

/** Starts OpenHall: configuration, database and migrations, optional demo data, then HTTP. */
async function main(): Promise<void> {
  boundHeapGrowth();
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
  const logger = createLogger(config.logLevel);
  const orm = await initORM(config, logger);
  const applied = await migrateUp(orm);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const published = await orm.em.fork().transactional((em) => publishOperatorProfile(em, config, new Date()));
  if (published.commitments || published.hotlines) logger.info({ published }, 'operator profile published');
  if (process.env.SEED_DEMO === 'true') {
    if (config.env === 'production') throw new Error('SEED_DEMO: demo data cannot be loaded in production');
    const summary = await seedDemo(orm, config, { now: new Date() });
    logger.info({ summary }, summary.skipped ? 'demo data already present' : 'demo data loaded');
  }
  const deps = createDeps(config, orm, logger);
  const app = createApp(deps);
  // Past the holiday calendar's last year the working-day clock counts Monday to Friday only.
  const calendar = app.services.tickets.clocks.calendarStatus();
  if (calendar.warning) logger.warn({ calendar }, `holiday calendar: ${calendar.warning}`);
  // Stored ticket deadlines on this calendar (computed for every ticket the first time, after the
  // migration that added them) before the queue is served from them; once across instances.
  await new TicketClockJob(deps, app.services.tickets.clocks).untilCurrent();
  collectOnceStarted();
  const server = createHttpServer(app.callback(), config.http);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  if (!config.publicUrl) deps.self.baseUrl = `http://127.0.0.1:${port}`;
  logger.info({ port, db: config.db.type, sandbox: config.sandbox, h5: config.h5Dir }, `OpenHall listening on http://localhost:${port}`);
  const stopJobs = config.runJobs ? startJobs(deps, app) : async () => {};

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Staff consoles' live streams end now (their EventSource reconnects to another instance and
    // replays from its last event); requests in progress are answered before anything below closes.
    app.services.live.endStreams();
    await closeGracefully(server, SHUTDOWN_GRACE_MS);
    await stopJobs();
    await deps.sandboxes.close();
    await deps.rateLimiter.close();
    await deps.sessionRevocations.close();
    await deps.liveBus.close();
    await deps.readDb.close();
    await orm.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * The background work: the outbox runner (every topic: write-offs, notifications, invoices, work
 * orders, …), payment housekeeping, renewal reminders, reconciliation, callbacks, resuming
 * billing-system imports. Every job claims its rows or holds a lease (modules/jobs/lease.ts), so any
 * number of instances may run them; RUN_JOBS=false makes an instance answer requests only.
 */
function startJobs(deps: AppDeps, app: OpenHallApp): () => Promise<void> {
  const { config, orm, logger } = deps;
  // Tickets to the work-order system (the in-process sandbox by default in sandbox mode): a topic of
  // the outbox; with nowhere to go they wait in it.
  const workorderUrl = deps.workorderUrl();
  if (workorderUrl) registerWorkOrderTopic(app.services.outbox, { orm, url: workorderUrl, secret: config.workorder.secret, clock: deps.clock });
  // Every outbox topic at its own pace: the general one every OUTBOX_INTERVAL_SECONDS, invoices every 3 s, work orders every 2 s.
  const stopOutbox = app.services.outbox.start();
  // Expired orders, lost refund answers, refused refunds due again (at the outbox's pace, as before).
  const stopPaymentJob = startPaymentExpiryJob(app.services.payments, logger, config.outboxIntervalMs);
  // Renewal reminders for next month's expiries, queued once per package and month through the outbox.
  const stopRenewalReminders = startRenewalReminderJob(deps);
  // Yesterday's trade bills against the portal, once per date and gateway across instances.
  const stopReconciliation = startReconciliationJob(app.services.reconciliation, logger);
  // Resolutions not rated within 72 hours become phone callback tasks (one instance at a time, by lease).
  const stopCallbackJob = startCallbackJob(deps, app.services.callbacks);
  // Accounts suspended for arrears become callback tasks; restored ones close theirs (one instance at a time, by lease).
  const stopSuspensionCallbacks = startSuspensionCallbackJob(deps, app.services.suspensionCallbacks);
  // Restorations waiting for arrears start their clock at the payment, whichever channel took it.
  const stopArrears = startPeriodicJob('restoration clocks after arrears', logger, () => app.services.tickets.arrears.resumeAfterArrears(), 60_000, 10_000);
  // The staff queue's kept counts: the change rows the ticket triggers append, folded into the counts.
  const stopQueueCounts = startPeriodicJob('staff queue count fold', logger, () => app.services.tickets.queue.foldQueueCounts(), 5_000, 5_000);
  // Billing-system imports whose instance stopped mid-batch (or that wait to be applied) are resumed from their checkpoint.
  const stopImports = startPeriodicJob('billing import resumption', logger, () => app.services.billingImports.resumeStale(), 30_000, 5_000);
  // Photos uploaded for a ticket that was never filed are forgotten after a day.
  const stopUploadCleanup = startPeriodicJob('unattached photo cleanup', logger, () => app.services.uploads.purgeUnattached(), 3_600_000, 60_000);
  // Images chosen for a reply to a WeChat Pay complaint that no reply took are forgotten after a day.
  const stopReplyImageCleanup = startPeriodicJob('unsent complaint reply image cleanup', logger, () => app.services.wechatpayComplaints.purgeUnsentImages(), 3_600_000, 90_000);
  // Staff submits' idempotency keys are forgotten after 7 days (a repeat comes within minutes).
  const stopSubmitCleanup = startPeriodicJob('staff submit key cleanup', logger, () => app.services.tickets.staff.purgeOldSubmits(), 3_600_000, 120_000);
  // Invoice results the e-invoice platform did not call back with are asked for (and lost requests sent again).
  const stopInvoiceChecks = startPeriodicJob('invoice result checks', logger, () => app.services.invoices.checkPending(), 30_000, 15_000);
  // WeChat Pay complaints: the notify URL set and the last 30 days read every 5 minutes (one instance
  // by lease), so a lost notification costs minutes; replies and completions go out on the outbox runner.
  const stopComplaintPoll = startPeriodicJob('wechatpay complaint poll', logger, () => app.services.wechatpayComplaints.pollOnce(), config.wechatpayComplaintPollMs, 5_000);
  return async () => {
    await stopArrears();
    await stopQueueCounts();
    await stopImports();
    await stopUploadCleanup();
    await stopReplyImageCleanup();
    await stopSubmitCleanup();
    await stopInvoiceChecks();
    await stopComplaintPoll();
    await stopPaymentJob();
    await stopRenewalReminders();
    await stopReconciliation();
    await stopCallbackJob();
    await stopSuspensionCallbacks();
    await stopOutbox();
  };
}
