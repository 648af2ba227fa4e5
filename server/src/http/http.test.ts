import Router from '@koa/router';
import supertest from 'supertest';
import { createTestApp, type TestApp } from '../../test/harness';
import { wechatPushMsgSignature, wechatPushSignature } from '../integrations/wechat/wechat-push.protocol';
import { AppError } from './errors';

let t: TestApp;
let withFaults: ReturnType<typeof supertest>;
beforeAll(async () => {
  t = await createTestApp({ seed: false, env: { CORS_ORIGINS: 'https://h5.example.com', BODY_LIMIT_KB: '4' } });
  // A route that fails the way real bugs do, mounted only in this test.
  const r = new Router();
  r.get('/api/v1/__test/boom', () => {
    throw new Error('secret internal detail: password=hunter2');
  });
  r.get('/api/v1/__test/conflict', () => {
    throw new AppError('CONFLICT', 409, '已经处理过了', { id: 7 });
  });
  t.app.middleware.splice(t.app.middleware.length - 1, 0, r.routes() as unknown as (typeof t.app.middleware)[number]);
  withFaults = supertest(t.app.callback());
});
afterAll(() => t.close());

test('an unexpected error answers 500 INTERNAL with the request id and nothing internal', async () => {
  const res = await withFaults.get('/api/v1/__test/boom').expect(500);
  expect(res.body.error.code).toBe('INTERNAL');
  expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  expect(JSON.stringify(res.body)).not.toContain('hunter2');
});

test('an AppError answers with its code, status, message and details', async () => {
  const res = await withFaults.get('/api/v1/__test/conflict').expect(409);
  expect(res.body).toEqual({ error: { code: 'CONFLICT', message: '已经处理过了', details: { id: 7 } } });
});

test('an unknown API path answers the error envelope', async () => {
  const res = await t.request.get('/api/v1/nope').expect(404);
  expect(res.body.error.code).toBe('NOT_FOUND');
});

test('malformed JSON answers 400, an oversized body 413', async () => {
  const bad = await t.request.post('/api/v1/auth/sms/send').set('Content-Type', 'application/json').send('{"phone":').expect(400);
  expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  const big = await t.request.post('/api/v1/auth/sms/send').send({ phone: '13900000001', pad: 'x'.repeat(8000) }).expect(413);
  expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
});

test('a well-formed incoming request id is kept, a strange one replaced', async () => {
  const kept = await t.request.get('/healthz').set('x-request-id', 'proxy-abc-12345').expect(200);
  expect(kept.headers['x-request-id']).toBe('proxy-abc-12345');
  const replaced = await t.request.get('/healthz').set('x-request-id', 'bad id with spaces').expect(200);
  expect(replaced.headers['x-request-id']).not.toBe('bad id with spaces');
});

test('security headers are on every answer', async () => {
  const res = await t.request.get('/api/v1/openapi.json').expect(200);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  // Page-only policies are for documents (the H5 site, the printable receipt), not JSON.
  expect(res.headers['permissions-policy']).toBeUndefined();
  expect(res.headers['referrer-policy']).toBeUndefined();
});

test('error answers carry the same security headers and are not cached', async () => {
  const answers = [
    await t.request.get('/api/v1/bills').expect(401),
    await t.request.get('/api/v1/nope').expect(404),
    await t.request.post('/api/v1/auth/sms/send').send({ phone: 'x' }).expect(400),
    await withFaults.get('/api/v1/__test/boom').expect(500),
  ];
  for (const res of answers) {
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['cache-control']).toBe('no-store');
  }
});

test('CORS allows the configured H5 origin only', async () => {
  const ok = await t.request.options('/api/v1/auth/sms/send').set('Origin', 'https://h5.example.com').set('Access-Control-Request-Method', 'POST');
  expect(ok.headers['access-control-allow-origin']).toBe('https://h5.example.com');
  const other = await t.request.options('/api/v1/auth/sms/send').set('Origin', 'https://evil.example.com').set('Access-Control-Request-Method', 'POST');
  expect(other.headers['access-control-allow-origin']).toBeUndefined();
});

