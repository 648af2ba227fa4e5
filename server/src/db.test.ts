import { loadConfig } from './config';
import { initORM } from './db';
import { onMysql } from '../test/harness';

(onMysql ? test : test.skip)('on MySQL, ?socket= in DATABASE_URL connects through the Unix socket, to the same database', async () => {
  const tcp = await initORM(loadConfig(process.env));
  try {
    const [{ socket, db }] = await tcp.em.getConnection().execute<{ socket: string; db: string }[]>('select @@socket as socket, database() as db');
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set('socket', socket);
    const viaSocket = await initORM(loadConfig({ ...process.env, DATABASE_URL: url.toString() }));
    try {
      const [row] = await viaSocket.em
        .getConnection()
        .execute<{ host: string; db: string }[]>('select `host`, database() as `db` from information_schema.processlist where id = connection_id()');
      // A socket client shows as `localhost`; a TCP one as `address:port`.
      expect(row).toEqual({ host: 'localhost', db });
    } finally {
      await viaSocket.close(true);
    }
  } finally {
    await tcp.close(true);
  }
});
