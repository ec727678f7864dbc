/** An inverted map: key → the set of values filed under it; empty sets are dropped. */
export class Postings<V> {
  private readonly map = new Map<string, Set<V>>();

  add(key: string, value: V): void {
    let values = this.map.get(key);
    if (values === undefined) this.map.set(key, (values = new Set()));
    values.add(value);
  }

  delete(key: string, value: V): void {
    const values = this.map.get(key);
    if (values === undefined) return;
    values.delete(value);
    if (values.size === 0) this.map.delete(key);
  }

  /** Drops everything filed under `key`. */
  deleteKey(key: string): void {
    this.map.delete(key);
  }

  get(key: string): ReadonlySet<V> | undefined {
    return this.map.get(key);
  }

  has(key: string, value: V): boolean {
    return this.map.get(key)?.has(value) ?? false;
  }

  /** The number of keys. */
  get keyCount(): number {
    return this.map.size;
  }

  /** The number of (key, value) pairs. */
  get size(): number {
    let total = 0;
    for (const values of this.map.values()) total += values.size;
    return total;
  }
}
