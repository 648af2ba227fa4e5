/**
 * The sandbox billing system (营收系统 / BOSS) as its own process: holds the demo operator's
 * accounts, packages, bills, counter payments and prepaid balances (seeded from the same generator
 * as the portal's demo data, then kept in DATA_DIR/sandbox/billing/state.json), answers OpenHall's
 * live queries, takes its write-offs, books the portal's top-ups, does or refuses its requests to
 * stop, reopen and restore a service, lists write-offs by day, and pushes records to OpenHall's
 * signed inlet on command.
 *
 *   npx tsx scripts/billing-sandbox.ts                 # http://127.0.0.1:3400, OpenHall at :3000
 *   curl localhost:3400/control                        # counts, and a few owed bills to try things on
 *   curl -XPOST localhost:3400/control/counter-payment -H 'content-type: application/json' -d '{"billId":"B1000000001202611"}'
 *   curl -XPOST localhost:3400/control/correct-bill    -H 'content-type: application/json' -d '{"billId":"…","amountFen":1234}'
 *   curl -XPOST localhost:3400/control/cancel-bill     -H 'content-type: application/json' -d '{"billId":"…"}'
 *   curl -XPOST localhost:3400/control/issue-bills     -H 'content-type: application/json' -d '{"period":"2027-01"}'
 *   curl -XPOST localhost:3400/control/push            # every record, as one batch
 *   curl -XPOST localhost:3400/control/deduct          -H 'content-type: application/json' -d '{"accountNo":"3000000001","amountFen":5000,"description":"宽带月租"}'
 *   curl -XPOST localhost:3400/control/counter-topup   -H 'content-type: application/json' -d '{"accountNo":"3000000002","amountFen":5000}'
 *   curl -XPOST localhost:3400/control -H 'content-type: application/json' -d '{"holdPushes":true}' # keep pushes back…
 *   curl -XPOST localhost:3400/control/release         -H 'content-type: application/json' -d '{"reverse":true}'   # …and send them newest first
 *   curl -XPOST localhost:3400/control -H 'content-type: application/json' -d '{"fail":true}'       # answer 500
 *   curl -XPOST localhost:3400/control -H 'content-type: application/json' -d '{"delayMs":5000}'   # slow down
 *
 * Point OpenHall at it with BILLING_MODE=external BILLING_URL=http://127.0.0.1:3400.
 * Environment: BILLING_SANDBOX_PORT (3400; 0 = any free port), OPENHALL_URL (http://127.0.0.1:3000),
 * BILLING_SECRET (the same default as the server's), DATA_DIR and CONFIG_DIR (as the server's),
 * BILLING_SANDBOX_FAIL / BILLING_SANDBOX_DELAY_MS, BILLING_SANDBOX_EXIT_WITH_PARENT (exit when
 * stdin closes: how `npm start` ties it to the server).
 */
import path from 'node:path';
import { tieToParent } from './sandbox-process';
import { loadConfig } from '../server/src/config';
import { BillingSandbox } from '../server/src/sandboxes/billing/billing.sandbox';
import { buildDemoAccounts } from '../server/src/seeders/demo-accounts';
import { buildPriceBook } from '../server/src/seeders/demo-billing';
import { loadDemoContent } from '../server/src/seeders/demo-content';
import { demoBillingRecords } from '../server/src/seeders/demo-records';

const config = loadConfig();
const port = Number(process.env.BILLING_SANDBOX_PORT ?? 3400);
const openhall = (process.env.OPENHALL_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');

const sandbox = new BillingSandbox({ secret: config.billing.secret, openhallUrl: () => openhall, stateFile: path.join(config.dataDir, 'sandbox', 'billing', 'state.json') });
// The demo operator, as the portal's demo seed writes it (same generator, same month): the two agree.
const demoRecords = () => demoBillingRecords(buildDemoAccounts(config.operator, buildPriceBook(loadDemoContent(config.configDir).feeSchedules), new Date()));
if (sandbox.empty) sandbox.load(demoRecords());
else {
  // A state kept from before prepaid accounts: the demo's prepaid accounts and their balance histories join it.
  const records = demoRecords();
  const prepaid = new Set(records.flatMap((r) => (r.type === 'account' && r.prepaid && !sandbox.account(r.id) ? [r.id] : [])));
  if (prepaid.size > 0) sandbox.load(records.filter((r) => (r.type === 'account' && prepaid.has(r.id)) || (r.type === 'ledger' && prepaid.has(r.accountNo))));
}
sandbox.fail = process.env.BILLING_SANDBOX_FAIL === 'true';
sandbox.delayMs = Math.max(0, Number(process.env.BILLING_SANDBOX_DELAY_MS ?? 0) || 0);

tieToParent(process.env.BILLING_SANDBOX_EXIT_WITH_PARENT === 'true');

sandbox
  .listen(port, process.env.BILLING_SANDBOX_HOST ?? '127.0.0.1')
  .then(({ baseUrl }) =>
    console.log(`[billing-sandbox] listening on ${baseUrl}, pushing to ${openhall}${sandbox.fail ? ' (failing on purpose)' : ''}${sandbox.delayMs ? ` (answering after ${sandbox.delayMs} ms)` : ''}`),
  )
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
