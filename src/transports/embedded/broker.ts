/**
 * The embedded broker: topic exchanges, durable queues in SQLite, at-least-once delivery.
 *
 * Publishing assigns every routed copy a sequence number and queues its insert; all inserts and
 * settlements of one event-loop turn are committed in one SQLite transaction, and only then are
 * publishes confirmed and the new entries shown to consumers. A consumer therefore never sees a
 * message whose publish could still fail, and a confirmed publish survives a crash of the process.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { assertValidPattern } from '../../message/index.js';
import {
  ConsumerCancelledError,
  DEFAULT_EXCHANGE,
  DeclareError,
  NotFoundError,
  PublishRejectedError,
  PublishUnroutableError,
  ResourceLockedError,
  type PublishOptions,
  type QueueOptions,
  type RawMessage,
} from '../../bus/index.js';
import { silentLogger } from '../../log/index.js';
import { BrokerConsumer, BrokerQueue, QueueEntry, type DeliveryListener, type QueueHost } from './queue.js';
import { QueueStore, type QueueStoreOptions } from './store.js';
import { Exchange } from './exchange.js';
import { ConnectionRegistry } from './connections.js';
import { withDeath } from './dead-letter.js';
import { validateQueueName, withArgumentLimits } from './queue-arguments.js';

/** Where messages rejected from queues without a dead-letter queue of their own go. */
export const SHARED_DEAD_LETTER_QUEUE = 'tidings.dead-letters';
export const DEAD_LETTER_SUFFIX = '.dlq';
/** Transient queues (e.g. a `tail`) without an explicit limit keep at most this many messages. */
export const DEFAULT_TRANSIENT_MAX_LENGTH = 10_000;

export interface EmbeddedBrokerOptions extends QueueStoreOptions {
  readonly logger?: Logger;
  /**
   * Count what each binding routes and when each queue was last active (default true). Off only to
   * measure what that costs on publishing; the operators' view then shows those figures as unknown.
   */
  readonly statistics?: boolean;
}

interface PendingBatch {
  inserts: QueueEntry[];
  deletes: QueueEntry[];
  deliveryCounts: QueueEntry[];
  visible: QueueEntry[];
  /** The publishes to confirm once the batch is committed, as parallel arrays: no object per publish. */
  resolves: Array<() => void>;
  rejects: Array<(error: Error) => void>;
}

const emptyBatch = (): PendingBatch => ({ inserts: [], deletes: [], deliveryCounts: [], visible: [], resolves: [], rejects: [] });

export class EmbeddedBroker implements QueueHost {
  readonly logger: Logger;
  readonly statistics: boolean;
  readonly connections: ConnectionRegistry;
  /** Epoch ms. */
  readonly startedAt = Date.now();
  private readonly store: QueueStore;
  private readonly exchanges = new Map<string, Exchange>();
  private readonly queues = new Map<string, BrokerQueue>();
  private readonly queuesById = new Map<number, BrokerQueue>();
  private nextTransientId = -1;
  private nextConnectionId = 1;
  private nextConsumerId = 1;
  private pending = emptyBatch();
  private flushScheduled = false;
  private closed = false;

  constructor(options: EmbeddedBrokerOptions = {}) {
    this.logger = options.logger ?? silentLogger();
    this.statistics = options.statistics ?? true;
    this.connections = new ConnectionRegistry(this.logger);
    this.store = new QueueStore(options);
    this.restore();
  }

