import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './rate-limit';

/** The same behaviour from both stores: the Redis one is what several instances share. */
const stores: [string, () => { limiter: RateLimiter; advance: (ms: number) => Promise<void> }][] = [
  [
    'memory',
    () => {
      let now = 1_700_000_000_000;
      return { limiter: new MemoryRateLimiter(() => now), advance: async (ms) => void (now += ms) };
    },
  ],
  [
    'redis',
    () => {
      const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
      return { limiter: new RedisRateLimiter(redis, `openhall:test:${randomBytes(4).toString('hex')}:`), advance: (ms) => new Promise((r) => setTimeout(r, ms)) };
    },
  ],
];

describe.each(stores)('%s rate limiter', (_name, make) => {
  let s: ReturnType<typeof make>;
  beforeEach(() => {
    s = make();
  });
  afterEach(() => s.limiter.close());

  test('allows up to the limit in a window, then refuses with a retry time', async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await s.limiter.consume('k', 3, 60));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[3].retryAfterSeconds).toBeGreaterThan(0);
    expect(results[3].retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  test('keys are counted separately and reset forgets one', async () => {
    await s.limiter.consume('a', 1, 60);
    expect((await s.limiter.consume('a', 1, 60)).allowed).toBe(false);
    expect((await s.limiter.consume('b', 1, 60)).allowed).toBe(true);
    await s.limiter.reset('a');
    expect((await s.limiter.consume('a', 1, 60)).allowed).toBe(true);
  });

  test('a new window opens when the old one ends', async () => {
    await s.limiter.consume('w', 1, 1);
    expect((await s.limiter.consume('w', 1, 1)).allowed).toBe(false);
    await s.advance(1100);
    expect((await s.limiter.consume('w', 1, 1)).allowed).toBe(true);
  });
});

test('two limiters on one Redis count together (two server instances)', async () => {
  const prefix = `openhall:test:${randomBytes(4).toString('hex')}:`;
  const a = new RedisRateLimiter(new Redis('redis://127.0.0.1:6379'), prefix);
  const b = new RedisRateLimiter(new Redis('redis://127.0.0.1:6379'), prefix);
  try {
    const results = await Promise.all([a, b, a, b, a, b].map((l) => l.consume('shared', 4, 60)));
    expect(results.filter((r) => r.allowed)).toHaveLength(4);
  } finally {
    await a.close();
    await b.close();
  }
});
