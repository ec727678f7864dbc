/**
 * One queue of the embedded broker: its waiting entries (the oldest in memory, the rest in SQLite
 * when it grows past the hot limit), its consumers and the round-robin dispatch between them.
 */
import type { Delivery, OverflowPolicy, RawMessage } from '../../bus/index.js';
import { EntryList } from './entry-list.js';

/** One message in one queue. A message routed to three queues is three entries sharing the message. */
export class QueueEntry {
  /** How many times it was handed to a consumer. */
  deliveries: number;

  constructor(
    readonly seq: number,
    readonly queue: BrokerQueue,
    readonly message: RawMessage,
    readonly exchange: string,
    readonly enqueuedAt: number,
    /** The headers as stored (durable queues only), serialized once per message. */
    readonly headersJson: string,
    deliveries = 0,
  ) {
    this.deliveries = deliveries;
  }

  get queueId(): number {
    return this.queue.id;
  }
}

export interface QueueProperties {
  readonly durable: boolean;
  /** The connection that owns an exclusive queue. */
  readonly owner: number | null;
  readonly autoDelete: boolean;
  maxLength: number | null;
  overflow: OverflowPolicy;
  /** Where rejected messages go; null = the broker's shared dead-letter queue. */
  readonly deadLetterQueue: string | null;
}

/** What a queue needs from its broker: loading spilled entries and recording settlements. */
export interface QueueHost {
  /** Keep activity timestamps (off for benchmarks measuring their cost). */
  readonly statistics: boolean;
  loadEntries(queue: BrokerQueue, afterSeq: number, limit: number): QueueEntry[];
  settled(queue: BrokerQueue, entry: QueueEntry): void;
  requeued(queue: BrokerQueue, entry: QueueEntry): void;
  deadLetter(queue: BrokerQueue, entry: QueueEntry, reason: string): void;
  consumerGone(queue: BrokerQueue): void;
}

export interface QueueCounters {
  published: number;
  delivered: number;
  redelivered: number;
  acked: number;
  deadLettered: number;
  dropped: number;
}

/** Entries kept in memory per durable queue; beyond it they wait in SQLite only. */
const HOT_LIMIT = 4096;
const LOAD_BATCH = 1024;

export class BrokerQueue {
  readonly ready = new EntryList<QueueEntry>();
  /** Every message the queue holds: ready (in memory or spilled) and unacknowledged. */
  count = 0;
  readonly consumers: BrokerConsumer[] = [];
  readonly counters: QueueCounters = { published: 0, delivered: 0, redelivered: 0, acked: 0, deadLettered: 0, dropped: 0 };
  deleted = false;
  /** When it last delivered or had a delivery acked (epoch ms); null before that, or without statistics. */
  lastActivityAt: number | null = null;
  readonly trackActivity: boolean;
  /** Some waiting entries are in SQLite only. */
  private spilled: boolean;
  /** Every entry with a sequence number up to this one has been loaded into memory. */
  private loadedUpTo = 0;
  private nextConsumer = 0;
  private dispatching = false;
  private dispatchAgain = false;

