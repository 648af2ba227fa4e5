/**
 * The floor for a signed-in read in scripts/bench/api.ts: a bare Koa 3 app with mysql2 answering
 * `GET /api/v1/bills?accountId=…&status=unpaid` with the statement OpenHall's bills list runs for
 * it (billing.service.ts `listBills`), behind the same kind of session cache (the bearer token's
 * SHA-256 → its session's user, read from `session` and `portal_user` on a miss and kept
 * SESSION_CACHE_SECONDS), through a pool of the ORM's size, in its own process like OpenHall.
 * Nothing else: no validation, no late fees, no account numbers, no envelope beyond `data`.
 * `sameAnswer` (FLOOR_SAME_ANSWER=1 as a script) makes it answer what OpenHall answers, byte for
 * byte and with the same headers: each bill's account number (read once and kept, as
 * OpenHall keeps it), the status and late fee as of today (shared/'s rules), the page envelope,
 * a request id and the security headers. Still no validation, routing, error envelope or request
 * scope: the floor of this answer, where the plain floor is the floor of this statement.
 * Run as a script it listens on PORT on 127.0.0.1; DATABASE_URL is the database OpenHall uses.
 * `createBillsFloor` builds the same app for scripts/bench/bills-inproc.ts.
 * `FLOOR_REQUEST_SCOPE=1` runs each request inside an AsyncLocalStorage scope, as OpenHall's request
 * `EntityManager` is kept (`withRequestEm`): while one is in use Node 20 runs a hook for every promise
 * and async resource of the process, which the floor otherwise does not pay. For measuring that share
 * of the gap only; the target is against the floor without it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import Koa from 'koa';
import { createPool, type Pool } from 'mysql2/promise';
import { loadConfig } from '../../server/src/config';
import { billStatusOf, computeLateFeeFen, type LateFeeRule } from '../../shared/src';

/** What OpenHall's bills list answers with on top of the plain floor's `data` (`sameAnswer`). */
export interface SameAnswer {
  /** The operator's late-fee rule, as OpenHall's configuration has it. */
  lateFee: LateFeeRule;
}

/** OpenHall's headers on a signed-in JSON answer (server/src/http/security.ts), besides the request id. */
const ANSWER_HEADERS: Record<string, string> = {
  Vary: 'Origin',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'SAMEORIGIN',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};


export function createBillsFloor(databaseUrl: string, sessionCacheSeconds = 10, sameAnswer?: SameAnswer): { app: Koa; pool: Pool } {
  const url = new URL(databaseUrl.replace(/^mariadb:/, 'mysql:'));
  const pool = createPool({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
    connectionLimit: 20,
    timezone: 'Z',
    dateStrings: true,
    ...(url.searchParams.get('socket') ? { socketPath: url.searchParams.get('socket')! } : {}),
  });
  const ttlMs = sessionCacheSeconds * 1000;
  const sessions = new Map<string, { userId: number; until: number }>();

  async function userOf(authorization: string | undefined): Promise<number | null> {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : null;
    if (!token) return null;
    const hash = createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    const kept = sessions.get(hash);
    if (kept && kept.until > now) return kept.userId;
    const [rows] = await pool.query<Array<{ user_id: number; expires_at: string } & import('mysql2').RowDataPacket>>(
      'select `session`.`user_id`, `session`.`expires_at` from `session` join `portal_user` on `portal_user`.`id` = `session`.`user_id` where `session`.`token_hash` = ? and `session`.`revoked_at` is null',
      [hash],
    );
    const expires = rows[0] ? new Date(`${rows[0].expires_at.replace(' ', 'T')}Z`).getTime() : 0;
    if (expires <= now) return null;
    sessions.set(hash, { userId: rows[0].user_id, until: Math.min(now + ttlMs, expires) });
    return rows[0].user_id;
  }

  const accountNos = new Map<number, string>();
  async function accountNoOf(accountId: number): Promise<string> {
    const kept = accountNos.get(accountId);
    if (kept !== undefined) return kept;
    const [rows] = await pool.query<Array<{ account_no: string } & import('mysql2').RowDataPacket>>('select `account_no` from `account` where `id` = ?', [accountId]);
    accountNos.set(accountId, String(rows[0].account_no));
    return String(rows[0].account_no);
  }

  const app = new Koa();
  if (process.env.FLOOR_REQUEST_SCOPE === '1') {
    const scope = new AsyncLocalStorage<object>();
    app.use((_ctx, next) => scope.run({}, next));
  }
  app.use(async (ctx) => {
    if (ctx.path === '/readyz') {
      ctx.body = { ok: true };
      return;
    }
    const userId = await userOf(ctx.get('authorization') || undefined);
    if (userId === null) {
      ctx.status = 401;
      ctx.body = { error: { code: 'UNAUTHENTICATED' } };
      return;
    }
    const accountId = Number(ctx.query.accountId);
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const [rows] = await pool.query<import('mysql2').RowDataPacket[]>(
      'select `bill`.`id`, `bill`.`account_id`, `bill`.`period`, `bill`.`due_date`, `bill`.`status`, `bill`.`amount_fen`, `bill`.`late_fee_fen`, `bill`.`paid_at` ' +
        'from `bill` join `account_binding` on `account_binding`.`account_id` = `bill`.`account_id` ' +
        "where `account_binding`.`user_id` = ? and `bill`.`account_id` = ? and ((`bill`.`status` = 'unpaid' and `bill`.`due_date` >= ?)) " +
        'order by `bill`.`period` desc, `bill`.`account_id` asc, `bill`.`id` desc limit ? offset ?',
      [userId, accountId, today, 20, 0],
    );
    if (!sameAnswer) {
      ctx.body = {
        data: {
          items: rows.map((r) => ({ id: Number(r.id), accountId: Number(r.account_id), period: r.period, dueDate: r.due_date, status: r.status, amountFen: Number(r.amount_fen), lateFeeFen: Number(r.late_fee_fen) })),
          page: 1,
          pageSize: 20,
          total: rows.length,
        },
      };
      return;
    }
    const items = [];
    for (const r of rows) {
      const amountFen = Number(r.amount_fen);
      const lateFeeFen = r.status === 'paid' ? Number(r.late_fee_fen) : computeLateFeeFen(amountFen, r.due_date, today, sameAnswer.lateFee);
      items.push({
        id: Number(r.id),
        accountId: Number(r.account_id),
        accountNo: await accountNoOf(Number(r.account_id)),
        period: r.period,
        dueDate: r.due_date,
        status: billStatusOf(r.status, r.due_date, today),
        amountFen,
        lateFeeFen,
        totalFen: amountFen + lateFeeFen,
        paidAt: r.paid_at ? new Date(`${String(r.paid_at).replace(' ', 'T')}Z`).toISOString() : null,
      });
    }
    ctx.set('x-request-id', randomUUID());
    ctx.set(ANSWER_HEADERS);
    ctx.body = { data: { items, page: 1, pageSize: 20, total: items.length } };
  });
  return { app, pool };
}

if (require.main === module) {
  const sameAnswer = process.env.FLOOR_SAME_ANSWER === '1' ? { lateFee: loadConfig(process.env).operator.lateFee } : undefined;
  const { app, pool } = createBillsFloor(process.env.DATABASE_URL!, Number(process.env.SESSION_CACHE_SECONDS ?? 10), sameAnswer);
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
}
