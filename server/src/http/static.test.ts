import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestApp, type TestApp } from '../../test/harness';

/** Like the rem script Taro's H5 shell runs before its bundles. */
const INLINE = 'document.documentElement.style.fontSize="20px"';

let t: TestApp;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openhall-h5-'));
  mkdirSync(path.join(dir, 'js'));
  writeFileSync(path.join(dir, 'index.html'), `<!doctype html><title>OpenHall H5</title><script>${INLINE}</script><script defer src="/js/app.js"></script>`);
  writeFileSync(path.join(dir, 'js', 'app.js'), 'console.log(1)');
  t = await createTestApp({ seed: false, env: { H5_DIR: dir } });
});
afterAll(() => t.close());

test('the built H5 site is served at / by the same process', async () => {
  const res = await t.request.get('/').expect(200);
  expect(res.text).toContain('OpenHall H5');
  expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  expect(res.headers['permissions-policy']).toBe('camera=(self), geolocation=(self), microphone=()');
  await t.request.get('/js/app.js').expect(200).expect('Content-Type', /javascript/);
});

test("the shell's own inline script may run (by hash), no other inline script may", async () => {
  const res = await t.request.get('/').expect(200);
  const scriptSrc = /script-src ([^;]*)/.exec(res.headers['content-security-policy'])![1].split(' ');
  const hash = createHash('sha256').update(INLINE).digest('base64');
  expect(scriptSrc).toEqual(["'self'", `'sha256-${hash}'`]);
  // Taro's components embed their icon fonts as data: URLs.
  expect(res.headers['content-security-policy']).toContain("font-src 'self' data:");
  const api = await t.request.get('/api/v1/halls').expect(200);
  expect(api.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
});

test('client-side routes fall back to the H5 shell, API paths never do', async () => {
  const page = await t.request.get('/pages/me/index').set('Accept', 'text/html').expect(200);
  expect(page.text).toContain('OpenHall H5');
  const api = await t.request.get('/api/v1/does-not-exist').set('Accept', 'text/html').expect(404);
  expect(api.body.error.code).toBe('NOT_FOUND');
});
