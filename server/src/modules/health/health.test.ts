import { createTestApp, type TestApp } from '../../../test/harness';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ seed: false });
});
afterAll(() => t.close());

test('healthz answers while the process is up', async () => {
  const res = await t.request.get('/healthz').expect(200);
  expect(res.body).toEqual({ status: 'ok' });
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});

test('readyz reports the database reachable and every migration applied', async () => {
  const res = await t.request.get('/readyz').expect(200);
  expect(res.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
});