  /** The last sequence number given to an entry of this queue. */
  private lastSeq: number;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly properties: QueueProperties,
    private readonly host: QueueHost,
    stored: { count: number; lastSeq: number } = { count: 0, lastSeq: 0 },
  ) {
    this.count = stored.count;
    this.lastSeq = stored.lastSeq;
    this.spilled = stored.count > 0;
    this.trackActivity = host.statistics;
  }

  /** Entries are numbered per queue, so a queue's acks are consecutive whatever other queues do. */
  nextSeq(): number {
    return ++this.lastSeq;
  }

  get unackedCount(): number {
    let n = 0;
    for (const c of this.consumers) n += c.unacked.size;
    return n;
  }

  get readyCount(): number {
    return this.count - this.unackedCount;
  }

  /** A committed entry becomes visible to consumers. */
  enqueue(entry: QueueEntry): void {
    if (this.deleted) return;
    if (this.spilled) return; // it is in SQLite; loaded in order when its turn comes
    if (this.properties.durable && this.ready.length >= HOT_LIMIT) {
      this.spilled = true;
      return;
    }
    this.ready.push(entry);
    this.loadedUpTo = entry.seq;
  }

  /** The oldest waiting entry, loading from SQLite when memory has run dry. */
  private nextReady(): QueueEntry | undefined {
    if (this.ready.length === 0 && this.spilled) this.refill();
    return this.ready.shift();
  }

  private refill(): void {
    const loaded = this.host.loadEntries(this, this.loadedUpTo, LOAD_BATCH);
    for (const entry of loaded) {
      this.ready.push(entry);
      this.loadedUpTo = entry.seq;
    }
    if (loaded.length < LOAD_BATCH) this.spilled = false;
  }

  /** Removes the oldest waiting entry (overflow), or returns undefined when all are unacked. */
  takeOldest(): QueueEntry | undefined {
    const entry = this.nextReady();
    if (entry) this.count--;
    return entry;
  }

  /** The first `limit` waiting entries, oldest first, from memory then SQLite, leaving the queue as it is. */
  peekReady(limit: number): QueueEntry[] {
    const found: QueueEntry[] = [];
    for (const entry of this.ready) {
      if (found.length >= limit) return found;
      found.push(entry);
    }
    let after = this.loadedUpTo;
    while (this.spilled && found.length < limit) {
      const want = Math.min(LOAD_BATCH, limit - found.length);
      const page = this.host.loadEntries(this, after, want);
      found.push(...page);
      if (page.length < want) break;
      after = page[page.length - 1]!.seq;
    }
    return found;
  }

  /**
   * Takes up to `limit` waiting entries that `wanted` picks, oldest first; the caller records their
   * removal. Entries spilled to SQLite are read page by page and are never in memory, so deleting
   * their rows is all it takes.
   */
  removeReady(wanted: (entry: QueueEntry) => boolean, limit: number): QueueEntry[] {
    const removed = this.ready.removeWhere(wanted, limit);
    let after = this.loadedUpTo;
    while (this.spilled && removed.length < limit) {
      const page = this.host.loadEntries(this, after, LOAD_BATCH);
      for (const entry of page) {
        if (removed.length >= limit) break;
        if (wanted(entry)) removed.push(entry);
      }
      if (page.length < LOAD_BATCH) break;
      after = page[page.length - 1]!.seq;
    }
    this.count -= removed.length;
    return removed;
  }

  /** When the oldest message it holds (waiting or unacknowledged) was enqueued; null when it holds none. */
  oldestHeldAt(): number | null {
    // Spilled entries are newer than every loaded one, so SQLite is asked only when memory is empty.
    const head = this.ready.peek() ?? (this.spilled ? this.host.loadEntries(this, this.loadedUpTo, 1)[0] : undefined);
    let oldest = head ? head.enqueuedAt : null;
    for (const consumer of this.consumers) {
      for (const entry of consumer.unacked.values()) if (oldest === null || entry.enqueuedAt < oldest) oldest = entry.enqueuedAt;
    }
    return oldest;
  }

  addConsumer(consumer: BrokerConsumer): void {
    this.consumers.push(consumer);
    // Deliveries start on a later turn, once whoever asked to consume has its subscription in hand.
    this.scheduleDispatch();
  }

  removeConsumer(consumer: BrokerConsumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
    const unsettled = [...consumer.unacked.values()];
    consumer.unacked.clear();
    for (const entry of unsettled) this.host.requeued(this, entry);
    this.ready.merge(unsettled);
    this.host.consumerGone(this);
    this.dispatch();
  }

  /** Hands waiting entries to consumers with room, round-robin. Safe to call re-entrantly. */
  dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        this.dispatchRound();
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  private dispatchRound(): void {
    const consumers = this.consumers;
    while (consumers.length > 0) {
      let consumer: BrokerConsumer | undefined;
      for (let tried = 0; tried < consumers.length; tried++) {
        const candidate = consumers[this.nextConsumer++ % consumers.length]!;
        if (candidate.hasRoom()) {
          consumer = candidate;
          break;
        }
      }
      if (!consumer) return;
      const entry = this.nextReady();
      if (!entry) return;
      consumer.deliver(entry);
    }
  }

  ack(consumer: BrokerConsumer, seq: number): boolean {
    const entry = consumer.unacked.get(seq);
    if (!entry) return false;
    consumer.unacked.delete(seq);
    this.count--;
    this.counters.acked++;
    if (this.trackActivity) this.lastActivityAt = Date.now();
    this.host.settled(this, entry);
    this.dispatch();
    return true;
  }

  requeue(consumer: BrokerConsumer, seq: number): boolean {
    const entry = consumer.unacked.get(seq);
    if (!entry) return false;
    consumer.unacked.delete(seq);
    this.host.requeued(this, entry);
    this.ready.merge([entry]);
    // On a later turn: a listener that requeues synchronously must not get it straight back, forever.
    this.scheduleDispatch();
    return true;
  }

  private dispatchScheduled = false;

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  reject(consumer: BrokerConsumer, seq: number, reason: string): boolean {
    const entry = consumer.unacked.get(seq);
    if (!entry) return false;
    consumer.unacked.delete(seq);
    this.count--;
    this.host.deadLetter(this, entry, reason);
    this.dispatch();
    return true;
  }
}

