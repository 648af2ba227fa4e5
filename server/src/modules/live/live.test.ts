import http from 'node:http';
import { Ticket } from '../tickets/ticket.entity';
import { TicketEvent } from '../tickets/ticket-event.entity';
import { createTestApp, signInStaff, type TestApp } from '../../../test/harness';
import { createSubscriber, fileTicket, type SubscriberFixture } from '../tickets/tickets.fixtures';
import { liveChannel, type RedisLiveBus } from './live-bus';

interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** A raw HTTP client for the stream: what a browser's EventSource receives, message by message. */
class SseClient {
  readonly messages: SseMessage[] = [];
  raw = '';
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  ended = false;
  private req: http.ClientRequest | null = null;
  private waiters: Array<() => void> = [];

  /** Every client opened, so a failed test leaves no stream keeping its server from closing. */
  static readonly opened: SseClient[] = [];

  static open(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    SseClient.opened.push(c);
    return new Promise((resolve, reject) => {
      c.req = http.get(`${baseUrl}${path}`, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
        c.status = res.statusCode ?? 0;
        c.headers = res.headers;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          c.raw += chunk;
          buffer += chunk;
          let at: number;
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + 2);
            const m: SseMessage = { event: 'message', data: '' };
            let hasData = false;
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) m.id = line.slice(4);
              else if (line.startsWith('event: ')) m.event = line.slice(7);
              else if (line.startsWith('data: ')) {
                m.data += line.slice(6);
                hasData = true;
              }
            }
            if (hasData) c.messages.push(m);
          }
          c.wake();
        });
        res.on('end', () => {
          c.ended = true;
          c.wake();
        });
        res.on('close', () => {
          c.ended = true;
          c.wake();
        });
        resolve(c);
      });
      c.req.on('error', (err) => (c.status ? undefined : reject(err)));
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  /** Waits until `done()` holds (checked on each chunk), or fails after `ms`. */
  async until(done: () => boolean, what: string, ms = 8_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received: ${this.raw.slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  ticketEvents(): Array<Record<string, unknown> & { ticketId: number; created: boolean; id: number }> {
    return this.messages.filter((m) => m.event === 'ticket').map((m) => JSON.parse(m.data));
  }

  async waitForTicket(ticketId: number, pred: (e: Record<string, unknown>) => boolean = () => true) {
    await this.until(() => this.ticketEvents().some((e) => e.ticketId === ticketId && pred(e)), `an event for ticket ${ticketId}`);
    return this.ticketEvents().filter((e) => e.ticketId === ticketId && pred(e)).pop()!;
  }

  close(): void {
    this.req?.destroy();
  }
}

async function eventually(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function streamToken(t: TestApp, staffToken: string): Promise<string> {
  const res = await t.request.post('/api/v1/staff/live/token').set('Authorization', `Bearer ${staffToken}`).expect(200);
  return res.body.data.token as string;
}

describe('staff live stream, one instance', () => {
  let t: TestApp;
  let agentToken: string;
  let subscriber: SubscriberFixture;

  beforeAll(async () => {
    // Every HTTP limit at its 1 s minimum: a stream must outlive them (Node checks every 250 ms here).
    t = await createTestApp({ env: { HTTP_HEADERS_TIMEOUT_SECONDS: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '1', HTTP_IMPORT_TIMEOUT_SECONDS: '1' } });
    agentToken = await signInStaff(t, 'agent1');
    subscriber = await createSubscriber(t, 'xihu');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });
  afterEach(async () => {
    t.app.services.live.heartbeatMs = 15_000;
    SseClient.opened.splice(0).forEach((c) => c.close());
    await eventually(() => t.deps.liveBus.listenerCount() === 0, 'every stream of the test to let go');
  });

  test('without a stream token or a staff session: 401, and subscribers cannot get a token', async () => {
    const anonymous = await t.request.get('/api/v1/staff/live').expect(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
    await t.request.get('/api/v1/staff/live').set(subscriber.auth).expect(401);
    await t.request.post('/api/v1/staff/live/token').set(subscriber.auth).expect(401);
    const token = await streamToken(t, agentToken);
    // Altered (another staff id under the same signature) and expired tokens are refused alike.
    const [, sessionId, exp, sig] = token.split('.');
    await t.request.get(`/api/v1/staff/live?token=${encodeURIComponent(`999.${sessionId}.${exp}.${sig}`)}`).expect(401);
    t.clock.advance(61_000);
    try {
      const expired = await t.request.get(`/api/v1/staff/live?token=${encodeURIComponent(token)}`).expect(401);
      expect(expired.body.error.message).toContain('实时推送');
    } finally {
      t.clock.advance(-61_000);
    }
    expect(t.deps.liveBus.listenerCount()).toBe(0);
  });

  test('a ticket filed and claimed reaches an open stream as queue facts only, after its commit, through every HTTP timeout', async () => {
    const token = await streamToken(t, agentToken);
    const sse = await SseClient.open(t.baseUrl, `/api/v1/staff/live?token=${encodeURIComponent(token)}`);
    try {
      expect(sse.status).toBe(200);
      expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(sse.headers['cache-control']).toContain('no-transform');
      expect(sse.headers['content-encoding']).toBeUndefined();
      await sse.until(() => sse.raw.includes('retry: 5000'), 'the retry field');
      // Longer than every request timeout (1 s, checked every 250 ms): the stream is still open.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(sse.ended).toBe(false);

      const ticketId = await fileTicket(t, subscriber, { description: '光猫红灯闪烁，不能上网', contactPhone: '13812345678' });
      const filed = await sse.waitForTicket(ticketId);
      expect(filed).toMatchObject({ ticketId, created: true, type: 'fault', status: 'submitted', area: 'xihu', areaName: '西湖区' });
      expect(filed.kinds).toContain('submitted');
      // The stream's id is the newest timeline entry the message covers.
      const newest = await t.orm.em.fork().findOne(TicketEvent, { ticketId }, { orderBy: { id: 'desc' } });
      expect(filed.id).toBe(newest!.id);
      expect(sse.messages.find((m) => m.event === 'ticket')?.id).toBe(String(newest!.id));
      // What the subscriber wrote and their phone never travel on the stream.
      expect(sse.raw).not.toContain('光猫');
      expect(sse.raw).not.toContain('13812345678');

      await t.request.post(`/api/v1/staff/tickets/${ticketId}/claim`).set('Authorization', `Bearer ${agentToken}`).expect(200);
      const claimed = await sse.waitForTicket(ticketId, (e) => e.status === 'accepted');
      expect(claimed).toMatchObject({ created: false, kinds: ['accepted'] });
      expect(claimed.id).toBeGreaterThan(filed.id);
    } finally {
      sse.close();
    }
  });

  test('a transaction that rolls back publishes nothing; the next committed one does', async () => {
    const token = await streamToken(t, agentToken);
    const sse = await SseClient.open(t.baseUrl, `/api/v1/staff/live?token=${encodeURIComponent(token)}`);
    try {
      const ticketId = await fileTicket(t, subscriber);
      await sse.waitForTicket(ticketId);
      const before = sse.ticketEvents().length;
      const entry = (kind: string) =>
        Object.assign(new TicketEvent(), { ticketId, kind, actorKind: 'system', message: 'test', occurredAt: t.clock.now(), createdAt: t.clock.now() });
      await expect(
        t.orm.em.fork().transactional(async (tx) => {
          tx.persist(entry('rolled_back'));
          await tx.flush();
          throw new Error('abandon');
        }),
      ).rejects.toThrow('abandon');
      // A savepoint's entry belongs to the outer transaction, which commits.
      await t.orm.em.fork().transactional(async (tx) => {
        await tx.transactional(async (inner) => inner.persist(entry('escalated')));
      });
      const committed = await sse.waitForTicket(ticketId, (e) => (e.kinds as string[]).includes('escalated'));
      expect(committed.created).toBe(false);
      expect(sse.ticketEvents().slice(before).flatMap((e) => e.kinds as string[])).not.toContain('rolled_back');
    } finally {
      sse.close();
    }
  });

  test('a reconnect with Last-Event-ID gets what was committed meanwhile, new tickets marked', async () => {
    const token = await streamToken(t, agentToken);
    const first = await SseClient.open(t.baseUrl, `/api/v1/staff/live?token=${encodeURIComponent(token)}`);
    const seen = await fileTicket(t, subscriber);
    const last = await first.waitForTicket(seen);
    first.close();
    await eventually(() => t.deps.liveBus.listenerCount() === 0, 'the closed stream to let go');

    const missedNew = await fileTicket(t, subscriber);
    await t.request.post(`/api/v1/staff/tickets/${seen}/claim`).set('Authorization', `Bearer ${agentToken}`).expect(200);
    // The browser's own reconnect sends the header; a page opening a new EventSource passes lastEventId.
    const again = await SseClient.open(t.baseUrl, `/api/v1/staff/live?token=${encodeURIComponent(token)}`, { 'Last-Event-ID': String(last.id) });
    const byQuery = await SseClient.open(t.baseUrl, `/api/v1/staff/live?token=${encodeURIComponent(token)}&lastEventId=${last.id}`);
    try {
      for (const c of [again, byQuery]) {
        expect(await c.waitForTicket(missedNew)).toMatchObject({ created: true, status: 'submitted' });
        expect(await c.waitForTicket(seen)).toMatchObject({ created: false, status: 'accepted', kinds: ['accepted'] });
      }
    } finally {
      again.close();
      byQuery.close();
    }
  });

  test('closing the connection removes its listener; heartbeats every period; signing out ends the stream', async () => {
    t.app.services.live.heartbeatMs = 200;
    const base = 0;
    const token = await streamToken(t, agentToken);
    const a = await SseClient.open(t.baseUrl, `/api/v1/staff/live?token=${encodeURIComponent(token)}`);
    const b = await SseClient.open(t.baseUrl, '/api/v1/staff/live', { Authorization: `Bearer ${agentToken}` });
    await eventually(() => t.deps.liveBus.listenerCount() === base + 2, 'two listeners');
    await a.until(() => (a.raw.match(/: ping/g) ?? []).length >= 2, 'two heartbeats');
    a.close();
    await eventually(() => t.deps.liveBus.listenerCount() === base + 1, 'the closed stream to let go of its listener');

    // A session that ends (sign-out) ends its stream at the next heartbeat, and its listener with it.
    const own = await signInStaff(t, 'agent1');
    const c = await SseClient.open(t.baseUrl, `/api/v1/staff/live?token=${encodeURIComponent(await streamToken(t, own))}`);
    await eventually(() => t.deps.liveBus.listenerCount() === base + 2, 'the third stream');
    await t.request.post('/api/v1/auth/logout').set('Authorization', `Bearer ${own}`).expect(204);
    await c.until(() => c.ended, 'the signed-out stream to end');
    await eventually(() => t.deps.liveBus.listenerCount() === base + 1, 'the ended stream to let go');
    b.close();
    await eventually(() => t.deps.liveBus.listenerCount() === base, 'no listener left');
  });
  test('shutting down ends every open stream, and each lets go of its listener', async () => {
    const base = t.deps.liveBus.listenerCount();
    const token = await streamToken(t, agentToken);
    const a = await SseClient.open(t.baseUrl, `/api/v1/staff/live?token=${encodeURIComponent(token)}`);
    const b = await SseClient.open(t.baseUrl, '/api/v1/staff/live', { Authorization: `Bearer ${agentToken}` });
    await eventually(() => t.deps.liveBus.listenerCount() === base + 2, 'two listeners');
    t.app.services.live.endStreams();
    await a.until(() => a.ended, 'the first stream to end');
    await b.until(() => b.ended, 'the second stream to end');
    await eventually(() => t.deps.liveBus.listenerCount() === base, 'no listener left');
  });
});

describe('staff live stream, two instances through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { RATE_LIMIT_STORE: 'redis', REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' };
    a = await createTestApp({ env });
    b = await createTestApp({ env, sameDatabaseAs: a });
    await Promise.all([a, b].map((x) => (x.deps.liveBus as RedisLiveBus).ready()));
  }, 60_000);
  afterAll(async () => {
    SseClient.opened.splice(0).forEach((c) => c.close());
    await b?.close();
    await a?.close();
  });

  test('a ticket filed through instance A reaches a console connected to instance B, and B’s own changes reach A', async () => {
    expect(a.orm).not.toBe(b.orm);
    const agentOnB = await signInStaff(b, 'agent1');
    const onB = await SseClient.open(b.baseUrl, `/api/v1/staff/live?token=${encodeURIComponent(await streamToken(b, agentOnB))}`);
    // A stream token signed by one instance opens the stream on the other (same APP_SECRET).
    const onA = await SseClient.open(a.baseUrl, `/api/v1/staff/live?token=${encodeURIComponent(await streamToken(b, agentOnB))}`);
    try {
      expect([onA.status, onB.status]).toEqual([200, 200]);
      const subscriber = await createSubscriber(a, 'shangcheng');
      const ticketId = await fileTicket(a, subscriber);
      expect(await onB.waitForTicket(ticketId)).toMatchObject({ created: true, area: 'shangcheng', areaName: '上城区', status: 'submitted' });
      await b.request.post(`/api/v1/staff/tickets/${ticketId}/claim`).set('Authorization', `Bearer ${agentOnB}`).expect(200);
      expect(await onA.waitForTicket(ticketId, (e) => e.status === 'accepted')).toMatchObject({ created: false });
      // Each change once per stream, though both instances publish on the one channel.
      await new Promise((r) => setTimeout(r, 300));
      expect(onB.ticketEvents().filter((e) => e.ticketId === ticketId && e.created)).toHaveLength(1);
      expect((a.deps.liveBus as RedisLiveBus).channel).toBe((b.deps.liveBus as RedisLiveBus).channel);
      expect((a.deps.liveBus as RedisLiveBus).channel).toBe(liveChannel(a.config.redisNamespace));
      expect(await a.orm.em.fork().count(Ticket, { id: ticketId })).toBe(1);
    } finally {
      onA.close();
      onB.close();
    }
    await eventually(() => a.deps.liveBus.listenerCount() === 0 && b.deps.liveBus.listenerCount() === 0, 'both instances to let go');
  });

  test('another deployment on the same Redis (its own database) hears none of it, and is not heard', async () => {
    const env = { RATE_LIMIT_STORE: 'redis', REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' };
    const other = await createTestApp({ env, seed: false });
    const inB: number[] = [];
    const inOther: number[] = [];
    const offB = b.deps.liveBus.subscribe((e) => inB.push(e.ticketId));
    const offOther = other.deps.liveBus.subscribe((e) => inOther.push(e.ticketId));
    try {
      await (other.deps.liveBus as RedisLiveBus).ready();
      expect(other.config.redisNamespace).not.toBe(a.config.redisNamespace);
      const ticketId = await fileTicket(a, await createSubscriber(a, 'shangcheng'));
      await eventually(() => inB.includes(ticketId), 'instance B to hear the ticket filed through A');
      // The other deployment's own ticket (its own database, so maybe the same id) stays with it.
      const elsewhere = await fileTicket(other, await createSubscriber(other, 'shangcheng'));
      await eventually(() => inOther.includes(elsewhere), 'the other deployment to hear its own ticket');
      await new Promise((r) => setTimeout(r, 300));
      expect(new Set(inOther)).toEqual(new Set([elsewhere]));
      expect(new Set(inB)).toEqual(new Set([ticketId]));
    } finally {
      offB();
      offOther();
      await other.close();
    }
  });
});
