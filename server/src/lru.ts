/**
 * A Map that keeps at most `maxEntries`, dropping the least recently used first. Holding data that
 * never changes once written (a bill's lines, an account's number), nothing needs telling when to
 * forget, on this instance or any other, so the only bound is memory; short-lived answers (public
 * content, kept for a minute) are checked for age by their users.
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: moving a used entry to the end keeps the oldest first.
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as K);
  }

  /**
   * The values of `keys`, reading only those not kept through `load` (once, for all of them) and
   * keeping what it returns. A key `load` does not return gets `absent` (kept too, when given).
   */
  async getMany(keys: readonly K[], load: (missing: K[]) => Promise<Map<K, V>>, absent?: V): Promise<Map<K, V>> {
    const found = new Map<K, V>();
    const missing: K[] = [];
    for (const k of keys) {
      const v = this.get(k);
      if (v === undefined) missing.push(k);
      else found.set(k, v);
    }
    if (missing.length === 0) return found;
    const loaded = await load(missing);
    for (const k of missing) {
      const v = loaded.get(k) ?? absent;
      if (v === undefined) continue;
      this.set(k, v);
      found.set(k, v);
    }
    return found;
  }
}
