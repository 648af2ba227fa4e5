import type { Principal } from '../../http/context';
import { SessionCache } from './session-cache';

const user = (sessionId: number): Principal => ({ kind: 'user', userId: sessionId * 10, sessionId, openid: null, phone: '13900000000' });

describe('SessionCache', () => {
  test('keeps a principal for the TTL, then forgets it', () => {
    const cache = new SessionCache(10_000);
    cache.set('h1', user(1), 0, 1e12);
    expect(cache.get('h1', 9_999)?.sessionId).toBe(1);
    expect(cache.get('h1', 10_000)).toBeUndefined();
  });

  test('never past the session’s own expiry', () => {
    const cache = new SessionCache(10_000);
    cache.set('h1', user(1), 0, 3_000);
    expect(cache.get('h1', 2_999)).toBeDefined();
    expect(cache.get('h1', 3_000)).toBeUndefined();
  });

  test('forgetSession drops the token of that session only', () => {
    const cache = new SessionCache(10_000);
    cache.set('h1', user(1), 0, 1e12);
    cache.set('h2', user(2), 0, 1e12);
    cache.forgetSession(1);
    expect(cache.get('h1', 1)).toBeUndefined();
    expect(cache.get('h2', 1)?.sessionId).toBe(2);
  });

  test('when full, the oldest entry makes room', () => {
    const cache = new SessionCache(10_000, 2);
    cache.set('h1', user(1), 0, 1e12);
    cache.set('h2', user(2), 0, 1e12);
    cache.set('h3', user(3), 0, 1e12);
    expect([cache.get('h1', 1), cache.get('h2', 1), cache.get('h3', 1)].map((p) => p?.sessionId)).toEqual([undefined, 2, 3]);
  });

  test('a TTL of 0 caches nothing', () => {
    const cache = new SessionCache(0);
    cache.set('h1', user(1), 0, 1e12);
    expect(cache.get('h1', 0)).toBeUndefined();
  });
});
