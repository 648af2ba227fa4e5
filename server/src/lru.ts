/**
 * A Map that keeps at most `maxEntries`, dropping the least recently used first. Holding data that
 * never changes once written (an account's number), nothing needs telling when to
 * forget, on this instance or any other, so the only bound is memory; short-lived answers (public
 * content, kept for a minute) are checked for age by their users.
 */
export class LruMap<K, V> {
  // A Map finds the entries; a doubly linked list keeps their order, oldest first. Dropping the
  // oldest through the Map's own order (`keys().next()` after deleting) looked O(1) but is not:
  // V8 leaves deleted entries at the front of the Map's table and every `next()` steps over them,
  // so with 200,000 entries each drop cost up to a full scan (1,000,000 sets took 88 s; with the list, 0.7 s).
  private readonly map = new Map<K, LruNode<K, V>>();
  private oldest: LruNode<K, V> | null = null;
  private newest: LruNode<K, V> | null = null;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const node = this.map.get(key);
    if (!node) return undefined;
    this.touch(node);
    return node.value;
  }

  delete(key: K): void {
    const node = this.map.get(key);
    if (!node) return;
    this.unlink(node);
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.oldest = this.newest = null;
  }

  set(key: K, value: V): void {
    const node = this.map.get(key);
    if (node) {
      node.value = value;
      this.touch(node);
      return;
    }
    const added: LruNode<K, V> = { key, value, older: this.newest, newer: null };
    if (this.newest) this.newest.newer = added;
    this.newest = added;
    this.oldest ??= added;
    this.map.set(key, added);
    if (this.map.size > this.maxEntries && this.oldest) this.delete(this.oldest.key);
  }

  /** Makes a node the newest. */
  private touch(node: LruNode<K, V>): void {
    if (node === this.newest) return;
    this.unlink(node);
    node.older = this.newest;
    node.newer = null;
    if (this.newest) this.newest.newer = node;
    this.newest = node;
    this.oldest ??= node;
  }

  private unlink(node: LruNode<K, V>): void {
    if (node.older) node.older.newer = node.newer;
    else this.oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.newest = node.older;
    node.older = node.newer = null;
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

interface LruNode<K, V> {
  key: K;
  value: V;
  older: LruNode<K, V> | null;
  newer: LruNode<K, V> | null;
}
