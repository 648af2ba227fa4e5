/**
 * The signed-in bills list against its floor (bare Koa + mysql2, scripts/bench/bare-koa-bills.ts),
 * both in this one process: each request goes straight into the app's request handler over an
 * in-memory socket, so neither the network nor an HTTP client is measured, only what each server
 * spends on a request (its JavaScript, its database round trip, its collections), in alternating
 * rounds of the same length. MySQL/MariaDB only (the floor speaks mysql2):
 *
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/test npx tsx scripts/bench/bills-inproc.ts [--rounds 6] [--requests 4000] [--concurrency 20]
 *
 * A fresh database with the demo data is made (and dropped) as the tests make theirs; a subscriber
 * signs in by SMS and binds demo account 1000000001, whose unpaid bills all three answer (the third:
 * the floor building OpenHall's answer, FLOOR_SAME_ANSWER in bare-koa-bills.ts). Prints the CPU
 * time of this process per request for each round and the medians (scripts/bench/api.ts measures
 * the same two over HTTP with autocannon).
 */
import { Duplex } from 'node:stream';
import http from 'node:http';
import type { Socket } from 'node:net';
import { createTestApp, signInBySms } from '../../server/test/harness';
import { createBillsFloor } from './bare-koa-bills';
import { numberArg, printTable } from './lib';

/** A socket that takes whatever is written to it: the response is made in full and thrown away. */
class NullSocket extends Duplex {
  readonly remoteAddress = '10.0.0.9';
  override _read(): void {}
  override _write(_chunk: unknown, _encoding: BufferEncoding, cb: () => void): void {
    cb();
  }
  override _writev(_chunks: unknown, cb: () => void): void {
    cb();
  }
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;

/** One GET through `handler`, resolved when the response has been written whole; its status. */
function get(handler: Handler, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const socket = new NullSocket() as unknown as Socket;
    const req = new http.IncomingMessage(socket);
    Object.assign(req, { method: 'GET', url: path, httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1, headers: { host: '127.0.0.1', ...headers } });
    req.push(null);
    const res = new http.ServerResponse(req);
    res.assignSocket(socket);
    res.on('finish', () => resolve(res.statusCode));
    void handler(req, res);
  });
}

async function main(): Promise<void> {
  if (!/^(mysql|mariadb):/.test(process.env.DATABASE_URL ?? '')) throw new Error('DATABASE_URL=mysql://… is needed: the floor speaks mysql2');
  const rounds = numberArg('rounds', 6);
  const requests = numberArg('requests', 4000);
  const concurrency = numberArg('concurrency', 20);
  const t = await createTestApp();
  const floorUrl = t.config.db.type === 'mysql' ? t.config.db.url : '';
  const floor = createBillsFloor(floorUrl);
  const sameFloor = createBillsFloor(floorUrl, 10, { lateFee: t.config.operator.lateFee });
  try {
    const token = await signInBySms(t, '13900001111');
    const bound = await t.request.post('/api/v1/accounts/bind').set('Authorization', `Bearer ${token}`).send({ accountNo: '1000000001', holderName: '张三' }).expect(201);
    const path = `/api/v1/bills?accountId=${bound.body.data.id}&status=unpaid`;
    const headers = { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip, deflate, br' };
    const servers: Array<[string, Handler]> = [
      ['OpenHall', t.app.callback() as Handler],
      ['floor: koa + mysql2', floor.app.callback() as Handler],
      ['floor, same answer', sameFloor.app.callback() as Handler],
    ];
    const run = async (handler: Handler, n: number): Promise<number> => {
      let next = 0;
      const cpu = process.cpuUsage();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < n) {
            const status = await get(handler, path, headers);
            if (status !== 200) throw new Error(`answered ${status}`);
          }
        }),
      );
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / n;
    };
    for (const [, handler] of servers) await run(handler, 2000); // warm-up
    const us = servers.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) for (const [i, [, handler]] of servers.entries()) us[i].push(await run(handler, requests));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const floorUs = median(us[1]);
    printTable(
      `Bills list in-process — ${t.config.db.type}, ${concurrency} at a time, ${rounds} rounds of ${requests} requests each; CPU µs a request`,
      ['server', 'rounds', 'median µs', 'vs floor'],
      servers.map(([name], i) => [name, us[i].map((x) => x.toFixed(0)).join(' '), median(us[i]).toFixed(0), `${((100 * floorUs) / median(us[i])).toFixed(1)}%`]),
    );
  } finally {
    await floor.pool.end();
    await sameFloor.pool.end();
    await t.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
