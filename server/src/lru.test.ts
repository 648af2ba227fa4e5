import { LruMap } from './lru';

describe('LruMap', () => {
  it('drops the least recently used entry when full', () => {
    const m = new LruMap<number, string>(2);
    m.set(1, 'a');
    m.set(2, 'b');
    expect(m.get(1)).toBe('a'); // 1 is now the most recent
    m.set(3, 'c');
    expect(m.get(2)).toBeUndefined();
    expect(m.get(1)).toBe('a');
    expect(m.get(3)).toBe('c');
    expect(m.size).toBe(2);
  });

  it('loads only the missing keys, once, and keeps them', async () => {
    const m = new LruMap<number, string[]>(10);
    m.set(1, ['kept']);
    const asked: number[][] = [];
    const load = async (missing: number[]) => {
      asked.push(missing);
      return new Map(missing.filter((k) => k !== 3).map((k) => [k, [`loaded ${k}`]]));
    };
    const first = await m.getMany([1, 2, 3], load, []);
    expect(Object.fromEntries(first)).toEqual({ 1: ['kept'], 2: ['loaded 2'], 3: [] });
    expect(asked).toEqual([[2, 3]]);
    // Everything is kept now, the key load did not return included: no second load.
    await m.getMany([3, 2, 1], load, []);
    expect(asked).toHaveLength(1);
  });

  it('keeps nothing for a key load does not return when no absent value is given', async () => {
    const m = new LruMap<number, string>(10);
    const got = await m.getMany([7], async () => new Map());
    expect(got.has(7)).toBe(false);
    expect(m.size).toBe(0);
  });
});

describe('LruMap at size', () => {
  it('keeps order through deletes and re-sets', () => {
    const m = new LruMap<number, number>(3);
    for (const k of [1, 2, 3]) m.set(k, k);
    m.delete(2);
    m.set(4, 4);
    m.set(1, 10); // 1 is the newest now
    m.set(5, 5); // drops 3, the oldest
    expect([1, 2, 3, 4, 5].map((k) => m.get(k))).toEqual([10, undefined, undefined, 4, 5]);
    expect(m.size).toBe(3);
  });

  it('a million keys through 200,000 places: the newest are kept, in order (scripts/bench/import.ts times it at bill-day scale)', () => {
    const m = new LruMap<string, number>(200_000);
    for (let i = 0; i < 1_000_000; i++) m.set(`k${i}`, i);
    expect(m.size).toBe(200_000);
    expect(m.get('k799999')).toBeUndefined();
    expect(m.get('k800000')).toBe(800_000);
    m.set('new', 0); // drops k800001, the oldest now that k800000 was read
    expect(m.get('k800001')).toBeUndefined();
    expect(m.get('k800002')).toBe(800_002);
  });
});
