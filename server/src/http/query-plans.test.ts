/**
 * Every list and detail endpoint subscribers and staff use at volume reads through indexes, and
 * its number of queries does not grow with the number of rows it returns (no N+1).
 *
 * Each request's SQL is captured from the connection, then explained on the same database:
 * MySQL/MariaDB `EXPLAIN` (a table read with access type ALL or a full `index` scan fails), SQLite
 * `EXPLAIN QUERY PLAN` (a `SCAN` of the table fails). Only the tables that grow with subscribers
 * are checked; published content (halls, fee schedules…) is a few dozen rows and is cached.
 * SHOW_PLANS=1 prints every statement with its plan (SQLite).
 */
import type { Knex } from 'knex';
import { createTestApp, onMysql, signInBySms, signInStaff, type TestApp } from '../../test/harness';

/** Tables whose size grows with accounts, bills, tickets or payments. */
const LARGE_TABLES = new Set([
  'account',
  'account_binding',
  'bill',
  'bill_line',
  'bill_dispute',
  'subscription',
  'subscription_renewal',
  'ticket',
  'ticket_event',
  'ticket_pause',
  'ticket_extension',
  'payment_order',
  'payment_order_bill',
  'payment_notify',
  'refund',
  'user',
  'portal_user',
  'session',
  'outbox_message',
  'audit_log',
  'survey_response',
  'survey_answer',
]);

interface Captured {
  sql: string;
  bindings: readonly unknown[];
}

let t: TestApp;
let knex: Knex;
let captured: Captured[] = [];
let capturing = false;
let token: string;
let staffToken: string;
let accountId: number;
let billId: number;
let ticketId: number;
/** Published surveys, one per audience kind, the area one answered. */
const surveyIds: Record<'everyone' | 'area' | 'service_type' | 'resolved_ticket', number> = { everyone: 0, area: 0, service_type: 0, resolved_ticket: 0 };

beforeAll(async () => {
  t = await createTestApp();
  knex = t.orm.em.getConnection().getKnex() as Knex;
  knex.on('query', (q: { sql: string; bindings?: readonly unknown[] }) => {
    if (capturing) captured.push({ sql: q.sql, bindings: q.bindings ?? [] });
  });
  // The fixed SELECTs of the hottest reads bypass knex's query events; they report themselves.
  t.deps.readDb.onQuery((q) => {
    if (capturing) captured.push(q);
  });
  token = await signInBySms(t, '13800000001');
  const bound = await t.request.post('/api/v1/accounts/bind').set('Authorization', `Bearer ${token}`).send({ accountNo: '1000000001', holderName: '张三' }).expect(201);
  accountId = bound.body.data.id;
  const bills = await t.request.get(`/api/v1/bills?accountId=${accountId}`).set('Authorization', `Bearer ${token}`).expect(200);
  billId = bills.body.data.items[0].id;
  const ticket = await t.request
    .post('/api/v1/tickets')
    .set('Authorization', `Bearer ${token}`)
    .send({ type: 'fault', accountId, description: '自来水水压很低，洗澡都不够', contactPhone: '13800000001' })
    .expect(201);
  ticketId = ticket.body.data.id;
  staffToken = await signInStaff(t, 'supervisor1');
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const audiences = {
    everyone: { kind: 'everyone' },
    area: { kind: 'area', area: 'shangcheng' },
    service_type: { kind: 'service_type', serviceType: 'water' },
    resolved_ticket: { kind: 'resolved_ticket', from: '2026-01-01', to: today },
  } as const;
  for (const [kind, audience] of Object.entries(audiences)) {
    const created = await t.request
      .post('/api/v1/staff/surveys')
      .set('Authorization', `Bearer ${staffToken}`)
      .send({ title: `满意度调查 ${kind}`, opensOn: today, closesOn: '2099-12-31', audience, questions: [{ kind: 'rating', title: '总体满意度', required: true }, { kind: 'single', title: '缴费方式', options: ['微信', '支付宝'] }, { kind: 'text', title: '建议' }] })
      .expect(201);
    surveyIds[kind as keyof typeof surveyIds] = created.body.data.id;
    await t.request.post(`/api/v1/staff/surveys/${created.body.data.id}/publish`).set('Authorization', `Bearer ${staffToken}`).expect(200);
  }
  await t.request
    .post(`/api/v1/surveys/${surveyIds.area}/responses`)
    .set('Authorization', `Bearer ${token}`)
    .send({ answers: [{ questionId: 1, rating: 4 }, { questionId: 2, optionIds: [1] }, { questionId: 3, text: '很好' }], contactAgreed: true })
    .expect(201);
}, 120_000);
afterAll(() => t.close());

/** The SQL one request runs. */
async function queriesOf(path: string, bearer: string): Promise<Captured[]> {
  captured = [];
  capturing = true;
  try {
    const res = await t.request.get(path).set('Authorization', `Bearer ${bearer}`);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  } finally {
    capturing = false;
  }
  return captured;
}

