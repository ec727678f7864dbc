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
import { assertValidPattern, TopicMatcher, type Headers } from '../../message/index.js';
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

/** Where messages rejected from queues without a dead-letter queue of their own go. */
export const SHARED_DEAD_LETTER_QUEUE = 'tidings.dead-letters';
export const DEAD_LETTER_SUFFIX = '.dlq';
/** Transient queues (e.g. a `tail`) without an explicit limit keep at most this many messages. */
export const DEFAULT_TRANSIENT_MAX_LENGTH = 10_000;

export interface EmbeddedBrokerOptions extends QueueStoreOptions {
  readonly logger?: Logger;
}

interface Exchange {
  readonly name: string;
  readonly matcher: TopicMatcher<BrokerQueue>;
  /** Where each recently published topic goes; a bus repeats its topics. Cleared on any binding change. */
  readonly routes: Map<string, BrokerQueue[]>;
  unroutable: number;
}

/** Topics remembered per exchange before the route cache starts over. */
const ROUTE_CACHE_SIZE = 10_000;

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
      if (queue) this.ensureExchange(binding.exchange).matcher.add(binding.pattern, queue);
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
      exchange = { name, matcher: new TopicMatcher<BrokerQueue>(), routes: new Map(), unroutable: 0 };
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
    exchange.matcher.add(pattern, queue);
    exchange.routes.clear();
    if (queue.properties.durable) this.store.saveBinding({ queueId: queue.id, exchange: exchangeName, pattern });
  }

  unbindQueue(queue: BrokerQueue, exchangeName: string, pattern: string): void {
    const exchange = this.exchanges.get(exchangeName);
    exchange?.matcher.remove(pattern, queue);
    exchange?.routes.clear();
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
    for (const exchange of this.exchanges.values()) {
      for (const pattern of [...exchange.matcher.patterns()]) exchange.matcher.remove(pattern, queue);
      exchange.routes.clear();
    }
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
    const targets = this.route(exchange, message.topic);
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
    const now = Date.now();
    let headersJson: string | undefined;
    for (const queue of targets) {
      const { maxLength } = queue.properties;
      if (maxLength !== null && queue.count >= maxLength) this.overflow(queue);
      const durable = queue.properties.durable;
      if (durable) headersJson ??= JSON.stringify(message.headers);
      const entry = new QueueEntry(queue.nextSeq(), queue, message, exchangeName, now, durable ? headersJson! : '');
      queue.count++;
      queue.counters.published++;
      if (durable) this.pending.inserts.push(entry);
      this.pending.visible.push(entry);
    }
    this.scheduleFlush();
    return new Promise<void>(this.awaitCommit);
  }

  /** The executor of every publish's promise: one shared function, settled by flush(). */
  private readonly awaitCommit = (resolve: () => void, reject: (error: Error) => void): void => {
    this.pending.resolves.push(resolve);
    this.pending.rejects.push(reject);
  };

  private route(exchange: Exchange, topic: string): BrokerQueue[] {
    let targets = exchange.routes.get(topic);
    if (!targets) {
      targets = [...exchange.matcher.match(topic)];
      if (exchange.routes.size >= ROUTE_CACHE_SIZE) exchange.routes.clear();
      exchange.routes.set(topic, targets);
    }
    return targets;
  }

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

  cancel(consumer: BrokerConsumer): void {
    if (consumer.cancelled) return;
    consumer.end(null);
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

/** Records where and why a message died, in RabbitMQ's `x-death` shape plus the full reason. */
function withDeath(entry: QueueEntry, queue: string, reason: string, kind: string): Headers {
  const previous = Array.isArray(entry.message.headers['x-death']) ? (entry.message.headers['x-death'] as Headers[]) : [];
  const death: Headers = {
    count: 1,
    reason: kind,
    queue,
    time: Math.floor(Date.now() / 1000),
    exchange: entry.exchange,
    'routing-keys': [entry.message.topic],
  };
  return {
    ...entry.message.headers,
    'x-death': [death, ...previous],
    'x-first-death-queue': (entry.message.headers['x-first-death-queue'] as string | undefined) ?? queue,
    'x-first-death-reason': (entry.message.headers['x-first-death-reason'] as string | undefined) ?? kind,
    'x-tidings-death-reason': reason,
  };
}

/** Reads RabbitMQ's `x-max-length` / `x-overflow` queue arguments where no explicit option is given. */
function withArgumentLimits(options: QueueOptions): QueueOptions {
  const args = options.arguments ?? {};
  const maxLength = options.maxLength ?? args['x-max-length'];
  const overflow = options.overflow ?? args['x-overflow'];
  if (maxLength !== undefined && (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 0)) {
    throw new DeclareError(`queue "${options.name}": x-max-length must be a whole number ≥ 0, got ${JSON.stringify(maxLength)}`);
  }
  if (overflow !== undefined && overflow !== 'drop-head' && overflow !== 'reject-publish') {
    throw new DeclareError(`queue "${options.name}": x-overflow must be drop-head or reject-publish, got ${JSON.stringify(overflow)}`);
  }
  return {
    ...options,
    ...(maxLength !== undefined ? { maxLength } : {}),
    ...(overflow !== undefined ? { overflow } : {}),
  };
}

function validateQueueName(name: string): void {
  if (Buffer.byteLength(name) > 255) throw new DeclareError(`queue name "${name.slice(0, 60)}…" is longer than 255 bytes`);
  if (name.startsWith('amq.')) {
    throw new DeclareError(`queue name "${name}" starts with "amq.", which is reserved for server-named queues`);
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new DeclareError(`queue name ${JSON.stringify(name)} contains control characters`);
}