test('a kept public answer asked for from the H5 origin still carries the CORS headers', async () => {
  await t.request.get('/api/v1/fee-schedules').expect(200);
  const cross = await t.request.get('/api/v1/fee-schedules').set('Origin', 'https://h5.example.com').expect(200);
  expect(cross.headers['access-control-allow-origin']).toBe('https://h5.example.com');
  expect(cross.headers['access-control-expose-headers']).toContain('ETag');
  expect(cross.headers.vary).toBe('Origin, Accept-Encoding');
});

test('the OpenAPI document lists the routes with their input schemas', async () => {
  const res = await t.request.get('/api/v1/openapi.json').expect(200);
  expect(res.body.openapi).toMatch(/^3\./);
  const login = res.body.paths['/api/v1/auth/sms/login'].post;
  expect(login.requestBody.content['application/json'].schema.required).toEqual(['phone', 'code']);
  expect(res.body.paths['/api/v1/staff/me'].get.security).toEqual([{ bearer: [] }]);
});

test('the OpenAPI document lists the callbacks providers make (receipts, payment, complaint and e-invoice notifications): public, authenticated by their signature', async () => {
  const paths = (await t.request.get('/api/v1/openapi.json').expect(200)).body.paths as Record<string, Record<string, { summary: string; tags: string[]; security?: unknown }>>;
  const callbacks = [
    ['post', '/api/v1/integrations/sms/reports', 'notifications'],
    ['get', '/api/v1/integrations/wechat/push', 'notifications'],
    ['post', '/api/v1/integrations/wechat/push', 'notifications'],
    ['post', '/api/v1/payments/notify/wechat', 'payments'],
    ['post', '/api/v1/payments/notify/alipay', 'payments'],
    ['post', '/api/v1/payments/notify/wechat-complaints', 'tickets'],
    ['post', '/api/v1/integrations/einvoice/notify', 'invoices'],
  ];
  for (const [method, path, tag] of callbacks) {
    const op = paths[path]?.[method];
    expect({ method, path, listed: !!op }).toEqual({ method, path, listed: true });
    expect(op.tags).toEqual([tag]);
    expect(op.security).toBeUndefined();
    expect(op.summary).toMatch(/authenticated by its signature/);
  }
});