export type DeliveryListener = (delivery: Delivery) => void;

export class BrokerConsumer {
  readonly unacked = new Map<number, QueueEntry>();
  cancelled = false;
  /** Told once when the consumer ends: null when cancelled by its owner, an error when by the broker. */
  onEnd: ((error: Error | null) => void) | undefined;

  constructor(
    readonly tag: string,
    readonly queue: BrokerQueue,
    readonly connectionId: number,
    readonly prefetch: number,
    private readonly listener: DeliveryListener,
  ) {}

  end(error: Error | null): void {
    this.cancelled = true;
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.(error);
  }

  hasRoom(): boolean {
    return !this.cancelled && (this.prefetch <= 0 || this.unacked.size < this.prefetch);
  }

  deliver(entry: QueueEntry): void {
    const redelivered = entry.deliveries > 0;
    entry.deliveries++;
    this.unacked.set(entry.seq, entry);
    this.queue.counters.delivered++;
    if (this.queue.trackActivity) this.queue.lastActivityAt = Date.now();
    if (redelivered) this.queue.counters.redelivered++;
    this.listener(new EmbeddedDelivery(this, entry, redelivered));
  }
}

/** A delivery from the embedded broker; settling it twice, or after its consumer ended, does nothing. */
export class EmbeddedDelivery implements Delivery {
  constructor(
    private readonly consumer: BrokerConsumer,
    private readonly entry: QueueEntry,
    readonly redelivered: boolean,
  ) {}

  get message(): RawMessage {
    return this.entry.message;
  }

  get queue(): string {
    return this.consumer.queue.name;
  }

  get exchange(): string {
    return this.entry.exchange;
  }

  get consumerTag(): string {
    return this.consumer.tag;
  }

  get live(): boolean {
    return this.consumer.unacked.get(this.entry.seq) === this.entry;
  }

  /** The broker's tag for this delivery, unique within its consumer. */
  get tag(): number {
    return this.entry.seq;
  }

  ack(): void {
    this.consumer.queue.ack(this.consumer, this.entry.seq);
  }

  requeue(): void {
    this.consumer.queue.requeue(this.consumer, this.entry.seq);
  }

  deadLetter(reason: string): void {
    this.consumer.queue.reject(this.consumer, this.entry.seq, reason);
  }
}