/**
 * The table behind each name a plan may show: the ORM aliases its tables (`bill` as `b0`) and both
 * databases' plans name the alias, so an alias is resolved before the table is checked.
 */
function tableNames(sql: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of sql.matchAll(/[`"](\w+)[`"]\s+as\s+[`"](\w+)[`"]/gi)) names.set(m[2], m[1]);
  return names;
}

/** Large tables the statement reads without an index, as the database plans it. */
async function scans(q: Captured): Promise<string[]> {
  if (!/^\s*(select|\(select)/i.test(q.sql)) return [];
  const aliases = tableNames(q.sql);
  const large = (name: string | null) => name !== null && LARGE_TABLES.has(aliases.get(name) ?? name);
  if (onMysql) {
    const res = (await knex.raw(`EXPLAIN ${q.sql}`, q.bindings as Knex.RawBinding[])) as unknown as [Array<{ table: string | null; type: string | null }>];
    return res[0].filter((r) => large(r.table) && (r.type === 'ALL' || r.type === 'index')).map((r) => `${aliases.get(r.table!) ?? r.table} (${r.type})`);
  }
  const rows = (await knex.raw(`EXPLAIN QUERY PLAN ${q.sql}`, q.bindings as Knex.RawBinding[])) as Array<{ detail: string }>;
  if (process.env.SHOW_PLANS) console.log(q.sql.slice(0, 200), rows.map((r) => r.detail));
  return rows
    .map((r) => /^SCAN (\w+)/.exec(r.detail))
    .filter((m): m is RegExpExecArray => m !== null && large(m[1]))
    .map((m) => m.input);
}

const subscriberEndpoints: Array<[string, () => string]> = [
  ['accounts', () => '/api/v1/accounts'],
  ['bills of an account, unpaid', () => `/api/v1/bills?accountId=${accountId}&status=unpaid`],
  ['bills, all accounts', () => '/api/v1/bills'],
  ['bill detail', () => `/api/v1/bills/${billId}`],
  ['arrears', () => `/api/v1/accounts/${accountId}/arrears`],
  ['subscriptions', () => '/api/v1/subscriptions'],
  ['tickets', () => '/api/v1/tickets'],
  ['ticket detail', () => `/api/v1/tickets/${ticketId}`],
  ['open surveys meant for me', () => '/api/v1/surveys'],
  ['a survey with my answers', () => `/api/v1/surveys/${surveyIds.area}`],
];
const staffEndpoints: Array<[string, () => string]> = [
  ['staff ticket queue', () => '/api/v1/staff/tickets'],
  ['staff ticket queue, breached', () => '/api/v1/staff/tickets?risk=breached'],
  // Every filter of the queue, alone and with the others, in each of its orders (issue 18).
  ['staff ticket queue, an area', () => '/api/v1/staff/tickets?area=xihu'],
  ['staff ticket queue, a type', () => '/api/v1/staff/tickets?type=fault'],
  ['staff ticket queue, a status', () => '/api/v1/staff/tickets?status=submitted'],
  ['staff ticket queue, unclaimed', () => '/api/v1/staff/tickets?assigned=unclaimed'],
  ['staff ticket queue, mine', () => '/api/v1/staff/tickets?assigned=mine'],
  ['staff ticket queue, due soon', () => '/api/v1/staff/tickets?risk=due_soon'],
  ['staff ticket queue, unknown clock', () => '/api/v1/staff/tickets?risk=unknown'],
  ['staff ticket queue, due within 8 hours', () => '/api/v1/staff/tickets?dueWithinHours=8'],
  ['staff ticket queue, area, type and unclaimed', () => '/api/v1/staff/tickets?area=xihu&type=fault&assigned=unclaimed'],
  ['staff ticket queue, area, overdue', () => '/api/v1/staff/tickets?area=xihu&risk=breached'],
  ['staff ticket queue, a status, mine, due soon', () => '/api/v1/staff/tickets?status=accepted&assigned=mine&risk=due_soon'],
  ['staff ticket queue, by last change, an area', () => '/api/v1/staff/tickets?sort=last_change&dir=desc&area=xihu'],
  ['staff ticket queue, by ticket number, page 3', () => '/api/v1/staff/tickets?sort=id&dir=desc&page=3&pageSize=1'],
  ['staff ticket detail', () => `/api/v1/staff/tickets/${ticketId}`],
  ['staff search, ticket number', () => `/api/v1/staff/search?q=%23${ticketId}`],
  ['staff search, account number', () => '/api/v1/staff/search?q=1000000001'],
  ['staff search, phone', () => '/api/v1/staff/search?q=13800000001'],
  ['staff search, work-order number', () => '/api/v1/staff/search?q=WO20261201-0001'],
  ['staff search, holder name', () => `/api/v1/staff/search?q=${encodeURIComponent('张三')}`],
  ['staff account page', () => '/api/v1/staff/accounts/1000000001'],
  ['staff metrics, a quarter', () => '/api/v1/staff/metrics?from=2026-10&to=2026-12'],
  ['public scorecard', () => '/api/v1/performance'],
  ['staff surveys', () => '/api/v1/staff/surveys'],
  ['survey results, an area', () => `/api/v1/staff/surveys/${surveyIds.area}/results`],
  ['survey results, a service type', () => `/api/v1/staff/surveys/${surveyIds.service_type}/results`],
  ['survey results, tickets resolved in a period', () => `/api/v1/staff/surveys/${surveyIds.resolved_ticket}/results`],
  ['survey results, everyone', () => `/api/v1/staff/surveys/${surveyIds.everyone}/results`],
  ['survey export', () => `/api/v1/staff/surveys/${surveyIds.area}/results.csv`],
];
/**
 * Whole-index reads that are meant, and why: the complaint rate's denominator, accounts per area,
 * reads the account table's area index whole, at most once an hour per instance (MetricsService).
 */
const MEANT_SCANS = [
  /^select `area`, count\(\*\) as `n` from `account` group by `area`$/,
  // The audience of a survey for every subscriber with a bound account is all of them: the
  // bindings' index read whole, when a supervisor opens that survey's results.
  /^select count\(distinct `b`\.`user_id`\) as `n` from `account` as `a` (cross join|straight_join) `account_binding` as `b` on `b`\.`account_id` = `a`\.`id` where `a`\.`status` <> 'closed'$/,
];

describe.each([
  ['subscriber', subscriberEndpoints, () => token],
  ['staff', staffEndpoints, () => staffToken],
] as const)('%s endpoints read through indexes', (_who, endpoints, bearer) => {
  test.each(endpoints)('%s', async (_name, path) => {
    const queries = await queriesOf(path(), bearer());
    expect(queries.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const q of queries) {
      if (MEANT_SCANS.some((m) => m.test(q.sql))) continue;
      for (const s of await scans(q)) found.push(`${s}\n    in: ${q.sql.slice(0, 300)}`);
    }
    expect(found).toEqual([]);
  });
});

describe('no N+1: the number of queries does not grow with the rows returned', () => {
  test('bills: 1 row or 12 rows, the same queries', async () => {
    const one = await queriesOf(`/api/v1/bills?accountId=${accountId}&pageSize=1`, token);
    const many = await queriesOf(`/api/v1/bills?accountId=${accountId}&pageSize=12`, token);
    // Disputes are read only when a bill on the page carries a late fee: once, for all of them.
    const disputes = (qs: typeof one) => qs.filter((q) => /from [`"]?bill_dispute/i.test(q.sql));
    expect(disputes(many).length).toBeLessThanOrEqual(1);
    expect(many.length - disputes(many).length).toBe(one.length - disputes(one).length);
  });

  test('staff queue: with 1 ticket or 6, the same queries', async () => {
    const before = await queriesOf('/api/v1/staff/tickets', staffToken);
    for (let i = 0; i < 5; i++) {
      await t.request
        .post('/api/v1/tickets')
        .set('Authorization', `Bearer ${token}`)
        .send({ type: 'complaint', accountId, description: `营业厅排队时间太长了，第${i + 1}次`, contactPhone: '13800000001' })
        .expect(201);
    }
    const after = await queriesOf('/api/v1/staff/tickets', staffToken);
    expect(after.length).toBe(before.length);
  });

  test('survey results: with 1 response or 4 (free text, contacts), the same queries', async () => {
    const path = `/api/v1/staff/surveys/${surveyIds.area}/results`;
    const one = await queriesOf(path, staffToken);
    for (let i = 0; i < 3; i++) {
      const phone = `1380000010${i}`;
      const other = await signInBySms(t, phone, `10.140.0.${i + 1}`);
      await t.request.post('/api/v1/accounts/bind').set('Authorization', `Bearer ${other}`).send({ accountNo: '1000000001', holderName: '张三' }).expect(201);
      await t.request
        .post(`/api/v1/surveys/${surveyIds.area}/responses`)
        .set('Authorization', `Bearer ${other}`)
        .send({ answers: [{ questionId: 1, rating: 3 }, { questionId: 3, text: `第${i}条建议` }], contactAgreed: i % 2 === 0 })
        .expect(201);
    }
    const four = await queriesOf(path, staffToken);
    expect(four.length).toBe(one.length);
  });

  test('tickets: with 1 ticket or 6, the same queries', async () => {
    const six = await queriesOf('/api/v1/tickets', token);
    const single = await queriesOf('/api/v1/tickets?pageSize=1', token);
    expect(six.length).toBe(single.length);
  });
});
