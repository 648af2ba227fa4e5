import { DEMO_FIXTURES } from '../seeders/demo.seeder';
import { createTestApp, signInBySms, type TestApp } from '../../test/harness';

/** Ids in paths and query strings are decimal digits: one record answers to one spelling of its id. */

const { waterOwing } = DEMO_FIXTURES;

let t: TestApp;
let auth: Record<string, string>;
let accountId: number;
let billId: number;
let ticketId: number;
beforeAll(async () => {
  t = await createTestApp();
  const ip = '10.93.0.1';
  auth = { Authorization: `Bearer ${await signInBySms(t, '13700000093', ip)}`, 'X-Forwarded-For': ip };
  accountId = (await t.request.post('/api/v1/accounts/bind').set(auth).send({ accountNo: waterOwing.accountNo, holderName: waterOwing.holderName }).expect(201)).body.data.id;
  billId = (await t.request.get('/api/v1/bills').set(auth).expect(200)).body.data.items[0].id;
  const ticket = await t.request.post('/api/v1/tickets').set(auth).send({ type: 'suggestion', accountId, description: '营业厅周末能否延长营业时间', contactPhone: '13700000093' }).expect(201);
  ticketId = ticket.body.data.id;
});
afterAll(() => t.close());

/** Other spellings `Number()` reads as the same id (hex, padded with spaces) or as some other id (exponent). */
const spellings = (id: number) => [`0x${id.toString(16)}`, `${id}%20`, `%20${id}`, `${id}.0`, '1e3', '%2B1', '-1', '0'];

test.each([
  ['bills', () => billId],
  ['tickets', () => ticketId],
])('/api/v1/%s/:id answers its own id, and 400 naming params.id for any other spelling', async (resource, idOf) => {
  const id = idOf();
  const own = await t.request.get(`/api/v1/${resource}/${id}`).set(auth).expect(200);
  expect(own.body.data.id).toBe(id);
  for (const spelling of spellings(id)) {
    const res = await t.request.get(`/api/v1/${resource}/${spelling}`).set(auth);
    expect({ spelling, status: res.status, code: res.body.error?.code, paths: res.body.error?.details?.issues.map((i: { path: string }) => i.path) }).toEqual({
      spelling,
      status: 400,
      code: 'VALIDATION_FAILED',
      paths: ['params.id'],
    });
  }
});

test('ids in query strings are decimal digits too', async () => {
  await t.request.get(`/api/v1/bills?accountId=${accountId}`).set(auth).expect(200);
  await t.request.get(`/api/v1/outages?accountId=${accountId}`).set(auth).expect(200);
  for (const url of [`/api/v1/bills?accountId=0x${accountId.toString(16)}`, `/api/v1/outages?accountId=${accountId}%20`, `/api/v1/appointment-slots?accountId=%20${accountId}`]) {
    const res = await t.request.get(url).set(auth).expect(400);
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['query.accountId']);
  }
});

test('every numeric id in every path is read by the one decimal-id rule', async () => {
  const openapi = (await t.request.get('/api/v1/openapi.json').expect(200)).body as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema: { pattern?: string } }[] }>>;
  };
  const ids = Object.entries(openapi.paths).flatMap(([path, methods]) =>
    Object.entries(methods).flatMap(([method, op]) =>
      (op.parameters ?? []).filter((p) => p.in === 'path' && /^(id|\w+Id)$/.test(p.name)).map((p) => ({ route: `${method} ${path}`, name: p.name, pattern: p.schema.pattern })),
    ),
  );
  expect(ids.length).toBeGreaterThan(50);
  expect(ids.filter((p) => p.pattern !== '^\\d{1,15}$')).toEqual([]);
});
