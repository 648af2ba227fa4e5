/**
 * Runs a sandbox script (scripts/workorder-sandbox.ts, scripts/billing-sandbox.ts) as a child
 * process and waits until it prints `[<name>] listening on <url>,`: what scripts/start.ts uses to
 * give the server real, separate systems to talk to. The child ends with its parent: it exits when
 * its stdin closes (the parent exiting, however it exits), and `stop()` ends it on purpose.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface SandboxProcess {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  stop(): Promise<void>;
}

export interface SandboxProcessOptions {
  /** OpenHall's base URL, where the sandbox sends what it sends (events, batches). */
  openhallUrl: string;
  /** 0 (default): any free port, so several copies can run side by side. */
  port?: number;
  secret?: string;
  /** Start failing (500) or slow; both can be changed later with POST /control. */
  fail?: boolean;
  delayMs?: number;
  /** Where the child's own log lines go (default: this process's stdout). */
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

/** One kind of sandbox: its script, the name it logs under, and the prefix of its environment variables. */
interface SandboxKind {
  script: string;
  name: string;
  env: string;
  /** The variable its shared secret is read from. */
  secretVar: string;
  /** More environment for the child. */
  extraEnv?: NodeJS.ProcessEnv;
}

const root = path.resolve(__dirname, '..');

/** Starts a sandbox script as its own process and resolves once it listens. */
export function startSandboxProcess(kind: SandboxKind, opts: SandboxProcessOptions): Promise<SandboxProcess> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const listening = new RegExp(`\\[${kind.name}\\] listening on (http:\\/\\/\\S+?),`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...kind.extraEnv,
    [`${kind.env}_PORT`]: String(opts.port ?? 0),
    OPENHALL_URL: opts.openhallUrl,
    [`${kind.env}_EXIT_WITH_PARENT`]: 'true',
    ...(opts.secret ? { [kind.secretVar]: opts.secret } : {}),
    ...(opts.fail ? { [`${kind.env}_FAIL`]: 'true' } : {}),
    ...(opts.delayMs ? { [`${kind.env}_DELAY_MS`]: String(opts.delayMs) } : {}),
  };
  // `--import tsx` runs the TypeScript in this one node process (no tsx wrapper to relay signals through).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', kind.script)], { cwd: root, env, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffered = '';
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the ${kind.name} did not start in time`));
    }, opts.startTimeoutMs ?? 60_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        log(line);
        const m = started ? null : listening.exec(line);
        if (m) {
          started = true;
          clearTimeout(timer);
          resolve({
            child,
            baseUrl: m[1],
            stop: () =>
              new Promise<void>((done) => {
                if (child.exitCode !== null || child.signalCode !== null) return done();
                child.once('exit', () => done());
                child.kill('SIGTERM');
              }),
          });
        }
      }
    });
    child.once('exit', (code, signal) => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`the ${kind.name} exited before listening (code ${code}, signal ${signal})`));
    });
  });
}

/** The work-order sandbox as its own process; `ordersUrl` is what WORKORDER_URL is set to. */
export async function startWorkOrderSandboxProcess(opts: SandboxProcessOptions): Promise<SandboxProcess & { ordersUrl: string }> {
  const p = await startSandboxProcess({ script: 'workorder-sandbox.ts', name: 'workorder-sandbox', env: 'WORKORDER_SANDBOX', secretVar: 'WORKORDER_SECRET' }, opts);
  return { ...p, ordersUrl: `${p.baseUrl}/orders` };
}

/** The billing-system sandbox as its own process, its state under `dataDir`; its base URL is what BILLING_URL is set to. */
export function startBillingSandboxProcess(opts: SandboxProcessOptions & { dataDir?: string }): Promise<SandboxProcess> {
  return startSandboxProcess(
    { script: 'billing-sandbox.ts', name: 'billing-sandbox', env: 'BILLING_SANDBOX', secretVar: 'BILLING_SECRET', extraEnv: opts.dataDir ? { DATA_DIR: opts.dataDir } : {} },
    opts,
  );
}

/**
 * In a sandbox's own process: exit when the parent that started it goes (it holds our stdin open;
 * stopped, crashed or killed, the pipe closes), if `EXIT_WITH_PARENT` says so, and on SIGTERM.
 */
export function tieToParent(exitWithParent: boolean): void {
  if (exitWithParent) {
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('close', () => process.exit(0));
  }
  process.on('SIGTERM', () => process.exit(0));
}