  /** Loads the durable topology; the messages stay in SQLite until a consumer asks. */
  private restore(): void {
    this.ensureExchange(DEFAULT_EXCHANGE);
    for (const name of this.store.exchanges()) this.ensureExchange(name);
    for (const stored of this.store.queues()) {
      const queue = new BrokerQueue(
        stored.id,
        stored.name,
        {
          durable: true,
          owner: null,
          autoDelete: stored.autoDelete,
          maxLength: stored.maxLength,
          overflow: stored.overflow,
          deadLetterQueue: stored.deadLetterQueue,
        },
        this,
        this.store.queueState(stored.id),
      );
      this.addQueue(queue);
    }
    for (const binding of this.store.bindings()) {
      const queue = this.queuesById.get(binding.queueId);
      if (queue) this.ensureExchange(binding.exchange).bind(binding.pattern, queue);
    }
    if (!this.queues.has(SHARED_DEAD_LETTER_QUEUE)) {
      this.declareDurable({ name: SHARED_DEAD_LETTER_QUEUE }, null);
    }
    this.logger.debug({ path: this.store.path, queues: this.queues.size }, 'embedded broker restored');
  }

  get path(): string {
    return this.store.path;
  }

  newConnectionId(): number {
    return this.nextConnectionId++;
  }

  newConsumerTag(): string {
    return `ctag-${this.nextConsumerId++}`;
  }

  // ---- topology ----------------------------------------------------------------------------

  private ensureExchange(name: string): Exchange {
    let exchange = this.exchanges.get(name);
    if (!exchange) {
      exchange = new Exchange(name, this.statistics);
      this.exchanges.set(name, exchange);
    }
    return exchange;
  }

  declareExchange(name: string): void {
    if (!name || name.length > 255) throw new DeclareError(`exchange name ${JSON.stringify(name)} must be 1–255 characters`);
    if (this.exchanges.has(name)) return;
    this.ensureExchange(name);
    this.store.saveExchange(name);
  }

  private addQueue(queue: BrokerQueue): void {
    this.queues.set(queue.name, queue);
    this.queuesById.set(queue.id, queue);
  }

