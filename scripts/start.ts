/**
 * One command runs the whole product on the embedded database: builds the H5 site if it is not
 * built yet, then starts the server with the sandboxes and the demo operator data. The sandbox
 * work-order system runs as its own process (scripts/workorder-sandbox.ts, on a free port, its
 * URL handed to the server as WORKORDER_URL) and stops with the server; its address is printed,
 * and `POST <address>/control {"fail":true}` or `{"delayMs":20000}` shows the dispatcher retrying.
 * With WORKORDER_URL already set (a real system, or a sandbox started by hand) none is started.
 * The sandbox billing system runs the same way (scripts/billing-sandbox.ts, seeded from the demo
 * data, its state in DATA_DIR/sandbox/billing): the server runs in external billing mode against it
 * (BILLING_MODE=external, BILLING_URL). With BILLING_URL set, or BILLING_MODE=embedded, none is started.
 * With the sandboxes a sandbox official account is configured too (WECHAT_MP_APPID/SECRET, unless
 * set or WECHAT_API_BASE points at real WeChat), so the H5 site opened in WeChat's browser can pay.
 *
 *   npm start                    # http://localhost:3000
 *   PORT=3100 DATA_DIR=/tmp/oh2 npm start   # a second copy beside the first
 *
 * Honours PORT, DATA_DIR and DATABASE_URL like the server itself. Pass --rebuild to rebuild the H5 site.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX_WECHAT_MP_APPID, SANDBOX_WECHAT_MP_SECRET } from '../server/src/config';
import { startBillingSandboxProcess, startWorkOrderSandboxProcess } from './sandbox-process';

const root = path.resolve(__dirname, '..');
const h5Index = path.join(root, 'client', 'dist', 'h5', 'index.html');

if (process.argv.includes('--rebuild') || !existsSync(h5Index)) {
  console.log('[start] building the H5 site (client/dist/h5)…');
  const build = spawnSync('npm', ['run', 'build:h5', '-w', 'client'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('[start] the H5 build failed; see the output above');
    process.exit(build.status ?? 1);
  }
}

// Business time is Asia/Shanghai; Alipay's request timestamps use local time.
process.env.TZ ??= 'Asia/Shanghai';
process.env.SEED_DEMO ??= 'true';

const sandboxes = process.env.SANDBOX ? ['true', '1', 'yes'].includes(process.env.SANDBOX) : process.env.NODE_ENV !== 'production';

async function start(): Promise<void> {
  if (sandboxes && !process.env.WECHAT_MP_APPID && !process.env.WECHAT_MP_SECRET && !process.env.WECHAT_API_BASE) {
    // The H5 site opened in WeChat's browser pays under an official account: the sandbox plays its
    // OAuth (/sandbox/wechat/connect/oauth2/authorize) and WeChat Pay takes its JSAPI orders.
    process.env.WECHAT_MP_APPID = SANDBOX_WECHAT_MP_APPID;
    process.env.WECHAT_MP_SECRET = SANDBOX_WECHAT_MP_SECRET;
    console.log(`[start] sandbox official account ${SANDBOX_WECHAT_MP_APPID}: the H5 site in WeChat's browser pays by JSAPI after its OAuth`);
  }
  if (sandboxes && !process.env.WORKORDER_URL) {
    const openhallUrl = process.env.PUBLIC_URL ?? `http://127.0.0.1:${process.env.PORT || 3000}`;
    const wo = await startWorkOrderSandboxProcess({ openhallUrl, secret: process.env.WORKORDER_SECRET, port: Number(process.env.WORKORDER_SANDBOX_PORT ?? 0) });
    process.env.WORKORDER_URL = wo.ordersUrl;
    console.log(`[start] work-order sandbox (pid ${wo.child.pid}) at ${wo.baseUrl}; the server sends tickets to ${wo.ordersUrl}`);
    // The server stops with process.exit (SIGINT/SIGTERM): take the sandbox along. A harder death
    // closes the sandbox's stdin, which ends it too.
    process.on('exit', () => wo.child.kill('SIGTERM'));
    wo.child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM') console.error(`[start] the work-order sandbox stopped (code ${code}, signal ${signal}); tickets wait in the outbox`);
    });
  }
  if (sandboxes && !process.env.BILLING_URL && (process.env.BILLING_MODE ?? 'external') === 'external') {
    const openhallUrl = process.env.PUBLIC_URL ?? `http://127.0.0.1:${process.env.PORT || 3000}`;
    const billing = await startBillingSandboxProcess({ openhallUrl, secret: process.env.BILLING_SECRET, port: Number(process.env.BILLING_SANDBOX_PORT ?? 0), dataDir: process.env.DATA_DIR });
    process.env.BILLING_MODE = 'external';
    process.env.BILLING_URL = billing.baseUrl;
    console.log(`[start] billing-system sandbox (pid ${billing.child.pid}) at ${billing.baseUrl} (external mode: asked live, told of write-offs; POST ${billing.baseUrl}/control/counter-payment and the other controls push records to the portal)`);
    process.on('exit', () => billing.child.kill('SIGTERM'));
    billing.child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM') console.error(`[start] the billing-system sandbox stopped (code ${code}, signal ${signal}); paying and binding answer "try later" until it is back`);
    });
  }
  require('../server/src/main');
}

start().catch((err) => {
  console.error(err);
  process.exit(1);
});
