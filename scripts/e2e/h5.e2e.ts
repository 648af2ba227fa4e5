/**
 * Browser end-to-end test of the H5 site, against the real server on a fresh embedded database
 * with the sandboxes and the demo data (issue 5, "Tests and checks").
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npm run test:e2e               # = npx tsx scripts/e2e/h5.e2e.ts
 *
 * A subscriber on a phone-sized screen signs in with an SMS code read from the SMS sandbox, binds
 * the demo account 1000000001 (张三), sees it on the home page with the amount the API says is due,
 * then opens the halls and the fee schedules. Each step leaves a screenshot in artifacts/e2e/.
 *
 * Needs Debian chromium at /usr/bin/chromium (`apt-get install -y chromium`), or CHROMIUM_PATH.
 * E2E_HEADED=1 shows the browser; E2E_KEEP=1 keeps the temporary data and profile folders.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const root = path.resolve(__dirname, '..', '..');
const h5Index = path.join(root, 'client', 'dist', 'h5', 'index.html');
const artifacts = path.join(root, 'artifacts', 'e2e');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const PHONE = '13800000001';
const ACCOUNT_NO = '1000000001';
const HOLDER = '张三';
const HOLDER_MASKED = '张*';
const HALLS_IN_DEMO = 6;
/** West Lake, Hangzhou: the demo halls are in Hangzhou, so the list comes sorted by distance. */
const POSITION = { latitude: 30.2591, longitude: 120.1479 };

/** Flags from shared/notes/client-toolchain.md (Browser). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const STEP_TIMEOUT_MS = 15_000;

// ---- server ----

/** Last lines the server printed, shown when a step fails. */
const serverLog: string[] = [];
function keepLog(chunk: Buffer): void {
  for (const line of chunk.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    serverLog.push(line);
    if (serverLog.length > 60) serverLog.shift();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function startServer(port: number, dataDir: string): ChildProcess {
  const child = spawn('npx', ['tsx', 'server/src/main.ts'], {
    cwd: root,
    // Its own process group, so stopping it also stops the node process npx and tsx start under it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SEED_DEMO: 'true',
      LOG_LEVEL: 'warn',
      TZ: 'Asia/Shanghai',
      DATABASE_URL: '',
      H5_DIR: path.join(root, 'client', 'dist', 'h5'),
    },
  });
  child.stdout!.on('data', keepLog);
  child.stderr!.on('data', keepLog);
  return child;
}

async function stopServer(child: ChildProcess | null): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(base: string, child: ChildProcess, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`the server was not ready within ${timeoutMs / 1000} s (GET ${base}/readyz)`);
}

// ---- helpers ----

/**
 * The few browser globals the page-side functions use. scripts/ compiles with the server's
 * Node-only types (no DOM lib), and string expressions are no way out: the site's CSP forbids eval.
 */
interface BrowserGlobals {
  localStorage: { getItem(key: string): string | null };
  document: { getAnimations(): { playState: string; effect: { getComputedTiming(): { iterations?: number } } | null }[] };
  requestAnimationFrame(callback: () => void): number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Independent of the client's formatter on purpose: 12345 fen → "¥123.45". */
function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`;
}

async function api<T>(base: string, pathAndQuery: string, token?: string): Promise<T> {
  const res = await fetch(`${base}${pathAndQuery}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const body = (await res.json()) as { data?: T; error?: unknown };
  check(res.ok && body.data !== undefined, `GET ${pathAndQuery} answered ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.data as T;
}

/** The session token as the H5 client stored it (Taro keeps `{ data }` JSON in localStorage). */
async function storedToken(page: Page): Promise<string | null> {
  const raw = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).localStorage.getItem('openhall.token'));
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as { data?: unknown } | string;
    return typeof parsed === 'string' ? parsed : typeof parsed?.data === 'string' ? parsed.data : null;
  } catch {
    return raw;
  }
}

/** Taro keeps earlier pages of the stack in the DOM, hidden: always look inside the page on show. */
function onPage(page: Page, pageId: string, selector = '') {
  return page.locator(`#${pageId}:visible ${selector}`.trim());
}

/**
 * Waits for Taro's page transition (and any other finite animation) to finish, so a screenshot
 * shows the page as a person sees it rather than two pages half slid over each other.
 */
async function settle(page: Page): Promise<void> {
  await page
    .waitForFunction(
      () =>
        (globalThis as unknown as BrowserGlobals).document
          .getAnimations()
          .every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity),
      undefined,
      { timeout: 3_000 },
    )
    .catch(() => undefined);
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const raf = (globalThis as unknown as BrowserGlobals).requestAnimationFrame;
        raf(() => raf(() => resolve()));
      }),
  );
}

