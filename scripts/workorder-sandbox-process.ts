/**
 * Runs scripts/workorder-sandbox.ts as a child process and waits until it listens: what
 * scripts/start.ts uses to give the server a real, separate work-order system to talk to.
 * The child ends with its parent: it exits when its stdin closes (the parent exiting, however
 * it exits), and `stop()` ends it on purpose.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface SandboxProcess {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  /** Where OpenHall posts orders: set WORKORDER_URL to this. */
  ordersUrl: string;
  stop(): Promise<void>;
}

export interface SandboxProcessOptions {
  /** OpenHall's base URL, where the sandbox sends status events. */
  openhallUrl: string;
  /** 0 (default): any free port, so several copies can run side by side. */
  port?: number;
  secret?: string;
  /** Start failing (500) or slow, to watch the dispatcher retry; both can be changed later with POST /control. */
  fail?: boolean;
  delayMs?: number;
  /** Where the child's own log lines go (default: this process's stdout). */
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

const LISTENING = /\[workorder-sandbox\] listening on (http:\/\/\S+?),/;

export function startWorkOrderSandboxProcess(opts: SandboxProcessOptions): Promise<SandboxProcess> {
  const root = path.resolve(__dirname, '..');
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WORKORDER_SANDBOX_PORT: String(opts.port ?? 0),
    OPENHALL_URL: opts.openhallUrl,
    WORKORDER_SANDBOX_EXIT_WITH_PARENT: 'true',
    ...(opts.secret ? { WORKORDER_SECRET: opts.secret } : {}),
    ...(opts.fail ? { WORKORDER_SANDBOX_FAIL: 'true' } : {}),
    ...(opts.delayMs ? { WORKORDER_SANDBOX_DELAY_MS: String(opts.delayMs) } : {}),
  };
  // `--import tsx` runs the TypeScript in this one node process (no tsx wrapper to relay signals through).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'workorder-sandbox.ts')], { cwd: root, env, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffered = '';
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error('the work-order sandbox did not start in time'));
    }, opts.startTimeoutMs ?? 30_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        log(line);
        const m = started ? null : LISTENING.exec(line);
        if (m) {
          started = true;
          clearTimeout(timer);
          const baseUrl = m[1];
          resolve({
            child,
            baseUrl,
            ordersUrl: `${baseUrl}/orders`,
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
      reject(new Error(`the work-order sandbox exited before listening (code ${code}, signal ${signal})`));
    });
  });
}
