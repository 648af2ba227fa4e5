/**
 * Pieces the benchmarks share: open payment orders to notify, free ports, child servers, tables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Orm } from '../../server/src/db';
import { Account } from '../../server/src/modules/accounts/account.entity';
import { Bill } from '../../server/src/modules/billing/bill.entity';
import { User } from '../../server/src/modules/users/user.entity';
import { PaymentOrder } from '../../server/src/modules/payments/payment-order.entity';
import { PaymentOrderBill } from '../../server/src/modules/payments/payment-order-bill.entity';
import { newOutTradeNo } from '../../server/src/modules/payments/payment-orders.service';

/** User + system CPU time of a process so far, in µs (Linux /proc), or null where unreadable. */
export function cpuUs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100;
/** MariaDB's process when it runs on this machine (its CPU is part of a signed-in request's cost). */
export const dbPid = (() => {
  if (!process.env.DATABASE_URL) return undefined;
  try {
    return Number(readFileSync('/run/mysqld/mysqld.pid', 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
})();

export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer`);
  return n;
}

export function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * N open WeChat H5 payment orders, one fresh unpaid bill each, on an account made for this run
 * (so the benchmark can run again on the same database), written straight to the database:
 * creating orders is not what is measured, and N bills cannot be ordered through the API one by one
 * fast enough to matter.
 */
export async function createOpenOrders(orm: Orm, n: number, area: string): Promise<Array<{ outTradeNo: string; amountFen: number }>> {
  const em = orm.em.fork();
  const now = new Date();
  const tag = `${Date.now()}`.slice(-8) + String(process.pid % 10);
  const account = Object.assign(new Account(), {
    accountNo: `9${tag}`,
    serviceType: 'water' as const,
    holderName: '压测',
    holderPhone: '13900000000',
    address: '压测地址',
    area,
    createdAt: now,
  });
  const payer = Object.assign(new User(), { phone: `139${tag}`, createdAt: now });
  em.persist([account, payer]);
  await em.flush();
  const created: Array<{ outTradeNo: string; amountFen: number }> = [];
  await em.transactional(async (tx) => {
    const pending: Array<{ bill: Bill; order: PaymentOrder }> = [];
    for (let i = 0; i < n; i++) {
      const amountFen = 1000 + i;
      const period = `${3000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
      const bill = Object.assign(new Bill(), { accountId: account.id, period, amountFen, dueDate: '2999-12-31', createdAt: now });
      const order = Object.assign(new PaymentOrder(), {
        outTradeNo: newOutTradeNo(now),
        userId: payer.id,
        kind: 'bills' as const,
        channel: 'wechat_h5' as const,
        amountFen,
        description: 'bench',
        expiresAt: new Date(now.getTime() + 3600_000),
        createdAt: now,
        updatedAt: now,
      });
      tx.persist([bill, order]);
      pending.push({ bill, order });
      created.push({ outTradeNo: order.outTradeNo, amountFen });
    }
    await tx.flush();
    for (const { bill, order } of pending) {
      tx.persist(Object.assign(new PaymentOrderBill(), { orderId: order.id, billId: bill.id, amountFen: order.amountFen, lateFeeFen: 0, openLock: 1 }));
    }
  });
  return created;
}

/** How many of the orders' bills are paid now. */
export async function paidBillsOf(orm: Orm, outTradeNos: string[]): Promise<number> {
  const em = orm.em.fork();
  const orders = await em.find(PaymentOrder, { outTradeNo: { $in: outTradeNos } }, { fields: ['id'] });
  const links = await em.find(PaymentOrderBill, { orderId: { $in: orders.map((o) => o.id) } }, { fields: ['billId'] });
  return em.count(Bill, { id: { $in: links.map((l) => l.billId) }, status: 'paid' });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A child process running `tsx <script>`, its output kept for when it fails. */
export function spawnTsx(script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): { child: ChildProcess; log: string[] } {
  const log: string[] = [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', process.env.BENCH_STDERR ? 'inherit' : 'pipe'] });
  const keep = (b: Buffer) => {
    log.push(b.toString('utf8'));
    if (log.length > 50) log.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log };
}

/** Waits until `url` answers 200, or fails with the child's last output. */
export async function waitReady(url: string, proc: { child: ChildProcess; log: string[] }, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`server exited (${proc.child.exitCode}):\n${proc.log.join('')}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server not ready at ${url} after ${timeoutMs} ms:\n${proc.log.join('')}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
