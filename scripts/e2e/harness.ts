/**
 * The reusable part of the browser end-to-end suites (issue 5, "Tests and checks"): a real server on
 * a fresh embedded database with the sandboxes and the demo data, Debian chromium on a phone-sized
 * screen, and numbered steps that each leave a screenshot.
 *
 *   runE2E({ name: 'h5', run: async (e2e) => { await e2e.openBrowser(); await e2e.step('x', async () => …) } })
 *
 * A suite only describes its journey; this module starts and stops everything, prints one
 * `e2e: N passed, M failed` line and exits with the matching code.
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
import { accessibilityProblems } from './accessibility';

/** A real 1×1 PNG, for journeys that upload a photo: the server (and WeChat Pay's sandbox) decide the type from the bytes. */
export const ONE_PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export const root = path.resolve(__dirname, '..', '..');
const h5Dir = path.join(root, 'client', 'dist', 'h5');
const h5Index = path.join(h5Dir, 'index.html');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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

export const STEP_TIMEOUT_MS = 15_000;

/** West Lake, Hangzhou: the demo halls are in Hangzhou, so lists sorted by distance have an order. */
export const DEFAULT_POSITION = { latitude: 30.2591, longitude: 120.1479 };

// ---- server ----

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

function startServer(port: number, dataDir: string, keepLog: (chunk: Buffer) => void, env: Record<string, string>): ChildProcess {
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
      H5_DIR: h5Dir,
      // What goes through the outbox (notices, the billing system) arrives within seconds, not 30.
      OUTBOX_INTERVAL_SECONDS: '2',
      ...env,
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
  // tsx runs the server in a child process of its own, which may still be finishing its last writes
  // when the wrapper has exited: wait (up to 10 s) until no process of the group is left.
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
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
export interface BrowserGlobals {
  localStorage: { getItem(key: string): string | null; clear(): void };
  document: { getAnimations(): { playState: string; effect: { getComputedTiming(): { iterations?: number } } | null }[] };
  requestAnimationFrame(callback: () => void): number;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Independent of the client's formatter on purpose: 12345 fen → "¥123.45". */
export function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`;
}

/** Calls the API directly (as the test's own view of the truth), failing on any error envelope. */
export async function api<T>(base: string, pathAndQuery: string, token?: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${base}${pathAndQuery}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await res.json()) as { data?: T; error?: unknown };
  check(res.ok && body.data !== undefined, `${init.method ?? 'GET'} ${pathAndQuery} answered ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.data as T;
}

/** The session token as the H5 client stored it (Taro keeps `{ data }` JSON in localStorage). */
export async function storedToken(page: Page): Promise<string | null> {
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
export function onPage(page: Page, pageId: string, selector = '') {
  return page.locator(`#${pageId}:visible ${selector}`.trim());
}

/**
 * Waits for Taro's page transition (and any other finite animation) to finish, so a screenshot
 * shows the page as a person sees it rather than two pages half slid over each other.
 */
export async function settle(page: Page): Promise<void> {
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
export async function typeInto(page: Page, pageId: string, inputId: string, text: string): Promise<void> {
  const input = onPage(page, pageId, `#${inputId} input`);
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
}

/**
 * On a fresh Debian machine run as root (CI, a container), install the browser and a Chinese
 * font with apt so that README's test command works as pasted. Elsewhere the run stops with the
 * command to run.
 */
function installBrowserWithApt(): void {
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) return;
  console.log('e2e: chromium is missing; installing chromium and fonts-noto-cjk with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  if (update.status !== 0) return;
  spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium', 'fonts-noto-cjk'], { stdio: 'inherit', env });
}

// ---- the suite runner ----

export interface StepOptions {
  /** Screenshot the screen after the step (default true; also taken when the step failed). */
  screenshot?: boolean;
  /** With the suite's `accessibility`, check the page the step ends on (default true). */
  accessibility?: boolean;
}

export interface E2E {
  /** `http://127.0.0.1:<port>`: the server, which also serves the H5 build. */
  readonly base: string;
  /** The folder the screenshots and server.log go to. */
  readonly artifacts: string;
  /** The browser page; throws before `openBrowser()`. */
  readonly page: Page;
  /** Browser `pageerror`s and console errors seen so far. */
  readonly pageErrors: string[];
  /**
   * Runs one numbered step, then screenshots the screen as it stands. After a failed step the
   * remaining steps are skipped. The returned string is printed beside the step.
   */
  step(name: string, work: () => Promise<string | void>, opts?: StepOptions): Promise<void>;
  /**
   * Launches chromium (phone-sized, zh-CN, Asia/Shanghai, with a position) and opens `pathname`;
   * `userAgent` makes it another browser (WeChat's: one containing MicroMessenger).
   */
  openBrowser(pathname?: string, opts?: BrowserOptions): Promise<Page>;
  /**
   * Launches a second chromium like the first, with a profile of its own (no session, nothing
   * stored: another person on another phone), opens `pathname` there and makes it the current page.
   */
  openOtherBrowser(pathname?: string, opts?: BrowserOptions): Promise<Page>;
  /** Makes `page` (of either browser) the current page: what `page`, `token()`, `api()` and the screenshots use. */
  usePage(page: Page): void;
  /** The session token the H5 client stored; fails the step when there is none. */
  token(): Promise<string>;
  /** `api()` against this server with the stored session token. */
  api<T>(pathAndQuery: string, init?: { method?: string; body?: unknown }): Promise<T>;
}

/** How a suite's browser differs from the default phone browser. */
export interface BrowserOptions {
  /** The browser's user agent (default chromium's own), e.g. WeChat's, with MicroMessenger in it. */
  userAgent?: string;
}

export interface Suite {
  /** Shown in the log lines. */
  name: string;
  /** Under artifacts/e2e/ (default: artifacts/e2e itself). Earlier screenshots there are removed. */
  artifactsSubdir?: string;
  /**
   * Check every page a step ends on (our pages; not the gateways' sandbox cashiers) for tap targets,
   * labels and contrast (accessibility.ts); a problem fails the step, naming the element.
   */
  accessibility?: boolean;
  /** Extra server environment (e.g. a time-compressed sandbox). */
  serverEnv?: Record<string, string>;
  position?: { latitude: number; longitude: number };
  run(e2e: E2E): Promise<void>;
}

async function runSuite(suite: Suite): Promise<number> {
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

  const artifacts = path.join(root, 'artifacts', 'e2e', suite.artifactsSubdir ?? '');
  mkdirSync(artifacts, { recursive: true });
  for (const f of readdirSync(artifacts)) if (f.endsWith('.png') || f.endsWith('.log')) unlinkSync(path.join(artifacts, f));

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openhall-e2e-data-'));
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'openhall-e2e-profile-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;

  /** Last lines the server printed, shown when a step fails. */
  const serverLog: string[] = [];
  const keepLog = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      serverLog.push(line);
      if (serverLog.length > 60) serverLog.shift();
    }
  };

  let server: ChildProcess | null = null;
  let page: Page | null = null;
  const results: { name: string; ms: number; ok: boolean }[] = [];
  const pageErrors: string[] = [];
  let failed = false;
  let n = 0;

  const contexts: BrowserContext[] = [];
  const otherProfiles: string[] = [];
  /** A phone-sized chromium on a profile folder; its page's errors are collected. */
  const launch = async (dir: string, opts: BrowserOptions = {}): Promise<Page> => {
    const context = await chromium.launchPersistentContext(dir, {
      ...(opts.userAgent ? { userAgent: opts.userAgent } : {}),
      executablePath: chromiumPath,
      headless: process.env.E2E_HEADED !== '1',
      args: CHROMIUM_ARGS,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      geolocation: suite.position ?? DEFAULT_POSITION,
      permissions: ['geolocation'],
    });
    contexts.push(context);
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const opened = context.pages()[0] ?? (await context.newPage());
    opened.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    opened.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console (step ${n}): ${m.text()}`);
    });
    return opened;
  };

  const step: E2E['step'] = async (name, work, opts = {}) => {
    if (failed) return;
    n += 1;
    const label = `${String(n).padStart(2, '0')}-${name}`;
    const started = Date.now();
    try {
      const note = await work();
      if (suite.accessibility && page && (opts.accessibility ?? true) && !new URL(page.url()).pathname.startsWith('/sandbox/')) {
        await settle(page).catch(() => undefined);
        const problems = await accessibilityProblems(page);
        const report = `accessibility: ${problems.length} problem(s) on ${page.url()}:\n  ${problems.map((p) => `${p.rule}: ${p.element} — ${p.detail}`).join('\n  ')}`;
        // E2E_A11Y_REPORT=1 lists the problems of every step and goes on (to fix them all in one round).
        if (process.env.E2E_A11Y_REPORT && problems.length > 0) console.log(report);
        else check(problems.length === 0, report);
      }
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

  const e2e: E2E = {
    base,
    artifacts,
    pageErrors,
    get page(): Page {
      check(page, 'the browser is not open yet (call openBrowser() first)');
      return page;
    },
    step,
    async openBrowser(pathname = '/', opts = {}) {
      const opened = await launch(profileDir, opts);
      page = opened;
      await opened.goto(`${base}${pathname}`);
      return opened;
    },
    async openOtherBrowser(pathname = '/', opts = {}) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'openhall-e2e-profile-'));
      otherProfiles.push(dir);
      const opened = await launch(dir, opts);
      page = opened;
      await opened.goto(`${base}${pathname}`);
      return opened;
    },
    usePage(p: Page) {
      page = p;
    },
    async token() {
      const token = await storedToken(e2e.page);
      check(token, 'no session token in localStorage');
      return token;
    },
    async api<T>(pathAndQuery: string, init?: { method?: string; body?: unknown }) {
      return api<T>(base, pathAndQuery, await e2e.token(), init);
    },
  };

  console.log(`e2e: ${suite.name}`);
  try {
    await step('server-ready', async () => {
      server = startServer(port, dataDir, keepLog, suite.serverEnv ?? {});
      const ms = await waitReady(base, server);
      return `port ${port}, ready after ${ms} ms (migrations + demo seed)`;
    });
    if (!failed) await suite.run(e2e);

    // An uncaught exception in the page is a bug even when every step still worked.
    await step('no-uncaught-errors', async () => {
      const uncaught = pageErrors.filter((e) => e.startsWith('pageerror:'));
      check(uncaught.length === 0, `the page threw:\n  ${uncaught.join('\n  ')}`);
    }, { screenshot: false });
    if (process.env.E2E_SHOW_CONSOLE) console.log(`browser console errors:\n  ${pageErrors.join('\n  ') || '(none)'}`);
    // The site refusing its own code (Taro's old tab bar's `javascript:` links, an inline handler) is a bug too.
    await step('no-csp-violations', async () => {
      const refused = pageErrors.filter((e) => /Content Security Policy/i.test(e));
      check(refused.length === 0, `the site's CSP refused the site's own code:\n  ${refused.join('\n  ')}`);
    }, { screenshot: false });
  } catch (err) {
    // A bug in the suite itself (outside a step) counts as a failed step.
    failed = true;
    results.push({ name: 'suite', ms: 0, ok: false });
    console.error(`\ne2e: ${(err as Error).stack ?? err}`);
  } finally {
    for (const context of contexts) await context.close().catch(() => undefined);
    await stopServer(server);
    writeFileSync(path.join(artifacts, 'server.log'), serverLog.join('\n') + '\n');
    if (process.env.E2E_KEEP !== '1') {
      // The server's last writes (the payment sandboxes' ledgers) may still be landing as it exits:
      // a directory emptied while it is being removed is retried, not a failed run.
      // Leaving a temporary directory behind is not a failed journey: say so and go on.
      for (const dir of [dataDir, profileDir, ...otherProfiles]) {
        try {
          rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
        } catch (err) {
          console.warn(`e2e: could not remove ${dir}: ${(err as Error).message}`);
        }
      }
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

/**
 * Runs the suites one after the other (each on its own server: e.g. one configuration, then
 * another) and exits the process with 0 when every step of every suite passed, 1 otherwise.
 */
export function runE2E(...suites: Suite[]): void {
  (async () => {
    let code = 0;
    for (const suite of suites) code = Math.max(code, await runSuite(suite));
    return code;
  })().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      console.log('e2e: 0 passed, 1 failed');
      process.exit(1);
    },
  );
}

// ---- journeys more than one suite needs ----

/**
 * From the signed-out home page: 首页 → sign-in → SMS code read from the SMS sandbox → signed in,
 * back on home. Three steps.
 */
export async function signInBySms(e2e: E2E, phone: string): Promise<void> {
  await e2e.step('sign-in-page', async () => {
    await onPage(e2e.page, 'page-home', '#home-signin-btn').click();
    await onPage(e2e.page, 'page-login').waitFor();
    await onPage(e2e.page, 'page-login', '#login-submit').waitFor();
  });

  let code = '';
  await e2e.step('code-sent', async () => {
    await typeInto(e2e.page, 'page-login', 'login-phone', phone);
    // The consent box Chinese apps show at sign-in: no code is sent until it is ticked.
    await onPage(e2e.page, 'page-login', '#login-agree').click();
    await onPage(e2e.page, 'page-login', '#login-agree[aria-checked="true"]').waitFor();
    await onPage(e2e.page, 'page-login', '#login-send').click();
    // The button turns into a countdown once the server accepted the request.
    await onPage(e2e.page, 'page-login', '#login-send').filter({ hasText: '秒后重发' }).waitFor();
    const messages = await api<{ text: string }[]>(e2e.base, `/sandbox/sms?phone=${phone}`);
    check(messages.length > 0, `the SMS sandbox has no message for ${phone}`);
    const found = /(?<!\d)(\d{6})(?!\d)/.exec(messages[messages.length - 1].text);
    check(found, `no 6-digit code in the SMS text: ${messages[messages.length - 1].text}`);
    code = found[1];
    return `code ${code}`;
  });

  await e2e.step('signed-in', async () => {
    await typeInto(e2e.page, 'page-login', 'login-code', code);
    await onPage(e2e.page, 'page-login', '#login-submit').click();
    await onPage(e2e.page, 'page-home').waitFor();
    await onPage(e2e.page, 'page-home', '#home-signin').waitFor({ state: 'detached' });
    check(await storedToken(e2e.page), 'no session token in localStorage after signing in');
  });
}

/**
 * Fills and submits the page-bind form (already open, from home or 我的) with the holder's name as
 * proof, and waits until the form has gone (the bind succeeded and the app went back).
 */
export async function submitBindForm(e2e: E2E, accountNo: string, holder: string): Promise<void> {
  await onPage(e2e.page, 'page-bind').waitFor();
  await typeInto(e2e.page, 'page-bind', 'bind-account-no', accountNo);
  // The holder's name is the default proof.
  await typeInto(e2e.page, 'page-bind', 'bind-proof', holder);
  await onPage(e2e.page, 'page-bind', '#bind-submit').click();
  await onPage(e2e.page, 'page-bind').waitFor({ state: 'hidden' });
}

/** Opens a route of the H5 site as a fresh page load (a hash change alone would keep the old page stack). */
export async function openRoute(e2e: E2E, route: string, screen: { width: number; height: number }): Promise<Page> {
  const page = e2e.page;
  await page.setViewportSize(screen);
  await page.goto('about:blank');
  await page.goto(`${e2e.base}/#${route}`);
  return page;
}

/** The screen the staff console is used on: a desk at 1366 × 800. */
export const DESK = { width: 1366, height: 800 };

/**
 * Signs a member of staff in to the console at a desk and waits for the queue to greet them by job
 * number. `fresh`: clear the browser's storage first (whoever was signed in, in either role, is gone).
 */
export async function signInConsole(e2e: E2E, who: { username: string; password: string; jobNo: string }, fresh = true): Promise<Page> {
  const page = await openRoute(e2e, '/pages/staff/login/index', DESK);
  if (fresh) {
    await page.evaluate(() => (globalThis as unknown as BrowserGlobals).localStorage.clear());
    await page.reload();
  }
  await typeInto(page, 'page-staff-login', 'staff-username', who.username);
  await typeInto(page, 'page-staff-login', 'staff-password', who.password);
  await onPage(page, 'page-staff-login', '#staff-login-submit').click();
  await onPage(page, 'page-staff-queue', '#staff-who').filter({ hasText: who.jobNo }).waitFor();
  return page;
}

/** The console's own session token (kept apart from the subscriber's). */
export async function staffToken(page: Page): Promise<string> {
  const raw = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).localStorage.getItem('openhall.staffToken'));
  check(raw, 'no staff token in localStorage after the console sign-in');
  const parsed = JSON.parse(raw) as { data?: unknown } | string;
  const token = typeof parsed === 'string' ? parsed : parsed.data;
  check(typeof token === 'string', `unreadable staff token ${raw}`);
  return token;
}
