/**
 * The management API's lists for one vhost, as a BusSnapshot. Fetching asks every list at once with
 * only the columns used; mapping is a pure function of the answers. What RabbitMQ does not count
 * (per-binding matches, per-consumer unacked, unroutable per exchange on 3.x) stays null, not zero.
 */
import type {
  BindingView,
  BusSnapshot,
  ChannelView,
  ConnectionView,
  ConsumerView,
  ExchangeView,
  NodeView,
  QueueView,
  Rates,
} from '../model.js';
import {
  COLUMNS,
  withColumns,
  type ApiBinding,
  type ApiChannel,
  type ApiConnection,
  type ApiConsumer,
  type ApiExchange,
  type ApiNode,
  type ApiOverview,
  type ApiQueue,
  type MessageStats,
} from './api-types.js';
import { deadLetterQueueOf, isDeadLetterQueueName } from './dead-letters.js';
import { segment, type ManagementHttpClient } from './http-client.js';

export interface ApiAnswers {
  readonly overview: ApiOverview;
  readonly nodes: readonly ApiNode[];
  readonly exchanges: readonly ApiExchange[];
  readonly bindings: readonly ApiBinding[];
  readonly queues: readonly ApiQueue[];
  readonly consumers: readonly ApiConsumer[];
  readonly channels: readonly ApiChannel[];
  readonly connections: readonly ApiConnection[];
}

export interface SnapshotSettings {
  readonly vhost: string;
  /** The broker's consumer_timeout, for queues that do not set their own. */
  readonly consumerTimeoutMs: number;
}

export async function fetchAnswers(client: ManagementHttpClient, vhost: string): Promise<ApiAnswers> {
  const v = segment(vhost);
  const inVhost = `vhost "${vhost}"`;
  const [overview, nodes, exchanges, bindings, queues, consumers, channels, connections] = await Promise.all([
    client.get<ApiOverview>(withColumns('/api/overview', COLUMNS.overview), 'the overview'),
    client.get<ApiNode[]>(withColumns('/api/nodes', COLUMNS.nodes), 'the nodes'),
    client.get<ApiExchange[]>(withColumns(`/api/exchanges/${v}`, COLUMNS.exchanges), inVhost),
    client.get<ApiBinding[]>(withColumns(`/api/bindings/${v}`, COLUMNS.bindings), inVhost),
    client.get<ApiQueue[]>(withColumns(`/api/queues/${v}`, COLUMNS.queues), inVhost),
    client.get<ApiConsumer[]>(withColumns(`/api/consumers/${v}`, COLUMNS.consumers), inVhost),
    // 3.x has no /api/channels/{vhost}: a vhost's channels and connections live under /api/vhosts.
    client.get<ApiChannel[]>(withColumns(`/api/vhosts/${v}/channels`, COLUMNS.channels), inVhost),
    client.get<ApiConnection[]>(withColumns(`/api/vhosts/${v}/connections`, COLUMNS.connections), inVhost),
  ]);
  return { overview, nodes, exchanges, bindings, queues, consumers, channels, connections };
}

function count(stats: MessageStats | undefined, name: string): number | null {
  const value = stats?.[name];
  return typeof value === 'number' ? value : null;
}

function rate(stats: MessageStats | undefined, name: string): number | null {
  const details = stats?.[`${name}_details`];
  return typeof details === 'object' && typeof details.rate === 'number' ? details.rate : null;
}

