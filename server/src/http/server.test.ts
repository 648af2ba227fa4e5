import http from 'node:http';
import net from 'node:net';
import { closeGracefully } from './server';
import { createTestApp, signInStaff, type TestApp } from '../../test/harness';

/**
 * Slow clients are cut off: headers within HTTP_HEADERS_TIMEOUT_SECONDS, a body within
 * HTTP_REQUEST_TIMEOUT_SECONDS of its headers, a bulk import's body within HTTP_IMPORT_TIMEOUT_SECONDS.
 * Small limits here (1 s, 1 s, 3 s) keep the test short.
 */

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await createTestApp({ env: { HTTP_HEADERS_TIMEOUT_SECONDS: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '1', HTTP_IMPORT_TIMEOUT_SECONDS: '3' } });
  port = Number(new URL(t.baseUrl).port);
});
afterAll(() => t.close());

interface Exchange {
  /** Everything the server sent. */
  received: () => string;
  /** Resolves when the server closes the connection, with the milliseconds since it was opened. */
  closed: Promise<number>;
  socket: net.Socket;
}

/** A raw connection that sends `text` and then nothing more. */
function send(text: string): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    socket.on('error', () => {});
    socket.once('connect', () => {
      const opened = Date.now();
      const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - opened)));
      if (text) socket.write(text);
      resolve({ received: () => received, closed, socket });
    });
    socket.once('error', reject);
  });
}

const within = (ms: number, lo: number, hi: number) => expect({ ms, inRange: ms >= lo && ms <= hi }).toEqual({ ms, inRange: true });

test('a body that stalls after its headers is answered 408 and cut off at HTTP_REQUEST_TIMEOUT_SECONDS', async () => {
  const c = await send('POST /api/v1/auth/sms/send HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"phone":');
  within(await c.closed, 900, 2500);
  expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
});

test('headers that stall are cut off at HTTP_HEADERS_TIMEOUT_SECONDS, and so is a connection that sends nothing', async () => {
  const [partial, silent] = await Promise.all([send('GET /api/v1/halls HTTP/1.1\r\nHost: x\r\n'), send('')]);
  within(await partial.closed, 900, 2500);
  expect(partial.received()).toMatch(/^HTTP\/1\.1 408 /);
  within(await silent.closed, 900, 2500);
});

test('a bulk import has HTTP_IMPORT_TIMEOUT_SECONDS to send its body, not the ordinary limit', async () => {
  const token = await signInStaff(t, 'supervisor1');
  const c = await send(
    `POST /api/v1/staff/billing/imports?fileName=slow.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\ntype,id,version\r\n`,
  );
  const closedAt = await c.closed;
  within(closedAt, 2700, 4500);
  expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
});

test('a body sent in time, and an idle keep-alive connection, are not cut off', async () => {
  const c = await send('POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{');
  await new Promise((r) => setTimeout(r, 500));
  c.socket.write('}');
  // Idle past both limits (a load balancer reuses its connections), then a second request on it.
  await new Promise((r) => setTimeout(r, 1500));
  c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await c.closed;
  expect(c.received().match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 204', 'HTTP/1.1 200']);
});

describe('shutting down (closeGracefully)', () => {
  /** A server whose `/slow` answers only when `release` is called; its port. */
  async function slowServer(): Promise<{ server: http.Server; port: number; released: Promise<() => void> }> {
    let give!: (release: () => void) => void;
    const released = new Promise<() => void>((r) => (give = r));
    const server = http.createServer((req, res) => {
      if (req.url === '/slow') give(() => res.end('done'));
      else res.end('ok');
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, port: (server.address() as net.AddressInfo).port, released };
  }

  function get(port: number, path: string, agent: http.Agent): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
  }

  test('a request in progress is answered, then its kept-alive connection closed, without waiting for the grace', async () => {
    const { server, port, released } = await slowServer();
    const agent = new http.Agent({ keepAlive: true });
    const slow = get(port, '/slow', agent);
    const release = await released;
    const start = Date.now();
    const closing = closeGracefully(server, 5_000);
    await new Promise((r) => setTimeout(r, 200));
    release();
    expect(await slow).toEqual({ status: 200, body: 'done' });
    await closing;
    within(Date.now() - start, 150, 1_500);
    agent.destroy();
  });

  test('a client that stalls is cut at the grace', async () => {
    const { server, port } = await slowServer();
    const stalled = net.connect(port, '127.0.0.1');
    await new Promise((r) => stalled.once('connect', r));
    stalled.on('error', () => {});
    stalled.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const cut = new Promise((r) => stalled.once('close', r));
    const start = Date.now();
    await closeGracefully(server, 800);
    within(Date.now() - start, 700, 2_500);
    await cut;
  });
});
