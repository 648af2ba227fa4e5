import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestApp, type TestApp } from '../../test/harness';

let t: TestApp;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openhall-h5-'));
  mkdirSync(path.join(dir, 'js'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>OpenHall H5</title>');
  writeFileSync(path.join(dir, 'js', 'app.js'), 'console.log(1)');
  t = await createTestApp({ seed: false, env: { H5_DIR: dir } });
});
afterAll(() => t.close());

test('the built H5 site is served at / by the same process', async () => {
  const res = await t.request.get('/').expect(200);
  expect(res.text).toContain('OpenHall H5');
  expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  await t.request.get('/js/app.js').expect(200).expect('Content-Type', /javascript/);
});

test('client-side routes fall back to the H5 shell, API paths never do', async () => {
  const page = await t.request.get('/pages/me/index').set('Accept', 'text/html').expect(200);
  expect(page.text).toContain('OpenHall H5');
  const api = await t.request.get('/api/v1/does-not-exist').set('Accept', 'text/html').expect(404);
  expect(api.body.error.code).toBe('NOT_FOUND');
});