function ratesOf(stats: MessageStats | undefined): Rates {
  return { publish: rate(stats, 'publish'), deliver: rate(stats, 'deliver_get'), ack: rate(stats, 'ack'), redeliver: rate(stats, 'redeliver') };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function ackTimeoutOf(queue: ApiQueue, fallbackMs: number): number {
  const fromArgument = queue.arguments?.['x-consumer-timeout'];
  if (typeof fromArgument === 'number') return fromArgument;
  const policy = queue.effective_policy_definition;
  const fromPolicy = policy && !Array.isArray(policy) ? (policy as Record<string, unknown>)['consumer-timeout'] : undefined;
  return typeof fromPolicy === 'number' ? fromPolicy : fallbackMs;
}

function nodeView(answers: ApiAnswers, vhost: string): NodeView {
  const name = answers.overview.node ?? answers.nodes[0]?.name ?? 'unknown';
  const node = answers.nodes.find((candidate) => candidate.name === name);
  return {
    kind: 'rabbitmq',
    name,
    version: answers.overview.rabbitmq_version ?? 'unknown',
    vhost,
    uptimeMs: node?.uptime ?? null,
    memoryBytes: node?.mem_used ?? null,
    memoryLimitBytes: node?.mem_limit ?? null,
    diskFreeBytes: node?.disk_free ?? null,
    diskFreeLimitBytes: node?.disk_free_limit ?? null,
    memoryAlarm: node?.mem_alarm === true,
    diskAlarm: node?.disk_free_alarm === true,
  };
}

function exchangeView(exchange: ApiExchange): ExchangeView {
  // RabbitMQ 3.x counts unroutable messages per channel, not per exchange: read them where a broker reports them.
  const dropped = count(exchange.message_stats, 'drop_unroutable');
  const returned = count(exchange.message_stats, 'return_unroutable');
  return {
    name: exchange.name,
    type: exchange.type,
    durable: exchange.durable,
    unroutable: dropped === null && returned === null ? null : (dropped ?? 0) + (returned ?? 0),
    publishRate: rate(exchange.message_stats, 'publish_in'),
  };
}

/** Who owns each queue: the services behind its consumers' connections. */
function ownersByQueue(answers: ApiAnswers): Map<string, string> {
  const serviceOf = new Map<string, string>();
  for (const connection of answers.connections) {
    const properties = connection.client_properties ?? {};
    const service = text(properties['service']) ?? text(properties['connection_name']);
    if (service) serviceOf.set(connection.name, service);
  }
  const owners = new Map<string, Set<string>>();
  for (const consumer of answers.consumers) {
    const service = serviceOf.get(consumer.channel_details.connection_name);
    if (!service) continue;
    const set = owners.get(consumer.queue.name) ?? new Set<string>();
    set.add(service);
    owners.set(consumer.queue.name, set);
  }
  return new Map([...owners].map(([queue, services]) => [queue, [...services].sort().join(', ')]));
}

function queueViews(answers: ApiAnswers, settings: SnapshotSettings, takenAt: number, statsOn: boolean): QueueView[] {
  const byName = new Map(answers.queues.map((queue) => [queue.name, queue]));
  const owners = ownersByQueue(answers);
  return answers.queues.map((queue): QueueView => {
    const ready = queue.messages_ready ?? 0;
    const unacked = queue.messages_unacknowledged ?? 0;
    const deadLetterQueue = deadLetterQueueOf(queue, (name) => byName.has(name));
    const dlq = deadLetterQueue ? byName.get(deadLetterQueue) : undefined;
    const stats = queue.message_stats;
    const head = queue.head_message_timestamp;
    return {
      name: queue.name,
      durable: queue.durable,
      exclusive: queue.exclusive === true,
      autoDelete: queue.auto_delete,
      ready,
      unacked,
      consumers: queue.consumers ?? 0,
      consumerUtilisation: typeof queue.consumer_utilisation === 'number' ? queue.consumer_utilisation : null,
      rates: ratesOf(stats),
      // No message_stats with statistics on: nothing happened yet, which zeros tell truly.
      totals: statsOn
        ? {
            published: count(stats, 'publish') ?? 0,
            delivered: count(stats, 'deliver_get') ?? 0,
            redelivered: count(stats, 'redeliver') ?? 0,
            acked: count(stats, 'ack') ?? 0,
            // RabbitMQ does not count dead-lettering per queue; a dedicated `<queue>.dlq` received each one.
            deadLettered: dlq && deadLetterQueue === `${queue.name}.dlq` ? (count(dlq.message_stats, 'publish') ?? 0) : 0,
          }
        : null,
      oldestAgeMs: typeof head === 'number' && head > 0 && ready + unacked > 0 ? Math.max(0, takenAt - head * 1000) : null,
      owner: owners.get(queue.name) ?? null,
      isDeadLetterQueue: isDeadLetterQueueName(queue.name),
      deadLetterQueue,
      deadLetterDepth: dlq ? (dlq.messages ?? (dlq.messages_ready ?? 0) + (dlq.messages_unacknowledged ?? 0)) : null,
      ackTimeoutMs: ackTimeoutOf(queue, settings.consumerTimeoutMs),
      // Not `idle_since`: RabbitMQ sets it after any activity, publishes included, so a stuck consumer
      // on a queue that still receives would look busy. Progress is read from the delivered and
      // acked counters instead.
      lastActivityAt: null,
    };
  });
}

function channelViews(answers: ApiAnswers): ChannelView[] {
  return answers.channels.map((channel) => ({
    name: channel.name,
    connection: channel.connection_details.name,
    number: channel.number,
    consumers: channel.consumer_count ?? 0,
    unacked: channel.messages_unacknowledged ?? 0,
    prefetch: channel.prefetch_count ?? 0,
  }));
}

function consumerViews(answers: ApiAnswers): ConsumerView[] {
  const channels = new Map(answers.channels.map((channel) => [channel.name, channel]));
  return answers.consumers.map((consumer) => ({
    tag: consumer.consumer_tag,
    queue: consumer.queue.name,
    channel: consumer.channel_details.name,
    connection: consumer.channel_details.connection_name,
    prefetch: consumer.prefetch_count ?? 0,
    // RabbitMQ counts unacked per channel; Tidings runs each consumer on a channel of its own.
    unacked: channels.get(consumer.channel_details.name)?.messages_unacknowledged ?? 0,
    active: consumer.active !== false,
  }));
}

function connectionViews(answers: ApiAnswers): ConnectionView[] {
  const publishRates = new Map<string, number>();
  for (const channel of answers.channels) {
    const publish = rate(channel.message_stats, 'publish');
    if (publish !== null) publishRates.set(channel.connection_details.name, (publishRates.get(channel.connection_details.name) ?? 0) + publish);
  }
  return answers.connections.map((connection) => {
    const properties = connection.client_properties ?? {};
    const pid = properties['pid'];
    return {
      name: connection.name,
      user: connection.user ?? null,
      peer: connection.peer_host !== undefined ? `${connection.peer_host}:${connection.peer_port ?? ''}` : connection.name,
      service: text(properties['service']) ?? text(properties['connection_name']),
      host: text(properties['host']),
      pid: typeof pid === 'number' ? pid : typeof pid === 'string' && /^\d+$/.test(pid) ? Number(pid) : null,
      library: text(properties['library']) ?? text(properties['product']),
      libraryVersion: text(properties['library_version']) ?? text(properties['version']),
      platform: text(properties['platform']),
      connectedAt: connection.connected_at ?? null,
      channels: connection.channels ?? 0,
      state: connection.state ?? 'unknown',
      publishRate: publishRates.get(connection.name) ?? null,
    };
  });
}

function bindingViews(answers: ApiAnswers): BindingView[] {
  // The default exchange's implicit binding of every queue to its own name is not a choice anyone made.
  return answers.bindings
    .filter((binding) => binding.source !== '' && binding.destination_type === 'queue')
    .map((binding) => ({ exchange: binding.source, queue: binding.destination, pattern: binding.routing_key, matched: null }));
}

export function toSnapshot(answers: ApiAnswers, settings: SnapshotSettings, takenAt: number): BusSnapshot {
  return {
    takenAt,
    node: nodeView(answers, settings.vhost),
    exchanges: answers.exchanges.map(exchangeView),
    bindings: bindingViews(answers),
    queues: queueViews(answers, settings, takenAt, answers.overview.disable_stats !== true),
    consumers: consumerViews(answers),
    channels: channelViews(answers),
    connections: connectionViews(answers),
  };
}
