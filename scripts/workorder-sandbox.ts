/**
 * The sandbox work-order system as its own process: receives OpenHall's signed orders and lets a
 * person move them through statuses, each move a signed event sent back to OpenHall.
 *
 *   npx tsx scripts/workorder-sandbox.ts            # http://127.0.0.1:3300, OpenHall at :3000
 *   curl localhost:3300/orders
 *   curl -XPOST localhost:3300/orders/WO000001/status -H 'content-type: application/json' \
 *        -d '{"status":"dispatched","technicianName":"李师傅","technicianJobNo":"W1024"}'
 *   curl -XPOST localhost:3300/control -H 'content-type: application/json' -d '{"fail":true}'      # answer 500
 *   curl -XPOST localhost:3300/control -H 'content-type: application/json' -d '{"delayMs":20000}'  # slow down
 *
 * Point OpenHall at it with WORKORDER_URL=http://127.0.0.1:3300/orders (without it, OpenHall in sandbox
 * mode serves the same sandbox itself at /sandbox/workorder).
 *
 * Environment: WORKORDER_SANDBOX_PORT (3300; 0 = any free port), OPENHALL_URL (http://127.0.0.1:3000),
 * WORKORDER_SECRET (the same default as the server's), WORKORDER_SANDBOX_AUTO_ACCEPT (true),
 * WORKORDER_SANDBOX_FAIL / WORKORDER_SANDBOX_DELAY_MS (start failing or slow, as POST /control sets),
 * WORKORDER_SANDBOX_EXIT_WITH_PARENT (exit when stdin closes: how `npm start` ties it to the server).
 *
 * `npm start` (scripts/start.ts) runs this as its own process and points the server at it.
 */
import { tieToParent } from './sandbox-process';
import { WorkOrderSandbox } from '../server/src/sandboxes/workorder/workorder.sandbox';

const port = Number(process.env.WORKORDER_SANDBOX_PORT ?? 3300);
const openhall = (process.env.OPENHALL_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const secret = process.env.WORKORDER_SECRET || 'sandbox-workorder-secret';

const sandbox = new WorkOrderSandbox({
  secret,
  eventsUrl: () => `${openhall}/api/v1/integrations/work-orders/events`,
  autoAccept: process.env.WORKORDER_SANDBOX_AUTO_ACCEPT !== 'false',
});

sandbox.fail = process.env.WORKORDER_SANDBOX_FAIL === 'true';
sandbox.delayMs = Math.max(0, Number(process.env.WORKORDER_SANDBOX_DELAY_MS ?? 0) || 0);

tieToParent(process.env.WORKORDER_SANDBOX_EXIT_WITH_PARENT === 'true');

sandbox
  .listen(port, process.env.WORKORDER_SANDBOX_HOST ?? '127.0.0.1')
  .then(({ baseUrl }) =>
    console.log(`[workorder-sandbox] listening on ${baseUrl}, sending events to ${openhall}${sandbox.fail ? ' (failing on purpose)' : ''}${sandbox.delayMs ? ` (answering after ${sandbox.delayMs} ms)` : ''}`),
  )
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
