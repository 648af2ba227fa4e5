/**
 * The ticket reads that grow with the number of tickets, as after an area outage and over a busy
 * month: the staff queue (`GET /api/v1/staff/tickets`, every open ticket's deadline is computed to
 * sort it), the supervisors' metrics (`GET /api/v1/staff/metrics`, this month's resolved tickets
 * judged against their commitments) and the public scorecard (`GET /api/v1/performance`, the last
 * 30 days', recomputed once a minute: here every request is a new minute). Prints time and CPU per
 * request at each count.
 *
 *   npx tsx scripts/bench/tickets.ts [--counts 1,1000,5000] [--requests 10]
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/test npx tsx scripts/bench/tickets.ts
 *
 * Runs in this process on a fresh database (the test harness: temporary SQLite, or a new MySQL
 * database dropped afterwards). At each count there are that many open tickets and as many
 * resolved this month: copies of one filed through the API, and of one filed, claimed and resolved.
 */
import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../server/test/harness';
import { printTable, numberArg } from './lib';

const counts = process.argv.includes('--counts') ? process.argv[process.argv.indexOf('--counts') + 1].split(',').map(Number) : [1, 1000, 5000];
const requests = numberArg('requests', 10);

/** Inserts copies of a ticket row until there are `n` tickets with its status (`have` so far). */
async function copyTicket(t: TestApp, id: number, have: number, n: number): Promise<void> {
  const conn = t.orm.em.getConnection();
  const [row] = await conn.execute<Array<Record<string, unknown>>>('select * from `ticket` where `id` = ?', [id]);
  const columns = Object.keys(row).filter((c) => c !== 'id');
  const copy = `insert into \`ticket\` (${columns.map((c) => `\`${c}\``).join(', ')}) select ${columns.map((c) => `\`${c}\``).join(', ')} from \`ticket\` where \`id\` = ?`;
  for (let i = have; i < n; i++) await conn.execute(copy, [id]);
}

async function main(): Promise<void> {
  const t = await createTestApp();
  try {
    const staff = { Authorization: `Bearer ${await signInStaff(t, 'agent1')}` };
    const supervisor = { Authorization: `Bearer ${await signInStaff(t, 'supervisor1')}` };
    const phone = '13900001111';
    const auth = { Authorization: `Bearer ${await signInBySms(t, phone)}` };
    const account = await t.request.post('/api/v1/accounts/bind').set(auth).send({ accountNo: '1000000001', holderName: '张三' }).expect(201);
    const file = async () =>
      (
        await t.request
          .post('/api/v1/tickets')
          .set(auth)
          .send({ type: 'fault', accountId: account.body.data.id, description: '电视没有信号，机顶盒指示灯不亮', contactPhone: phone })
          .expect(201)
      ).body.data.id as number;
    const open = await file();
    const resolved = await file();
    await t.request.post(`/api/v1/staff/tickets/${resolved}/claim`).set(staff).expect(200);
    await t.request.post(`/api/v1/staff/tickets/${resolved}/resolve`).set(staff).send({ message: '已更换机顶盒，信号恢复' }).expect(200);

    const reads: Array<{ name: string; get: () => Promise<unknown> }> = [
      { name: 'staff queue', get: () => t.request.get('/api/v1/staff/tickets?pageSize=20').set(staff).expect(200) },
      { name: 'staff metrics, this month', get: () => t.request.get('/api/v1/staff/metrics').set(supervisor).expect(200) },
      {
        name: 'public scorecard',
        get: () => {
          t.clock.advance(61_000); // a new minute: recomputed, not answered from the minute's copy
          return t.request.get('/api/v1/performance').expect(200);
        },
      },
    ];
    const rows: string[][] = [];
    let have = 1;
    for (const count of counts) {
      await copyTicket(t, open, have, count);
      await copyTicket(t, resolved, have, count);
      have = Math.max(have, count);
      const queue = await t.request.get('/api/v1/staff/tickets?pageSize=1').set(staff).expect(200);
      if (queue.body.data.total !== 2 * have) throw new Error(`queue total ${queue.body.data.total}, expected ${2 * have} (open and resolved)`);
      for (const read of reads) {
        await read.get();
        const cpu0 = process.cpuUsage();
        const start = process.hrtime.bigint();
        for (let i = 0; i < requests; i++) await read.get();
        const ms = Number(process.hrtime.bigint() - start) / 1e6 / requests;
        const cpu = process.cpuUsage(cpu0);
        rows.push([read.name, `${have} + ${have}`, ms.toFixed(1), ((cpu.user + cpu.system) / 1e3 / requests).toFixed(1)]);
      }
    }
    printTable(`Ticket reads at scale — ${t.config.db.type}, ${requests} requests per row`, ['read', 'tickets open + resolved', 'ms per request', 'CPU ms per request'], rows);
  } finally {
    await t.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
