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
