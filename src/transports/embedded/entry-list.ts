/**
 * A FIFO of queue entries ordered by sequence number: O(1) push and shift, and an ordered merge for
 * the rarer case of entries coming back (requeue, a consumer that went away).
 */
export interface Sequenced {
  readonly seq: number;
}

export class EntryList<T extends Sequenced> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as T; // let it be collected
    this.head++;
    // Compact once the consumed prefix dominates, so memory follows the live length.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Puts entries back in sequence order (they are older than most of what is waiting). */
  merge(entries: readonly T[]): void {
    if (entries.length === 0) return;
    const live = this.items.slice(this.head);
    const back = [...entries].sort((a, b) => a.seq - b.seq);
    const merged: T[] = [];
    let i = 0;
    let j = 0;
    while (i < live.length || j < back.length) {
      if (j >= back.length || (i < live.length && live[i]!.seq < back[j]!.seq)) merged.push(live[i++]!);
      else merged.push(back[j++]!);
    }
    this.items = merged;
    this.head = 0;
  }

  /** Removes up to `limit` entries that `wanted` picks, oldest first, and returns them. */
  removeWhere(wanted: (item: T) => boolean, limit: number): T[] {
    const removed: T[] = [];
    const kept: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (removed.length < limit && wanted(item)) removed.push(item);
      else kept.push(item);
    }
    if (removed.length > 0) {
      this.items = kept;
      this.head = 0;
    }
    return removed;
  }

  /** Removes and returns every entry. */
  drain(): T[] {
    const live = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return live;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}
