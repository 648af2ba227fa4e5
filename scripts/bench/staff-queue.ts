/**
 * The staff ticket queue (`GET /api/v1/staff/tickets`) with many tickets open at once, as after an
 * area outage: every open ticket's deadline is computed to sort the queue, so its cost grows with
 * them. Prints time and CPU per request at each count.
 *
 *   npx tsx scripts/bench/staff-queue.ts [--counts 1,1000,5000] [--requests 10]
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/test npx tsx scripts/bench/staff-queue.ts
 *
 * Runs in this process on a fresh database (the test harness: temporary SQLite, or a new MySQL
 * database dropped afterwards); the tickets beyond the first are copies of one filed through the API.
 */
import { createTestApp, signInBySms, signInStaff } from '../../server/test/harness';
import { printTable, numberArg } from './lib';

const counts = process.argv.includes('--counts') ? process.argv[process.argv.indexOf('--counts') + 1].split(',').map(Number) : [1, 1000, 5000];
const requests = numberArg('requests', 10);

async function main(): Promise<void> {
  const t = await createTestApp();
  try {
    const staffToken = await signInStaff(t, 'agent1');
    const phone = '13900001111';
    const auth = { Authorization: `Bearer ${await signInBySms(t, phone)}` };
    const account = await t.request.post('/api/v1/accounts/bind').set(auth).send({ accountNo: '1000000001', holderName: '张三' }).expect(201);
    await t.request
      .post('/api/v1/tickets')
      .set(auth)
      .send({ type: 'fault', accountId: account.body.data.id, description: '电视没有信号，机顶盒指示灯不亮', contactPhone: phone })
      .expect(201);
    const conn = t.orm.em.getConnection();
    const [first] = await conn.execute<Array<Record<string, unknown>>>('select * from `ticket` order by `id` limit 1');
    const columns = Object.keys(first).filter((c) => c !== 'id');
    const copy = `insert into \`ticket\` (${columns.map((c) => `\`${c}\``).join(', ')}) select ${columns.map((c) => `\`${c}\``).join(', ')} from \`ticket\` where \`id\` = ?`;
    const rows: string[][] = [];
    let open = 1;
    for (const count of counts) {
      for (; open < count; open++) await conn.execute(copy, [first.id]);
      await t.request.get('/api/v1/staff/tickets').set('Authorization', `Bearer ${staffToken}`).expect(200);
      const cpu0 = process.cpuUsage();
      const start = process.hrtime.bigint();
      for (let i = 0; i < requests; i++) {
        const res = await t.request.get('/api/v1/staff/tickets?pageSize=20').set('Authorization', `Bearer ${staffToken}`).expect(200);
        if (res.body.data.total !== open) throw new Error(`queue total ${res.body.data.total}, expected ${open}`);
      }
      const ms = Number(process.hrtime.bigint() - start) / 1e6 / requests;
      const cpu = process.cpuUsage(cpu0);
      rows.push([String(open), ms.toFixed(1), ((cpu.user + cpu.system) / 1e3 / requests).toFixed(1)]);
    }
    printTable(`Staff ticket queue — ${t.config.db.type}, ${requests} requests per count`, ['open tickets', 'ms per request', 'CPU ms per request'], rows);
  } finally {
    await t.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
