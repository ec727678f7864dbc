/** Hand-made snapshots for the management tests: every figure has a plain default; tests say only what matters. */
import type {
  BindingView,
  BusSnapshot,
  ChannelView,
  ConnectionView,
  ConsumerView,
  ExchangeView,
  NodeView,
  QueueTotals,
  QueueView,
} from '../../src/manage/model.js';

export const MINUTE = 60_000;
export const T0 = Date.parse('2025-03-01T12:00:00Z');

export function node(overrides: Partial<NodeView> = {}): NodeView {
  return {
    kind: 'rabbitmq',
    name: 'rabbit@bus1',
    version: '4.1.0',
    vhost: '/',
    uptimeMs: 3_600_000,
    memoryBytes: 200 * 1024 * 1024,
    memoryLimitBytes: 1024 * 1024 * 1024,
    diskFreeBytes: 50 * 1024 * 1024 * 1024,
    diskFreeLimitBytes: 1024 * 1024 * 1024,
    memoryAlarm: false,
    diskAlarm: false,
    ...overrides,
  };
}

export function totals(overrides: Partial<QueueTotals> = {}): QueueTotals {
  return { published: 0, delivered: 0, redelivered: 0, acked: 0, deadLettered: 0, ...overrides };
}

export function queue(name: string, overrides: Partial<QueueView> = {}): QueueView {
  return {
    name,
    durable: true,
    exclusive: false,
    autoDelete: false,
    ready: 0,
    unacked: 0,
    consumers: 1,
    consumerUtilisation: null,
    rates: { publish: null, deliver: null, ack: null, redeliver: null },
    totals: null,
    oldestAgeMs: null,
    owner: null,
    isDeadLetterQueue: false,
    deadLetterQueue: null,
    deadLetterDepth: null,
    ackTimeoutMs: null,
    lastActivityAt: null,
    ...overrides,
  };
}

export function connection(name: string, overrides: Partial<ConnectionView> = {}): ConnectionView {
  return {
    name,
    user: 'tidings',
    peer: '10.0.0.5:41234',
    service: null,
    host: null,
    pid: null,
    library: 'tidings',
    libraryVersion: '0.1.0',
    platform: 'Node.js 20',
    connectedAt: T0,
    channels: 1,
    state: 'running',
    publishRate: null,
    ...overrides,
  };
}

export function consumer(tag: string, queueName: string, connectionName: string, overrides: Partial<ConsumerView> = {}): ConsumerView {
  return {
    tag,
    queue: queueName,
    channel: `${connectionName} (1)`,
    connection: connectionName,
    prefetch: 10,
    unacked: 0,
    active: true,
    ...overrides,
  };
}

export function exchange(name: string, overrides: Partial<ExchangeView> = {}): ExchangeView {
  return { name, type: 'topic', durable: true, unroutable: null, publishRate: null, ...overrides };
}

export function binding(exchangeName: string, queueName: string, pattern: string): BindingView {
  return { exchange: exchangeName, queue: queueName, pattern, matched: null };
}

export interface SnapshotParts {
  readonly node?: NodeView;
  readonly exchanges?: readonly ExchangeView[];
  readonly bindings?: readonly BindingView[];
  readonly queues?: readonly QueueView[];
  readonly consumers?: readonly ConsumerView[];
  readonly channels?: readonly ChannelView[];
  readonly connections?: readonly ConnectionView[];
}

export function snapshot(takenAt: number, parts: SnapshotParts = {}): BusSnapshot {
  return {
    takenAt,
    node: parts.node ?? node(),
    exchanges: parts.exchanges ?? [],
    bindings: parts.bindings ?? [],
    queues: parts.queues ?? [],
    consumers: parts.consumers ?? [],
    channels: parts.channels ?? [],
    connections: parts.connections ?? [],
  };
}

/** Snapshots every `stepMs` from `start`, each with the queues `at(i)` gives. */
export function series(start: number, stepMs: number, count: number, at: (i: number) => SnapshotParts): BusSnapshot[] {
  return Array.from({ length: count }, (_, i) => snapshot(start + i * stepMs, at(i)));
}