type OpenApiResponses = Record<string, { description: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
const responsesOf = async () => {
  const paths = (await t.request.get('/api/v1/openapi.json').expect(200)).body.paths as Record<string, Record<string, { responses: OpenApiResponses }>>;
  return (method: string, path: string): OpenApiResponses => paths[path][method].responses;
};
const mediaTypes = (r: OpenApiResponses, status: string) => Object.keys(r[status]?.content ?? {});
const schemaOf = (r: OpenApiResponses, status: string, type: string) => r[status]?.content?.[type]?.schema as { enum?: unknown[]; properties?: Record<string, { enum?: unknown[] }>; $ref?: string };

test('routes that do not answer { data } declare what they send: the providers’ callbacks in their terms, pages, files and streams by media type', async () => {
  const responses = await responsesOf();
  // WeChat Pay (payments and complaints): 204 without a body, or a refusal { code: FAIL, message } with 4xx/5xx.
  for (const path of ['/api/v1/payments/notify/wechat', '/api/v1/payments/notify/wechat-complaints']) {
    const r = responses('post', path);
    expect(Object.keys(r)).toEqual(path.endsWith('wechat') ? ['204', '400', '401', '404', '500'] : ['204', '400', '401', '500']);
    expect(r['204'].content).toBeUndefined();
    for (const status of Object.keys(r).filter((s) => s !== '204')) expect(schemaOf(r, status, 'application/json').properties?.code.enum).toEqual(['FAIL']);
  }
  // Alipay: the text success, or fail so it retries.
  const alipay = responses('post', '/api/v1/payments/notify/alipay');
  expect(Object.keys(alipay)).toEqual(['200', '400', '500']);
  expect(schemaOf(alipay, '200', 'text/plain').enum).toEqual(['success']);
  expect(schemaOf(alipay, '400', 'text/plain').enum).toEqual(['fail']);
  // WeChat's message push: echostr and success as text; the SMS relay and the e-invoice platform: their JSON.
  expect(mediaTypes(responses('get', '/api/v1/integrations/wechat/push'), '200')).toEqual(['text/plain']);
  expect(schemaOf(responses('post', '/api/v1/integrations/wechat/push'), '200', 'text/plain').enum).toEqual(['success']);
  expect(schemaOf(responses('post', '/api/v1/integrations/sms/reports'), '200', 'application/json').properties?.code.enum).toEqual([0]);
  expect(schemaOf(responses('post', '/api/v1/integrations/einvoice/notify'), '200', 'application/json').properties?.code.enum).toEqual(['SUCCESS']);
  // The callbacks answer every failure themselves: no { data }, no VALIDATION_FAILED envelope, nothing they do not send.
  for (const [method, path] of [
    ['post', '/api/v1/payments/notify/wechat'],
    ['post', '/api/v1/payments/notify/alipay'],
    ['post', '/api/v1/payments/notify/wechat-complaints'],
    ['post', '/api/v1/integrations/einvoice/notify'],
    ['post', '/api/v1/integrations/sms/reports'],
    ['get', '/api/v1/integrations/wechat/push'],
    ['post', '/api/v1/integrations/wechat/push'],
  ]) {
    for (const [status, answer] of Object.entries(responses(method, path))) {
      expect({ path, status, description: answer.description }).not.toEqual({ path, status, description: expect.stringMatching(/^(OK: `\{ data \}`|VALIDATION_FAILED)/) });
    }
  }
  // Pages, files and streams: their media type on success, their failures in the API's envelope.
  const raw: Array<[string, string, string[]]> = [
    ['get', '/api/v1/bills/{id}/receipt', ['text/html']],
    ['get', '/api/v1/payments/{id}/receipt', ['text/html']],
    ['get', '/api/v1/tickets/{id}/photos/{photoId}', ['image/jpeg', 'image/png', 'image/webp', 'image/heic']],
    ['get', '/api/v1/staff/tickets/{id}/photos/{photoId}', ['image/jpeg', 'image/png', 'image/webp', 'image/heic']],
    ['get', '/api/v1/staff/tickets/{id}/wechatpay-complaint/images/{imageId}', ['image/jpeg', 'image/png', 'image/bmp']],
    ['get', '/api/v1/invoice-files/{id}/{kind}.pdf', ['application/pdf']],
    ['get', '/api/v1/staff/billing/imports/template.csv', ['text/csv']],
    ['get', '/api/v1/staff/billing/imports/{id}/rejected.csv', ['text/csv']],
    ['get', '/api/v1/staff/surveys/{id}/results.csv', ['text/csv']],
    ['get', '/api/v1/integrations/billing/imports/{id}/results', ['application/x-ndjson']],
    ['get', '/api/v1/staff/live', ['text/event-stream']],
  ];
  for (const [method, path, types] of raw) {
    const r = responses(method, path);
    expect({ path, types: mediaTypes(r, '200') }).toEqual({ path, types });
    expect(r['200'].description).not.toMatch(/\{ data \}/);
    expect(schemaOf(r, '400', 'application/json').$ref).toBe('#/components/schemas/ErrorEnvelope');
  }
  expect(schemaOf(responses('get', '/api/v1/bills/{id}/receipt'), '409', 'application/json').$ref).toBe('#/components/schemas/ErrorEnvelope');
  expect(Object.keys(responses('get', '/api/v1/invoice-files/{id}/{kind}.pdf'))).toEqual(['200', '400', '404']);
  // A route answering { data } still says so.
  expect(responses('get', '/api/v1/bills')['200'].description).toBe('OK: `{ data }`');
});

test('what those routes send is what they declare: each answer’s status is listed, with its media type', async () => {
  const responses = await responsesOf();
  const pushQuery = (extra: Record<string, string> = {}) => {
    const timestamp = String(Math.floor(t.clock.now().getTime() / 1000));
    return { signature: wechatPushSignature(t.config.wechat.pushToken!, timestamp, '7'), timestamp, nonce: '7', ...extra };
  };
  const probes: Array<[string, string, () => supertest.Test]> = [
    ['post', '/api/v1/payments/notify/wechat', () => t.request.post('/api/v1/payments/notify/wechat').set('Content-Type', 'application/json').send('{}')],
    ['post', '/api/v1/payments/notify/wechat-complaints', () => t.request.post('/api/v1/payments/notify/wechat-complaints').set('Content-Type', 'application/json').send('{}')],
    ['post', '/api/v1/payments/notify/alipay', () => t.request.post('/api/v1/payments/notify/alipay').set('Content-Type', 'application/x-www-form-urlencoded').send('notify_id=1&sign=x')],
    ['post', '/api/v1/integrations/einvoice/notify', () => t.request.post('/api/v1/integrations/einvoice/notify').set('Content-Type', 'application/json').send('{}')],
    ['post', '/api/v1/integrations/sms/reports', () => t.request.post('/api/v1/integrations/sms/reports').set('Content-Type', 'application/json').send('[]')],
    ['get', '/api/v1/integrations/wechat/push', () => t.request.get('/api/v1/integrations/wechat/push').query({ signature: 'x', timestamp: '1', nonce: '1', echostr: '42' })],
    ['get', '/api/v1/integrations/wechat/push', () => t.request.get('/api/v1/integrations/wechat/push').query(pushQuery({ echostr: '4375120948345356249' }))],
    ['post', '/api/v1/integrations/wechat/push', () => t.request.post('/api/v1/integrations/wechat/push').query(pushQuery()).set('Content-Type', 'application/json').send('{"Event":"user_enter_tempsession"}')],
    ['post', '/api/v1/integrations/wechat/push', () => t.request.post('/api/v1/integrations/wechat/push').query(pushQuery({ encrypt_type: 'aes', msg_signature: '0'.repeat(40) })).set('Content-Type', 'application/json').send('{"Encrypt":"AAAA"}')],
    // Signed, but its Encrypt is no ciphertext: unreadable.
    ['post', '/api/v1/integrations/wechat/push', () => {
      const q = pushQuery({ encrypt_type: 'aes' });
      return t.request.post('/api/v1/integrations/wechat/push').query({ ...q, msg_signature: wechatPushMsgSignature(t.config.wechat.pushToken!, q.timestamp, q.nonce, 'AAAA') }).set('Content-Type', 'application/json').send('{"Encrypt":"AAAA"}');
    }],
    ['get', '/api/v1/invoice-files/{id}/{kind}.pdf', () => t.request.get('/api/v1/invoice-files/1/blue.pdf').query({ expires: '1', sig: '0'.repeat(32) })],
    ['get', '/api/v1/integrations/billing/imports/{id}/results', () => t.request.get('/api/v1/integrations/billing/imports/1/results')],
    ['get', '/api/v1/staff/live', () => t.request.get('/api/v1/staff/live')],
  ];
  const seen: string[] = [];
  for (const [method, path, probe] of probes) {
    const res = await probe();
    const declared = responses(method, path)[String(res.status)];
    expect({ method, path, status: res.status, declared: !!declared }).toEqual({ method, path, status: res.status, declared: true });
    const type = String(res.headers['content-type'] ?? '').split(';')[0];
    const types = Object.keys(declared.content ?? {});
    expect({ method, path, status: res.status, type, declared: types.includes(type) || (types.length === 0 && type === '') }).toEqual({ method, path, status: res.status, type, declared: true });
    seen.push(`${method} ${path} ${res.status} ${type}`);
  }
  // The probes reach both sides: refusals and the URL check's echostr, the push's success.
  expect(seen).toEqual(expect.arrayContaining(['get /api/v1/integrations/wechat/push 200 text/plain', 'post /api/v1/integrations/wechat/push 200 text/plain', 'post /api/v1/integrations/wechat/push 400 text/plain', 'post /api/v1/payments/notify/alipay 400 text/plain']));
});

test('routes match as koa-router matches them: any case, optional trailing slash; a wrong method answers 405 with Allow', async () => {
  // GET /bills needs a sign-in: reaching its route (401) shows the path matched.
  for (const path of ['/api/v1/bills', '/API/V1/Bills', '/api/v1/bills/']) {
    expect((await t.request.get(path)).status).toBe(401);
  }
  const wrong = await t.request.delete('/api/v1/bills').expect(405);
  expect(wrong.headers.allow).toBe('HEAD, GET');
  // HEAD is answered by the GET route; OPTIONS by the methods the path has.
  expect((await t.request.head('/api/v1/bills')).status).toBe(401);
  const options = await t.request.options('/api/v1/bills/').expect(200);
  expect(options.headers.allow).toBe('HEAD, GET');
  // A path with several routes lists each of its methods once.
  const ticket = await t.request.put('/api/v1/tickets').expect(405);
  expect(ticket.headers.allow?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  const unknown = await t.request.get('/api/v1/billz').expect(404);
  expect(unknown.body.error.code).toBe('NOT_FOUND');
  await t.request.get('/api/v1/').expect(404);
});
