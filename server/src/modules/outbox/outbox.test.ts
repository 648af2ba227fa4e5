import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../../../test/harness';
import { HttpBillingSystem, type BillingWriteoffMessage } from '../../integrations/billing/billing.adapter';
import { OutboxMessage } from './outbox-message.entity';
import { OutboxRunner } from './outbox.runner';
import { enqueueOutbox } from './outbox.service';

let t: TestApp;
let receiver: http.Server;
let receiverUrl = '';
const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
/** What the receiver answers next: a status (with `{"accepted":true}` when 200), or a status and a body. */
const answers: Array<number | { status: number; body: string }> = [];

beforeAll(async () => {
  t = await createTestApp({ seed: false });
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const next = answers.shift() ?? 200;
      const answer = typeof next === 'number' ? { status: next, body: next === 200 ? '{"accepted":true,"writeoffId":"WO1"}' : '' } : next;
      res.statusCode = answer.status;
      res.setHeader('Content-Type', 'application/json');
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/writeoff`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await t.deps.sandboxes.close();
  await t.close();
});

beforeEach(() => {
  received.length = 0;
  answers.length = 0;
});

const message = (orderId: number): BillingWriteoffMessage => ({
  orderId,
  outTradeNo: `OH${orderId}`,
  channel: 'alipay_wap',
  gatewayTradeNo: 'T1',
  paidAt: new Date().toISOString(),
  amountFen: 100,
  bills: [{ billId: 1, externalId: 'B1', accountId: 1, accountNo: '1000000001', period: '2026-01', amountFen: 100, lateFeeFen: 0 }],
});

async function enqueue(dedupeKey: string, payload: BillingWriteoffMessage): Promise<void> {
  await t.orm.em.fork().transactional((em) => enqueueOutbox(em, { topic: 'billing.writeoff', dedupeKey, payload: payload as unknown as Record<string, unknown> }, new Date()));
}

test('enqueueing the same dedupe key twice keeps one message', async () => {
  await enqueue('writeoff:dup', message(1));
  await enqueue('writeoff:dup', message(1));
  expect(await t.orm.em.fork().count(OutboxMessage, { dedupeKey: 'writeoff:dup' })).toBe(1);
  await t.orm.em.fork().nativeDelete(OutboxMessage, {});
});

test('the HTTP write-off posts signed JSON; a failure is retried later, a success is sent once', async () => {
  const writeoff = new HttpBillingSystem(receiverUrl, 'a-very-long-writeoff-secret');
  const dispatcher = new OutboxRunner(t.orm, t.deps.logger);
  dispatcher.register('billing.writeoff', (payload, m) => writeoff.writeOff(payload as unknown as BillingWriteoffMessage, m.dedupeKey));
  await enqueue('writeoff:42', message(42));

  answers.push(503);
  const now = new Date();
  expect(await dispatcher.runOnce(now)).toEqual({ claimed: 1, sent: 0, failed: 1, skipped: 0, more: false });
  const failed = await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: 'writeoff:42' });
  expect(failed).toMatchObject({ status: 'pending', attempts: 1, claimedBy: null });
  expect(failed.lastError).toContain('503');
  // Not due again yet.
  expect(await dispatcher.runOnce(now)).toEqual({ claimed: 0, sent: 0, failed: 0, skipped: 0, more: false });
  // A 200 that does not say the write-off was taken is not a write-off: tried again.
  answers.push({ status: 200, body: '{"accepted":false,"error":"account locked"}' });
  expect(await dispatcher.runOnce(new Date(now.getTime() + 31_000))).toEqual({ claimed: 1, sent: 0, failed: 1, skipped: 0, more: false });
  expect((await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: 'writeoff:42' })).lastError).toContain('did not accept');
  expect(await dispatcher.runOnce(new Date(now.getTime() + 92_000))).toEqual({ claimed: 1, sent: 1, failed: 0, skipped: 0, more: false });
  expect((await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: 'writeoff:42' })).status).toBe('sent');

  const last = received[received.length - 1];
  expect(last.headers['idempotency-key']).toBe('writeoff:42');
  const expected = createHmac('sha256', 'a-very-long-writeoff-secret').update(`${last.headers['x-openhall-timestamp']}.${last.body}`).digest('hex');
  expect(last.headers['x-openhall-signature']).toBe(`sha256=${expected}`);
  expect(JSON.parse(last.body)).toMatchObject({ orderId: 42, amountFen: 100 });
  await t.orm.em.fork().nativeDelete(OutboxMessage, {});
});

test('two dispatchers running at once deliver each message once', async () => {
  for (let i = 0; i < 10; i++) await enqueue(`writeoff:c${i}`, message(100 + i));
  const delivered: string[] = [];
  const make = () => {
    const d = new OutboxRunner(t.orm, t.deps.logger);
    d.register('billing.writeoff', async (_p, m) => {
      delivered.push(m.dedupeKey);
      await new Promise((r) => setTimeout(r, 5));
    });
    return d;
  };
  const [a, b] = await Promise.all([make().runOnce(), make().runOnce()]);
  expect(a.sent + b.sent).toBe(10);
  expect(delivered.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `writeoff:c${i}`).sort());
  expect(await t.orm.em.fork().count(OutboxMessage, { status: 'sent' })).toBe(10);
});

test('a message its handler skips on purpose is recorded as skipped with the reason, and not retried', async () => {
  await enqueue('writeoff:skip', message(7));
  const calls: string[] = [];
  const dispatcher = new OutboxRunner(t.orm, t.deps.logger);
  dispatcher.register('billing.writeoff', async (_p, m) => {
    calls.push(m.dedupeKey);
    return { skipped: 'order was refunded before write-off' };
  });
  const now = new Date();
  expect(await dispatcher.runOnce(now)).toEqual({ claimed: 1, sent: 0, failed: 0, skipped: 1, more: false });
  const row = await t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: 'writeoff:skip' });
  expect(row).toMatchObject({ status: 'skipped', attempts: 1, lastError: 'order was refunded before write-off', sentAt: null, claimedBy: null });
  expect(await dispatcher.runOnce(new Date(now.getTime() + 3_600_000))).toEqual({ claimed: 0, sent: 0, failed: 0, skipped: 0, more: false });
  expect(calls).toEqual(['writeoff:skip']);
  await t.orm.em.fork().nativeDelete(OutboxMessage, {});
});

describe('a backlog of one topic', () => {
  const queue = async (topic: string, n: number, prefix: string) => {
    const now = new Date(Date.now() - 1000);
    await t.orm.em.fork().transactional(async (em) => {
      for (let i = 0; i < n; i++) await enqueueOutbox(em, { topic, dedupeKey: `${prefix}:${i}`, payload: { i } }, now);
    });
  };

  test('does not hold up another topic: each pass takes a batch of every topic', async () => {
    await queue('test.reminder', 12, 'reminder');
    await queue('test.money', 1, 'money');
    const delivered: string[] = [];
    const d = new OutboxRunner(t.orm, t.deps.logger, { batchSize: 5 });
    d.register('test.reminder', async () => void delivered.push('reminder'));
    d.register('test.money', async () => void delivered.push('money'));
    const first = await d.runOnce();
    expect(delivered.filter((x) => x === 'money')).toHaveLength(1);
    expect(first).toMatchObject({ sent: 6, more: true });
    await t.orm.em.fork().nativeDelete(OutboxMessage, {});
  });

  test('drains within one job pass, not a batch per interval', async () => {
    await queue('test.reminder', 23, 'drain');
    const d = new OutboxRunner(t.orm, t.deps.logger, { batchSize: 5 });
    let n = 0;
    d.register('test.reminder', async () => void n++);
    const r = await d.drain(10_000);
    expect(n).toBe(23);
    expect(r).toMatchObject({ sent: 23, passes: 5 });
    expect(await t.orm.em.fork().count(OutboxMessage, { status: 'pending' })).toBe(0);
    await t.orm.em.fork().nativeDelete(OutboxMessage, {});
  });

  test('a drain of some topics (those a person waits for) leaves the others for their own lane', async () => {
    await queue('test.reminder', 3, 'later');
    await queue('test.invoice', 2, 'now');
    const d = new OutboxRunner(t.orm, t.deps.logger, { batchSize: 5 });
    const delivered: string[] = [];
    d.register('test.reminder', async () => void delivered.push('reminder'));
    d.register('test.invoice', async () => void delivered.push('invoice'));
    expect(await d.drain(10_000, undefined, ['test.invoice', 'test.unregistered'])).toMatchObject({ sent: 2 });
    expect(delivered).toEqual(['invoice', 'invoice']);
    expect(await t.orm.em.fork().count(OutboxMessage, { topic: 'test.reminder', status: 'pending' })).toBe(3);
    await t.orm.em.fork().nativeDelete(OutboxMessage, {});
  });
});

describe('topics with options of their own', () => {
  const queue = async (topic: string, key: string, at: Date) =>
    t.orm.em.fork().transactional((em) => enqueueOutbox(em, { topic, dedupeKey: key, payload: {} }, at));
  const row = (key: string) => t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: key });

  test('each topic is retried by its own backoff; one without a dead end is never marked dead', async () => {
    const now = new Date(Date.now() - 1000);
    await queue('test.forever', 'forever:1', now);
    await queue('test.limited', 'limited:1', now);
    const r = new OutboxRunner(t.orm, t.deps.logger);
    r.register('test.forever', async () => Promise.reject(new Error('down')), { backoffMs: () => 1_000, maxAttempts: Infinity });
    r.register('test.limited', async () => Promise.reject(new Error('down')), { maxAttempts: 2 });
    expect(await r.runOnce(now)).toMatchObject({ claimed: 2, failed: 2 });
    expect((await row('forever:1')).nextAttemptAt.getTime()).toBe(now.getTime() + 1_000);
    expect((await row('limited:1')).nextAttemptAt.getTime()).toBe(now.getTime() + 30_000);
    expect(await r.runOnce(new Date(now.getTime() + 31_000))).toMatchObject({ claimed: 2, failed: 2 });
    expect(await row('forever:1')).toMatchObject({ status: 'pending', attempts: 2 });
    expect(await row('limited:1')).toMatchObject({ status: 'dead', attempts: 2 });
    await t.orm.em.fork().nativeDelete(OutboxMessage, {});
  });

  test('a topic told of each message given up (dead) or skipped, once, after its status is written; not of one sent or still retried', async () => {
    const now = new Date(Date.now() - 1000);
    for (const key of ['given:dead', 'given:skip', 'given:sent']) await queue('test.given', key, now);
    const told: string[] = [];
    const r = new OutboxRunner(t.orm, t.deps.logger);
    r.register(
      'test.given',
      async (_p, m) => {
        if (m.dedupeKey === 'given:dead') throw new Error('down');
        return m.dedupeKey === 'given:skip' ? { skipped: 'not wanted' } : undefined;
      },
      {
        maxAttempts: 2,
        onGivenUp: async (_p, m) => {
          told.push(`${m.dedupeKey}:${m.status}:${(await row(m.dedupeKey)).status}`);
          if (m.dedupeKey === 'given:skip') throw new Error('the topic failed to act on it');
        },
      },
    );
    expect(await r.runOnce(now)).toMatchObject({ sent: 1, skipped: 1, failed: 1 });
    expect(told).toEqual(['given:skip:skipped:skipped']);
    expect(await r.runOnce(new Date(now.getTime() + 31_000))).toMatchObject({ failed: 1 });
    expect(await r.runOnce(new Date(now.getTime() + 3_600_000))).toMatchObject({ claimed: 0 });
    expect(told).toEqual(['given:skip:skipped:skipped', 'given:dead:dead:dead']);
    await t.orm.em.fork().nativeDelete(OutboxMessage, {});
  });

  test('start(): each interval is a lane of its own, drained at its own pace', async () => {
    await queue('test.fast', 'fast:1', new Date(Date.now() - 1000));
    await queue('test.slow', 'slow:1', new Date(Date.now() - 1000));
    const delivered: string[] = [];
    const r = new OutboxRunner(t.orm, t.deps.logger, { intervalMs: 60_000 });
    r.register('test.fast', async () => void delivered.push('fast'), { intervalMs: 50, firstAfterMs: 0 });
    r.register('test.slow', async () => void delivered.push('slow'));
    const stop = r.start();
    try {
      for (let i = 0; i < 100 && delivered.length === 0; i++) await new Promise((res) => setTimeout(res, 50));
      await new Promise((res) => setTimeout(res, 200));
    } finally {
      await stop();
    }
    expect(delivered).toEqual(['fast']);
    expect((await row('slow:1')).status).toBe('pending');
    await t.orm.em.fork().nativeDelete(OutboxMessage, {});
  });
});

describe('an ordering key', () => {
  const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
  const queue = (topic: string, key: string, orderingKey: string | undefined, created: Date) =>
    t.orm.em.fork().transactional((em) => enqueueOutbox(em, { topic, dedupeKey: key, payload: { key }, ...(orderingKey ? { orderingKey } : {}) }, created));
  const row = (key: string) => t.orm.em.fork().findOneOrFail(OutboxMessage, { dedupeKey: key });
  afterEach(async () => {
    await t.orm.em.fork().nativeDelete(OutboxMessage, {});
  });

  test('a later message waits while an earlier one of its key is retried, and goes right after it; unkeyed and other keys go at once', async () => {
    const now = new Date(Date.now() - 1000);
    await queue('test.ordered', 'k1:first', 'k1', now);
    await queue('test.ordered', 'k1:second', 'k1', now);
    await queue('test.ordered', 'k2:only', 'k2', now);
    await queue('test.ordered', 'free', undefined, now);
    const delivered: string[] = [];
    let down = true;
    const r = new OutboxRunner(t.orm, t.deps.logger);
    r.register('test.ordered', async (_p, m) => {
      if (down && m.dedupeKey === 'k1:first') throw new Error('down');
      delivered.push(m.dedupeKey);
    });
    // The first of k1 fails; the second of k1 is due but not taken; k2 and the unkeyed one go.
    expect(await r.runOnce(now)).toMatchObject({ claimed: 3, sent: 2, failed: 1 });
    expect(delivered.sort()).toEqual(['free', 'k2:only']);
    // Before the first is due again, nothing of k1 goes, however often the runner passes.
    expect(await r.runOnce(at(now, 10_000))).toMatchObject({ claimed: 0 });
    expect(await row('k1:second')).toMatchObject({ status: 'pending', attempts: 0 });
    down = false;
    expect(await r.runOnce(at(now, 31_000))).toMatchObject({ claimed: 1, sent: 1 });
    expect(await r.runOnce(at(now, 31_000))).toMatchObject({ claimed: 1, sent: 1 });
    expect(delivered.slice(2)).toEqual(['k1:first', 'k1:second']);
  });

  test('an earlier message given up (dead) or skipped lets the next go', async () => {
    const now = new Date(Date.now() - 1000);
    await queue('test.ordered', 'd:first', 'd', now);
    await queue('test.ordered', 'd:second', 'd', now);
    await queue('test.ordered', 's:first', 's', now);
    await queue('test.ordered', 's:second', 's', now);
    const delivered: string[] = [];
    const r = new OutboxRunner(t.orm, t.deps.logger);
    r.register(
      'test.ordered',
      async (_p, m) => {
        if (m.dedupeKey === 'd:first') throw new Error('refused for good');
        if (m.dedupeKey === 's:first') return { skipped: 'stale' };
        delivered.push(m.dedupeKey);
      },
      { maxAttempts: 2 },
    );
    expect(await r.runOnce(now)).toMatchObject({ claimed: 2, failed: 1, skipped: 1 });
    expect(await r.runOnce(now)).toMatchObject({ claimed: 1, sent: 1 });
    expect(delivered).toEqual(['s:second']);
    expect(await r.runOnce(at(now, 31_000))).toMatchObject({ claimed: 1, failed: 1 });
    expect(await row('d:first')).toMatchObject({ status: 'dead', attempts: 2 });
    expect(await r.runOnce(at(now, 31_000))).toMatchObject({ claimed: 1, sent: 1 });
    expect(delivered).toEqual(['s:second', 'd:second']);
  });

  test('the order is the key’s, across topics: a message waits for an earlier one of another topic', async () => {
    const now = new Date(Date.now() - 1000);
    await queue('test.first', 'x:a', 'x', now);
    await queue('test.second', 'x:b', 'x', now);
    const r = new OutboxRunner(t.orm, t.deps.logger);
    const delivered: string[] = [];
    r.register('test.first', async (_p, m) => void delivered.push(m.dedupeKey));
    r.register('test.second', async (_p, m) => void delivered.push(m.dedupeKey));
    expect(await r.runOnce(now, ['test.second'])).toMatchObject({ claimed: 0 });
    expect(await r.runOnce(now, ['test.first', 'test.second'])).toMatchObject({ sent: 2 });
    expect(delivered).toEqual(['x:a', 'x:b']);
  });

  test('two runners at once: each key’s messages go one at a time and in order, every message once', async () => {
    const now = new Date(Date.now() - 1000);
    const keys = ['a', 'b', 'c', 'd'];
    // Each key's messages queued together, so an unordered claim would give one key's to both runners.
    for (const k of keys) for (let i = 0; i < 5; i++) await queue('test.ordered', `${k}:${i}`, k, now);
    const delivered: string[] = [];
    const busy = new Set<string>();
    let overlapped = 0;
    const second = new OutboxRunner(t.orm, t.deps.logger, { batchSize: 3 });
    const first = new OutboxRunner(t.orm, t.deps.logger, { batchSize: 3 });
    let inside: Promise<unknown> | null = null;
    const deliver = (runner: 'first' | 'second') => async (_p: unknown, m: { dedupeKey: string }) => {
      const k = m.dedupeKey.split(':')[0];
      if (busy.has(k)) overlapped++;
      busy.add(k);
      // While the first runner delivers its first message, the second runs a whole pass (on MySQL
      // its claim skips the rows the first holds; on SQLite it re-checks each row it takes).
      if (runner === 'first' && !inside) await (inside = second.runOnce(now));
      await new Promise((res) => setTimeout(res, 2));
      busy.delete(k);
      delivered.push(m.dedupeKey);
    };
    first.register('test.ordered', deliver('first'));
    second.register('test.ordered', deliver('second'));
    for (let pass = 0; pass < 20 && delivered.length < 20; pass++) await Promise.all([first.runOnce(now), second.runOnce(now)]);
    expect(overlapped).toBe(0);
    expect([...delivered].sort()).toEqual(keys.flatMap((k) => [0, 1, 2, 3, 4].map((i) => `${k}:${i}`)).sort());
    for (const k of keys) expect(delivered.filter((d) => d.startsWith(`${k}:`))).toEqual([0, 1, 2, 3, 4].map((i) => `${k}:${i}`));
    expect(await t.orm.em.fork().count(OutboxMessage, { status: 'sent' })).toBe(20);
  });
});
