import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createTestApp, type TestApp } from '../../test/harness';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** The bytes on the wire (supertest would decompress them). */
function raw(path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(new URL(path, t.baseUrl), { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

test('a repeated public GET is answered without calling the service again, with the same headers and body', async () => {
  const spy = jest.spyOn(t.app.services.content, 'listFeeSchedules');
  try {
    const first = await t.request.get('/api/v1/fee-schedules').set('Accept-Encoding', 'identity').expect(200);
    const second = await t.request.get('/api/v1/fee-schedules').set('Accept-Encoding', 'identity').expect(200);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(second.text).toBe(first.text);
    // The kept answer skips most of the middleware, so every header is compared, not a chosen few.
    const headers = (h: Record<string, string>) => {
      const { date: _date, 'x-request-id': _id, ...rest } = h;
      return rest;
    };
    expect(headers(second.headers)).toEqual(headers(first.headers));
    expect(Object.keys(first.headers)).toEqual(expect.arrayContaining(['etag', 'cache-control', 'content-security-policy', 'x-content-type-options', 'vary', 'content-length']));
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  } finally {
    spy.mockRestore();
  }
});

test('compressed once per answer: brotli or gzip as the client takes it, identity when it takes neither', async () => {
  const plain = await raw('/api/v1/fee-schedules', { 'Accept-Encoding': 'identity' });
  expect(plain.status).toBe(200);
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.body.length).toBeGreaterThan(1024);
  const br = await raw('/api/v1/fee-schedules', { 'Accept-Encoding': 'gzip, deflate, br' });
  expect(br.headers['content-encoding']).toBe('br');
  expect(brotliDecompressSync(br.body).toString('utf8')).toBe(plain.body.toString('utf8'));
  expect(br.body.length).toBeLessThan(plain.body.length / 2);
  const gz = await raw('/api/v1/fee-schedules', { 'Accept-Encoding': 'gzip' });
  expect(gz.headers['content-encoding']).toBe('gzip');
  expect(gunzipSync(gz.body).toString('utf8')).toBe(plain.body.toString('utf8'));
  expect(gz.headers.vary).toMatch(/Accept-Encoding/);
});

test('an answer sent often is compressed again at the best quality: smaller, the same JSON, the length to match', async () => {
  const path = '/api/v1/fee-schedules?hot=1';
  const plain = await raw(path, { 'Accept-Encoding': 'identity' });
  const first = await raw(path, { 'Accept-Encoding': 'br' });
  let last = first;
  // Within one clock minute (the answer's lifetime), whichever path sends it.
  for (let i = 0; i < 80 && last.body.length === first.body.length; i++) {
    last = await raw(path, { 'Accept-Encoding': 'br' });
    if (i > 60) await new Promise((r) => setTimeout(r, 20));
  }
  expect(last.body.length).toBeLessThan(first.body.length);
  expect(Number(last.headers['content-length'])).toBe(last.body.length);
  expect(brotliDecompressSync(last.body).toString('utf8')).toBe(plain.body.toString('utf8'));
  expect(last.headers.etag).toBe(first.headers.etag);
});

test('304 from the kept answer when the client holds its version', async () => {
  const first = await t.request.get('/api/v1/commitments').expect(200);
  const again = await t.request.get('/api/v1/commitments').set('If-None-Match', first.headers.etag).expect(304);
  expect(again.text).toBe('');
});

test('each URL is its own answer: halls nearest a point differ from halls nearest another', async () => {
  const east = await t.request.get('/api/v1/halls?lat=30.2591&lng=120.2479').expect(200);
  const west = await t.request.get('/api/v1/halls?lat=30.2591&lng=120.0479').expect(200);
  expect(east.body.data[0].id).not.toBe(west.body.data[0].id);
  const eastAgain = await t.request.get('/api/v1/halls?lat=30.2591&lng=120.2479').expect(200);
  expect(eastAgain.body).toEqual(east.body);
});

test('a refused request is never kept: bad input answers 400 every time', async () => {
  for (let i = 0; i < 2; i++) {
    const res = await t.request.get('/api/v1/halls?lat=91&lng=120').expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  }
});

test('a kept answer sent before Koa still leaves its request line, with its request id and the client address', async () => {
  await t.request.get('/api/v1/commitments').set('Accept-Encoding', 'gzip').expect(200);
  const logger = t.app.deps.logger;
  const level = logger.level;
  // pino rebinds its level methods when the level changes: the spy goes on after.
  logger.level = 'info';
  const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  try {
    const res = await t.request.get('/api/v1/commitments').set('Accept-Encoding', 'gzip').set('X-Forwarded-For', '10.77.0.9').expect(200);
    const lines = info.mock.calls.filter((c) => c[1] === 'request').map((c) => c[0]);
    expect(lines).toEqual([expect.objectContaining({ requestId: res.headers['x-request-id'], method: 'GET', path: '/api/v1/commitments', status: 200, ip: '10.77.0.9' })]);
  } finally {
    info.mockRestore();
    logger.level = level;
  }
});
