/**
 * The embedded broker as the operators' model sees it. Counters come from the broker; rates from
 * the sampler (this snapshot against the previous); figures the broker cannot tell are null.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  SHARED_DEAD_LETTER_QUEUE,
  DEAD_LETTER_SUFFIX,
  TIDINGS_VERSION,
  type BrokerConsumer,
  type BrokerQueue,
  type EmbeddedBroker,
  type RegisteredConnection,
} from '../../transports/embedded/index.js';
import type { BusSnapshot, ChannelView, ConnectionView, ConsumerView, ExchangeView, NodeView, QueueView } from '../model.js';
import type { RateSampler } from './rates.js';

/** Each embedded connection is shown with one channel, which holds all its consumers. */
const CHANNEL_NUMBER = 1;

export function isDeadLetterQueueName(name: string): boolean {
  return name.endsWith(DEAD_LETTER_SUFFIX) || name === SHARED_DEAD_LETTER_QUEUE;
}

/** Where a queue's rejected messages go: its own `.dlq`, else the shared one (which drops them itself). */
export function deadLetterQueueOf(queue: BrokerQueue): string | null {
  return queue.properties.deadLetterQueue ?? (queue.name === SHARED_DEAD_LETTER_QUEUE ? null : SHARED_DEAD_LETTER_QUEUE);
}

/** Connection names need not be unique in the embedded broker; the id makes them so. */
export function connectionViewName(connection: { readonly id: number; readonly name: string }): string {
  return `${connection.name} #${connection.id}`;
}

export function takeSnapshot(broker: EmbeddedBroker, sampler: RateSampler, now: number): BusSnapshot {
  sampler.begin();
  const connections = broker.connections.list();
  const byId = new Map(connections.map((connection) => [connection.id, connection]));
  const connectionName = (id: number): string => {
    const connection = byId.get(id);
    return connection ? connectionViewName(connection) : `connection #${id}`;
  };
  const queues = [...broker.allQueues()];
  const consumers = queues.flatMap((queue) => queue.consumers);
  return {
    takenAt: now,
    node: nodeView(broker, now),
    exchanges: broker.exchangeList().map(
      (exchange): ExchangeView => ({
        name: exchange.name,
        type: 'topic',
        durable: true,
        unroutable: exchange.unroutable,
        publishRate: sampler.rate(`exchange:${exchange.name}`, exchange.published, now),
      }),
    ),
    bindings: broker.exchangeList().flatMap((exchange) =>
      [...exchange.bindings()].map((binding) => ({
        exchange: binding.exchange,
        queue: binding.queue.name,
        pattern: binding.pattern,
        matched: broker.statistics ? binding.matched : null,
      })),
    ),
    queues: queues.map((queue) => queueView(broker, queue, byId, sampler, now)),
    consumers: consumers.map((consumer): ConsumerView => {
      const connection = connectionName(consumer.connectionId);
      return {
        tag: consumer.tag,
        queue: consumer.queue.name,
        channel: `${connection} (${CHANNEL_NUMBER})`,
        connection,
        prefetch: consumer.prefetch,
        unacked: consumer.unacked.size,
        active: !consumer.cancelled,
      };
    }),
    channels: connections.map((connection) => channelView(connection)),
    connections: connections.map((connection) => connectionView(broker, connection)),
  };
}

function nodeView(broker: EmbeddedBroker, now: number): NodeView {
  return {
    kind: 'embedded',
    name: `embedded:${broker.path}`,
    version: TIDINGS_VERSION,
    vhost: '/',
    uptimeMs: now - broker.startedAt,
    // The broker is this process: its memory is the process's.
    memoryBytes: process.memoryUsage.rss(),
    memoryLimitBytes: null,
    diskFreeBytes: diskFree(broker.path),
    diskFreeLimitBytes: null,
    memoryAlarm: false,
    diskAlarm: false,
  };
}

function diskFree(path: string): number | null {
  if (path === ':memory:') return null;
  try {
    const stats = statfsSync(dirname(path));
    return Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return null;
  }
}

function queueView(
  broker: EmbeddedBroker,
  queue: BrokerQueue,
  connections: ReadonlyMap<number, RegisteredConnection>,
  sampler: RateSampler,
  now: number,
): QueueView {
  const { counters } = queue;
  const key = `queue:${queue.id}:${queue.name}`;
  const deadLetterQueue = deadLetterQueueOf(queue);
  const oldest = queue.oldestHeldAt();
  const services = new Set<string>();
  for (const consumer of queue.consumers) {
    const service = connections.get(consumer.connectionId)?.identity.service;
    if (service) services.add(service);
  }
  return {
    name: queue.name,
    durable: queue.properties.durable,
    exclusive: queue.properties.owner !== null,
    autoDelete: queue.properties.autoDelete,
    ready: queue.readyCount,
    unacked: queue.unackedCount,
    consumers: queue.consumers.length,
    // The broker does not measure how often its consumers were full: unknown rather than guessed.
    consumerUtilisation: null,
    rates: {
      publish: sampler.rate(`${key}:publish`, counters.published, now),
      deliver: sampler.rate(`${key}:deliver`, counters.delivered, now),
      ack: sampler.rate(`${key}:ack`, counters.acked, now),
      redeliver: sampler.rate(`${key}:redeliver`, counters.redelivered, now),
    },
    totals: {
      published: counters.published,
      delivered: counters.delivered,
      redelivered: counters.redelivered,
      acked: counters.acked,
      deadLettered: counters.deadLettered,
    },
    oldestAgeMs: oldest === null ? null : Math.max(0, now - oldest),
    owner: services.size > 0 ? [...services].sort().join(', ') : null,
    isDeadLetterQueue: isDeadLetterQueueName(queue.name),
    deadLetterQueue,
    deadLetterDepth: deadLetterQueue === null ? null : (broker.findQueue(deadLetterQueue)?.count ?? null),
    ackTimeoutMs: null, // the embedded broker waits for acks as long as the connection lives
    lastActivityAt: broker.statistics ? queue.lastActivityAt : null,
  };
}

function channelView(connection: RegisteredConnection): ChannelView {
  const consumers: readonly BrokerConsumer[] = connection.consumers();
  const name = connectionViewName(connection);
  return {
    name: `${name} (${CHANNEL_NUMBER})`,
    connection: name,
    number: CHANNEL_NUMBER,
    consumers: consumers.length,
    unacked: consumers.reduce((sum, consumer) => sum + consumer.unacked.size, 0),
    // Each consumer has its own prefetch; the channel's is the largest of them.
    prefetch: consumers.reduce((largest, consumer) => Math.max(largest, consumer.prefetch), 0),
  };
}

function connectionView(broker: EmbeddedBroker, connection: RegisteredConnection): ConnectionView {
  const { identity } = connection;
  return {
    name: connectionViewName(connection),
    user: null,
    peer: connection.address === `embedded:${broker.path}` ? 'in-process' : connection.address,
    service: identity.service,
    host: identity.host,
    pid: identity.pid,
    library: identity.library,
    libraryVersion: identity.libraryVersion,
    platform: identity.platform,
    connectedAt: connection.connectedAt,
    channels: 1,
    state: 'running',
    publishRate: null, // publishes are counted per exchange and queue, not per connection
  };
}