/** Types into a Taro `<Input id=…>` (a custom element around a real `<input>`). */
async function typeInto(page: Page, pageId: string, inputId: string, text: string): Promise<void> {
  const input = onPage(page, pageId, `#${inputId} input`);
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
}

// ---- the run ----

/**
 * On a fresh Debian machine run as root (CI, a container), install the browser and a Chinese
 * font with apt so that README's test command works as pasted. Elsewhere the run stops below
 * with the command to run.
 */
function installBrowserWithApt(): void {
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) return;
  console.log('e2e: chromium is missing; installing chromium and fonts-noto-cjk with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  if (update.status !== 0) return;
  spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium', 'fonts-noto-cjk'], { stdio: 'inherit', env });
}

interface StepResult {
  name: string;
  ms: number;
  ok: boolean;
}

async function main(): Promise<number> {
  if (!existsSync(h5Index)) {
    console.error(`e2e: ${path.relative(root, h5Index)} is missing. Build the H5 site first:\n\n    npm run build:h5 -w client\n`);
    console.log('e2e: 0 passed, 1 failed');
    return 1;
  }
  if (!existsSync(chromiumPath) && !process.env.CHROMIUM_PATH) installBrowserWithApt();
  if (!existsSync(chromiumPath)) {
    console.error(`e2e: no chromium at ${chromiumPath}. Install it with:\n\n    apt-get update && apt-get install -y chromium fonts-noto-cjk\n\n(or set CHROMIUM_PATH)`);
    console.log('e2e: 0 passed, 1 failed');
    return 1;
  }

  if (spawnSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).stdout?.trim() === '') {
    console.warn('e2e: warning: no Chinese font installed, screenshots will show boxes (apt-get install -y fonts-noto-cjk)');
  }

  mkdirSync(artifacts, { recursive: true });
  for (const f of readdirSync(artifacts)) if (f.endsWith('.png') || f.endsWith('.log')) unlinkSync(path.join(artifacts, f));

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openhall-e2e-data-'));
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'openhall-e2e-profile-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;

  let server: ChildProcess | null = null;
  let context: BrowserContext | null = null;
  let page: Page | null = null;
  const results: StepResult[] = [];
  const pageErrors: string[] = [];
  let failed = false;
  let n = 0;

  /** Runs one step, then screenshots the screen as it stands (also when the step failed). */
  const step = async (name: string, work: () => Promise<string | void>, opts: { screenshot?: boolean } = {}): Promise<void> => {
    if (failed) return;
    n += 1;
    const label = `${String(n).padStart(2, '0')}-${name}`;
    const started = Date.now();
    try {
      const note = await work();
      const ms = Date.now() - started;
      results.push({ name: label, ms, ok: true });
      console.log(`  ✓ ${label} (${ms} ms)${note ? `  ${note}` : ''}`);
    } catch (err) {
      const ms = Date.now() - started;
      failed = true;
      results.push({ name: label, ms, ok: false });
      console.log(`  ✗ ${label} (${ms} ms)`);
      console.error(`\ne2e: step ${label} failed: ${(err as Error).message}`);
      if (page) console.error(`page URL: ${page.url()}`);
      if (pageErrors.length) console.error(`browser errors:\n  ${pageErrors.slice(-10).join('\n  ')}`);
      console.error(`server's last log lines:\n${serverLog.slice(-20).join('\n') || '  (none at LOG_LEVEL=warn)'}`);
    }
    if (page && (opts.screenshot ?? true)) {
      await settle(page).catch(() => undefined);
      await page
        .screenshot({ path: path.join(artifacts, `${label}.png`) })
        .catch((e: Error) => console.error(`  (no screenshot: ${e.message})`));
    }
  };

  try {
    await step('server-ready', async () => {
      server = startServer(port, dataDir);
      const ms = await waitReady(base, server);
      return `port ${port}, ready after ${ms} ms (migrations + demo seed)`;
    });

    await step('open-home', async () => {
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: chromiumPath,
        headless: process.env.E2E_HEADED !== '1',
        args: CHROMIUM_ARGS,
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
        geolocation: POSITION,
        permissions: ['geolocation'],
      });
      context.setDefaultTimeout(STEP_TIMEOUT_MS);
      page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
      });
      await page.goto(`${base}/`);
      await onPage(page, 'page-home').waitFor();
      // A visitor without a session is offered sign-in, and owes nothing that we could know.
      await onPage(page, 'page-home', '#home-signin').waitFor();
      check((await page.locator('#home-total-due').innerText()).trim() === '--', 'the signed-out home page shows an amount due');
    });

    await step('sign-in-page', async () => {
      await onPage(page!, 'page-home', '#home-signin-btn').click();
      await onPage(page!, 'page-login').waitFor();
      await onPage(page!, 'page-login', '#login-submit').waitFor();
    });

    let code = '';
    await step('code-sent', async () => {
      await typeInto(page!, 'page-login', 'login-phone', PHONE);
      await onPage(page!, 'page-login', '#login-send').click();
      // The button turns into a countdown once the server accepted the request.
      await onPage(page!, 'page-login', '#login-send').filter({ hasText: '秒后重发' }).waitFor();
      const messages = await api<{ text: string }[]>(base, `/sandbox/sms?phone=${PHONE}`);
      check(messages.length > 0, `the SMS sandbox has no message for ${PHONE}`);
      const found = /(?<!\d)(\d{6})(?!\d)/.exec(messages[messages.length - 1].text);
      check(found, `no 6-digit code in the SMS text: ${messages[messages.length - 1].text}`);
      code = found[1];
      return `code ${code}`;
    });

    await step('signed-in', async () => {
      await typeInto(page!, 'page-login', 'login-code', code);
      await onPage(page!, 'page-login', '#login-submit').click();
      // Back on home, signed in, with no account bound yet.
      await onPage(page!, 'page-home', '#home-bind').waitFor();
      check(await storedToken(page!), 'no session token in localStorage after signing in');
      check(!(await onPage(page!, 'page-home', '#home-signin').count()), 'home still offers sign-in after signing in');
    });

    await step('bind-form', async () => {
      await onPage(page!, 'page-home', '#home-bind').click();
      await onPage(page!, 'page-bind').waitFor();
      await typeInto(page!, 'page-bind', 'bind-account-no', ACCOUNT_NO);
      // The holder's name is the default proof.
      await typeInto(page!, 'page-bind', 'bind-proof', HOLDER);
    });

    await step('home-shows-account', async () => {
      await onPage(page!, 'page-bind', '#bind-submit').click();
      const card = onPage(page!, 'page-home', `#account-${ACCOUNT_NO}`);
      await card.waitFor();

      const token = await storedToken(page!);
      check(token, 'no session token in localStorage');
      const accounts = await api<{ accountNo: string; amountDueFen: number; unpaidBills: number }[]>(base, '/api/v1/accounts', token);
      const account = accounts.find((a) => a.accountNo === ACCOUNT_NO);
      check(account, `GET /api/v1/accounts does not list ${ACCOUNT_NO}`);
      check(account.amountDueFen > 0 && account.unpaidBills === 2, `demo account ${ACCOUNT_NO} should owe on 2 bills; the API says ${JSON.stringify(account)}`);

      const holder = (await card.locator('.account-card__name').innerText()).trim();
      check(holder === HOLDER_MASKED, `holder shows "${holder}", expected "${HOLDER_MASKED}"`);
      const amount = (await card.locator('.account-card__amount').innerText()).trim();
      check(amount === yuan(account.amountDueFen), `the card shows ${amount}; the API says ${account.amountDueFen} fen = ${yuan(account.amountDueFen)}`);
      const dueLabel = (await card.locator('.account-card__due-label').innerText()).trim();
      check(dueLabel.includes('2 笔'), `the card says "${dueLabel}", expected 2 unpaid bills`);
      const total = (await page!.locator('#home-total-due').innerText()).trim();
      const totalFen = accounts.reduce((s, a) => s + a.amountDueFen, 0);
      check(total === yuan(totalFen), `the total due shows ${total}; the API says ${yuan(totalFen)}`);
      const text = await onPage(page!, 'page-home').innerText();
      check(!text.includes(HOLDER), `the unmasked holder name ${HOLDER} is on the page`);
      return `${holder} owes ${amount} on ${account.unpaidBills} bills`;
    });

    await step('halls', async () => {
      await onPage(page!, 'page-home', '.home-actions__item--halls').click();
      await onPage(page!, 'page-halls').waitFor();
      const halls = onPage(page!, 'page-halls', '.hall');
      await halls.first().waitFor();
      // They arrive in one answer; give rendering a moment, then count.
      let count = await halls.count();
      for (let waited = 0; count !== HALLS_IN_DEMO && waited < 2_000; waited += 100) {
        await sleep(100);
        count = await halls.count();
      }
      check(count === HALLS_IN_DEMO, `${count} halls shown, expected ${HALLS_IN_DEMO}`);
      // Nearest first, since the browser knows where it is.
      const distances = await onPage(page!, 'page-halls', '.hall-distance').allInnerTexts();
      check(distances.length === HALLS_IN_DEMO, `${distances.length} halls show a distance, expected all ${HALLS_IN_DEMO}`);
      const meters = distances.map((d) => {
        const m = /([\d.]+)\s*(公里|米)/.exec(d);
        check(m, `unreadable distance "${d}"`);
        return Number(m[1]) * (m[2] === '公里' ? 1000 : 1);
      });
      check(
        meters.every((m, i) => i === 0 || m >= meters[i - 1]),
        `halls are not nearest first: ${distances.join(', ')}`,
      );
      const first = (await halls.first().locator('.info-item__title > :first-child').innerText()).trim();
      return `${count} halls, nearest ${first} (${distances[0].replace(/^距您\s*/, '')})`;
    });

    await step('fee-schedules', async () => {
      // Back to home (the browser's back button), where the tab bar is, then 服务 → 资费标准.
      await page!.goBack();
      await onPage(page!, 'page-home').waitFor();
      await page!.locator('.weui-tabbar__item', { hasText: '服务' }).click();
      await onPage(page!, 'page-services').waitFor();
      await onPage(page!, 'page-services', '.services-link--fees').click();
      await onPage(page!, 'page-fees').waitFor();
      await onPage(page!, 'page-fees', '.fee-tier').first().waitFor();

      const fees = await api<{ schedules: { name: string; unit: string; tiers: { label: string; priceFen: number }[] }[] }>(base, '/api/v1/fee-schedules');
      const tiered = fees.schedules.find((s) => s.tiers.length > 1) ?? fees.schedules[0];
      check(tiered, 'GET /api/v1/fee-schedules lists no schedule');
      const section = onPage(page!, 'page-fees', '.fee-schedule').filter({ hasText: tiered.name }).first();
      await section.waitFor();
      await section.scrollIntoViewIfNeeded();
      const rows = await section.locator('.fee-tier').allInnerTexts();
      check(rows.length === tiered.tiers.length, `"${tiered.name}" shows ${rows.length} tiers, the API has ${tiered.tiers.length}`);
      for (const [i, t] of tiered.tiers.entries()) {
        const price = `${yuan(t.priceFen)}/${tiered.unit}`;
        check(rows[i].includes(t.label) && rows[i].includes(price), `tier ${i + 1} of "${tiered.name}" shows "${rows[i].replace(/\s+/g, ' ')}", expected ${t.label} ${price}`);
      }
      return `"${tiered.name}": ${tiered.tiers.map((t) => `${t.label} ${yuan(t.priceFen)}/${tiered.unit}`).join(', ')}`;
    });

    // An uncaught exception in the page is a bug even when every step above still worked.
    await step('no-uncaught-errors', async () => {
      const uncaught = pageErrors.filter((e) => e.startsWith('pageerror:'));
      check(uncaught.length === 0, `the page threw:\n  ${uncaught.join('\n  ')}`);
    }, { screenshot: false });
  } finally {
    if (context) await (context as BrowserContext).close().catch(() => undefined);
    await stopServer(server);
    writeFileSync(path.join(artifacts, 'server.log'), serverLog.join('\n') + '\n');
    if (process.env.E2E_KEEP !== '1') {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(profileDir, { recursive: true, force: true });
    }
  }

  const passed = results.filter((r) => r.ok).length;
  const failedCount = results.length - passed;
  const totalMs = results.reduce((s, r) => s + r.ms, 0);
  if (pageErrors.length && !failed) console.log(`  (browser console errors, not counted as failures:\n    ${pageErrors.map((e) => e.slice(0, 200)).join('\n    ')})`);
  console.log(`  screenshots: ${path.relative(root, artifacts)}/ (${Math.round(totalMs / 100) / 10} s in steps)`);
  console.log(`e2e: ${passed} passed, ${failedCount} failed`);
  return failedCount === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    console.log('e2e: 0 passed, 1 failed');
    process.exit(1);
  },
);