  getQueue(name: string, connectionId: number): BrokerQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new NotFoundError(`queue "${name}" does not exist: declare it first`);
    if (queue.properties.owner !== null && queue.properties.owner !== connectionId) {
      throw new ResourceLockedError(`queue "${name}" is exclusive to another connection`);
    }
    return queue;
  }

  findQueue(name: string): BrokerQueue | undefined {
    return this.queues.get(name);
  }

  declareQueue(requested: QueueOptions, connectionId: number): BrokerQueue {
    const options = withArgumentLimits(requested);
    const serverNamed = options.name === '';
    const name = serverNamed ? `amq.gen-${randomBytes(12).toString('base64url')}` : options.name;
    if (!serverNamed) validateQueueName(name);
    const existing = this.queues.get(name);
    if (existing) {
      const owner = existing.properties.owner;
      if (owner !== null && owner !== connectionId) {
        throw new ResourceLockedError(`queue "${name}" is exclusive to another connection`);
      }
      if (options.maxLength !== undefined) existing.properties.maxLength = options.maxLength;
      if (options.overflow !== undefined) existing.properties.overflow = options.overflow;
      return existing;
    }
    const durable = !serverNamed && !options.exclusive && options.durable !== false;
    if (durable) return this.declareDurable(options, connectionId);
    const queue = new BrokerQueue(
      this.nextTransientId--,
      name,
      {
        durable: false,
        owner: serverNamed || options.exclusive ? connectionId : null,
        autoDelete: serverNamed || options.autoDelete === true,
        maxLength: options.maxLength ?? DEFAULT_TRANSIENT_MAX_LENGTH,
        overflow: options.overflow ?? 'drop-head',
        deadLetterQueue: null,
      },
      this,
    );
    this.addQueue(queue);
    return queue;
  }

  private declareDurable(options: QueueOptions, _connectionId: number | null): BrokerQueue {
    const isDeadLetterQueue = options.name.endsWith(DEAD_LETTER_SUFFIX) || options.name === SHARED_DEAD_LETTER_QUEUE;
    const deadLetterQueue = isDeadLetterQueue ? null : options.name + DEAD_LETTER_SUFFIX;
    if (deadLetterQueue && !this.queues.has(deadLetterQueue)) this.declareDurable({ name: deadLetterQueue }, null);
    const properties = {
      durable: true,
      owner: null,
      autoDelete: options.autoDelete === true,
      maxLength: options.maxLength ?? null,
      overflow: options.overflow ?? 'drop-head',
      deadLetterQueue,
    } as const;
    const id = this.store.saveQueue({ name: options.name, ...properties });
    const queue = new BrokerQueue(id, options.name, { ...properties }, this);
    this.addQueue(queue);
    return queue;
  }

  bindQueue(queue: BrokerQueue, exchangeName: string, pattern: string): void {
    assertValidPattern(pattern);
    const exchange = this.exchanges.get(exchangeName);
    if (!exchange) throw new NotFoundError(`exchange "${exchangeName}" does not exist: declare it first`);
    exchange.bind(pattern, queue);
    if (queue.properties.durable) this.store.saveBinding({ queueId: queue.id, exchange: exchangeName, pattern });
  }

  unbindQueue(queue: BrokerQueue, exchangeName: string, pattern: string): void {
    const exchange = this.exchanges.get(exchangeName);
    exchange?.unbind(pattern, queue);
    if (queue.properties.durable) this.store.deleteBinding({ queueId: queue.id, exchange: exchangeName, pattern });
  }

  deleteQueue(queue: BrokerQueue, options: { ifEmpty?: boolean; ifUnused?: boolean } = {}): void {
    if (queue.deleted) return;
    if (options.ifEmpty && queue.count > 0) {
      throw new ResourceLockedError(`queue "${queue.name}" still holds ${queue.count} messages`);
    }
    if (options.ifUnused && queue.consumers.length > 0) {
      throw new ResourceLockedError(`queue "${queue.name}" has ${queue.consumers.length} consumers`);
    }
    this.flush(); // nothing of this queue may be committed after its rows are gone
    queue.deleted = true;
    const consumers = [...queue.consumers];
    queue.consumers.length = 0;
    for (const consumer of consumers) {
      consumer.unacked.clear();
      consumer.end(new ConsumerCancelledError(`queue "${queue.name}" was deleted`));
    }
    for (const exchange of this.exchanges.values()) exchange.unbindQueue(queue);
    this.queues.delete(queue.name);
    this.queuesById.delete(queue.id);
    if (queue.properties.durable) this.store.deleteQueue(queue.id);
  }

  // ---- publishing ----------------------------------------------------------------------------

  publish(message: RawMessage, options: PublishOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new PublishRejectedError('the embedded broker is closed'));
    const exchangeName = options.exchange ?? DEFAULT_EXCHANGE;
    const exchange = this.exchanges.get(exchangeName);
    if (!exchange) {
      return Promise.reject(new NotFoundError(`exchange "${exchangeName}" does not exist: declare it first`));
    }
    exchange.published++;
    const route = exchange.route(message.topic);
    const targets = route.queues;
    if (targets.length === 0) {
      exchange.unroutable++;
      if (options.mandatory) {
        return Promise.reject(
          new PublishUnroutableError(`no queue is bound to take "${message.topic}" on exchange "${exchangeName}"`),
        );
      }
    }
    for (const queue of targets) {
      const { maxLength, overflow } = queue.properties;
      if (maxLength !== null && overflow === 'reject-publish' && queue.count >= maxLength) {
        return Promise.reject(
          new PublishRejectedError(
            `queue "${queue.name}" is full (max length ${maxLength}, overflow reject-publish): ` +
              'its consumers are behind; the message was not stored',
          ),
        );
      }
    }
    for (const binding of route.bindings) binding.matched++;
    const now = Date.now();
    let headersJson: string | undefined;
    for (const queue of targets) {
      const durable = queue.properties.durable;
      if (durable) headersJson ??= JSON.stringify(message.headers);
      this.addEntry(queue, message, exchangeName, now, durable ? headersJson! : '');
    }
    this.scheduleFlush();
    return new Promise<void>(this.awaitCommit);
  }

  private addEntry(queue: BrokerQueue, message: RawMessage, exchange: string, now: number, headersJson: string): void {
    const { maxLength } = queue.properties;
    if (maxLength !== null && queue.count >= maxLength) this.overflow(queue);
    const entry = new QueueEntry(queue.nextSeq(), queue, message, exchange, now, headersJson);
    queue.count++;
    queue.counters.published++;
    if (queue.properties.durable) this.pending.inserts.push(entry);
    this.pending.visible.push(entry);
  }

  /**
   * Puts messages at the end of one queue, bypassing exchanges (an operator moving messages), keeping
   * the exchange each came through; resolves once they are committed. A full queue overflows as on publish.
   */
  append(queue: BrokerQueue, messages: ReadonlyArray<{ readonly message: RawMessage; readonly exchange: string }>): Promise<void> {
    if (this.closed) return Promise.reject(new PublishRejectedError('the embedded broker is closed'));
    if (queue.deleted) return Promise.reject(new NotFoundError(`queue "${queue.name}" was deleted`));
    if (messages.length === 0) return Promise.resolve();
    const { maxLength, overflow } = queue.properties;
    if (maxLength !== null && overflow === 'reject-publish' && queue.count + messages.length > maxLength) {
      return Promise.reject(
        new PublishRejectedError(`queue "${queue.name}" has room for ${Math.max(0, maxLength - queue.count)} of ${messages.length} messages (max length ${maxLength}, overflow reject-publish)`),
      );
    }
    const now = Date.now();
    for (const { message, exchange } of messages) {
      this.addEntry(queue, message, exchange, now, queue.properties.durable ? JSON.stringify(message.headers) : '');
    }
    this.scheduleFlush();
    return new Promise<void>(this.awaitCommit);
  }

  /** Removes up to `limit` waiting entries that `wanted` picks, and commits their removal before returning. */
  removeReady(queue: BrokerQueue, wanted: (entry: QueueEntry) => boolean, limit: number): QueueEntry[] {
    const removed = queue.removeReady(wanted, limit);
    for (const entry of removed) this.settled(queue, entry);
    this.flush();
    return removed;
  }

  exchangeList(): Exchange[] {
    return [...this.exchanges.values()];
  }

  /** The executor of every publish's promise: one shared function, settled by flush(). */
  private readonly awaitCommit = (resolve: () => void, reject: (error: Error) => void): void => {
    this.pending.resolves.push(resolve);
    this.pending.rejects.push(reject);
  };

  /** Makes room in a full drop-head queue: its oldest waiting message is dead-lettered (or dropped). */
  private overflow(queue: BrokerQueue): void {
    const oldest = queue.takeOldest();
    if (!oldest) return; // everything is unacknowledged: the queue grows past its limit until acks
    if (queue.properties.durable) {
      this.deadLetter(queue, oldest, `queue "${queue.name}" reached its max length of ${queue.properties.maxLength}`, 'maxlen');
    } else {
      queue.counters.dropped++;
      if (queue.counters.dropped === 1 || queue.counters.dropped % 1000 === 0) {
        this.logger.warn(
          { queue: queue.name, dropped: queue.counters.dropped, maxLength: queue.properties.maxLength },
          'transient queue full: dropping its oldest messages (its consumer is too slow)',
        );
      }
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Commits everything pending in one transaction, then confirms and delivers. */
  flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.resolves.length === 0 && batch.visible.length === 0 && batch.deletes.length === 0 && batch.deliveryCounts.length === 0) {
      return;
    }
    this.pending = emptyBatch();
    try {
      if (batch.inserts.length || batch.deletes.length || batch.deliveryCounts.length) this.store.commit(batch);
    } catch (error) {
      this.logger.error({ err: error, messages: batch.resolves.length }, 'embedded broker could not commit to SQLite');
      for (const entry of batch.visible) entry.queue.count--;
      const failure = new PublishRejectedError(
        `the embedded broker could not store the message (${(error as Error).message}): check the data directory's disk and permissions`,
        { cause: error },
      );
      for (const reject of batch.rejects) reject(failure);
      return;
    }
    const touched = new Set<BrokerQueue>();
    for (const entry of batch.visible) {
      entry.queue.enqueue(entry);
      touched.add(entry.queue);
    }
    for (const resolve of batch.resolves) resolve();
    for (const queue of touched) queue.dispatch();
  }

  // ---- consuming (QueueHost) -----------------------------------------------------------------

  consume(queue: BrokerQueue, connectionId: number, prefetch: number, listener: DeliveryListener): BrokerConsumer {
    const consumer = new BrokerConsumer(this.newConsumerTag(), queue, connectionId, prefetch, listener);
    queue.addConsumer(consumer);
    return consumer;
  }

  /** Ends a consumer; `error` says why when it is not its owner's doing. Its unacked messages go back. */
  cancel(consumer: BrokerConsumer, error: Error | null = null): void {
    if (consumer.cancelled) return;
    consumer.end(error);
    consumer.queue.removeConsumer(consumer);
  }

  loadEntries(queue: BrokerQueue, afterSeq: number, limit: number): QueueEntry[] {
    if (!queue.properties.durable) return [];
    return this.store
      .loadEntries(queue.id, afterSeq, limit)
      .map((row) => new QueueEntry(row.seq, queue, row.message, row.exchange, row.enqueuedAt, row.headersJson, row.deliveries));
  }

  settled(queue: BrokerQueue, entry: QueueEntry): void {
    if (!queue.properties.durable) return;
    this.pending.deletes.push(entry);
    this.scheduleFlush();
  }

  requeued(queue: BrokerQueue, entry: QueueEntry): void {
    if (!queue.properties.durable) return;
    this.pending.deliveryCounts.push(entry);
    this.scheduleFlush();
  }

  /** Moves an entry to its dead-letter queue with the reason, in the same commit as its removal. */
  deadLetter(queue: BrokerQueue, entry: QueueEntry, reason: string, kind: 'rejected' | 'maxlen' = 'rejected'): void {
    queue.counters.deadLettered++;
    this.settled(queue, entry);
    const target = this.queues.get(queue.properties.deadLetterQueue ?? SHARED_DEAD_LETTER_QUEUE);
    if (!target || target === queue) {
      this.logger.error({ queue: queue.name, id: entry.message.id, reason }, 'a dead letter was rejected again; dropping it');
      return;
    }
    const message: RawMessage = { ...entry.message, headers: withDeath(entry, queue.name, reason, kind) };
    const durable = target.properties.durable;
    const dead = new QueueEntry(target.nextSeq(), target, message, '', Date.now(), durable ? JSON.stringify(message.headers) : '');
    target.count++;
    target.counters.published++;
    if (durable) this.pending.inserts.push(dead);
    this.pending.visible.push(dead);
    this.scheduleFlush();
    this.logger.warn({ queue: queue.name, deadLetterQueue: target.name, id: entry.message.id, topic: entry.message.topic, reason }, 'message dead-lettered');
  }

  consumerGone(queue: BrokerQueue): void {
    if (queue.properties.autoDelete && queue.consumers.length === 0 && !queue.deleted) this.deleteQueue(queue);
  }

  /** Every queue, for connections closing and for statistics. */
  allQueues(): IterableIterator<BrokerQueue> {
    return this.queues.values();
  }

  /** Commits what is pending and closes the database. Messages still held by consumers stay queued. */
  close(): void {
    if (this.closed) return;
    // Remember which messages were out with consumers, so they come back marked redelivered.
    for (const queue of this.queues.values()) {
      if (!queue.properties.durable) continue;
      for (const consumer of queue.consumers) {
        for (const entry of consumer.unacked.values()) this.pending.deliveryCounts.push(entry);
      }
    }
    this.flush();
    this.closed = true;
    this.store.close();
  }
}
