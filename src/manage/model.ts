/**
 * The operators' view of a bus, one object model for both brokers (after QMF's: objects with
 * statistics, methods and events). A `BusSnapshot` is what a `ManagementSource` sees at one moment:
 * node → vhost → exchanges → bindings → queues → consumers → channels → connections, with the
 * statistics an operator needs to tell whether anything is stuck. The embedded broker fills it from
 * its own counters; RabbitMQ from its management plugin's HTTP API. A figure the broker cannot tell
 * is `null`, never a made-up zero.
 */

export type BrokerKind = 'embedded' | 'rabbitmq';

/** Per-second rates over the source's last sampling interval; null until two samples exist. */
export interface Rates {
  readonly publish: number | null;
  readonly deliver: number | null;
  readonly ack: number | null;
  readonly redeliver: number | null;
}

/** Counters since the queue (or the broker process) started, where the broker keeps them. */
export interface QueueTotals {
  readonly published: number;
  readonly delivered: number;
  readonly redelivered: number;
  readonly acked: number;
  readonly deadLettered: number;
}

export interface NodeView {
  readonly kind: BrokerKind;
  /** RabbitMQ's node name (rabbit@host), or `embedded:<path of the SQLite file>`. */
  readonly name: string;
  /** The broker's version: RabbitMQ's, or Tidings' own for the embedded broker. */
  readonly version: string;
  readonly vhost: string;
  readonly uptimeMs: number | null;
  readonly memoryBytes: number | null;
  readonly memoryLimitBytes: number | null;
  readonly diskFreeBytes: number | null;
  readonly diskFreeLimitBytes: number | null;
  /** RabbitMQ's memory and disk alarms (publishers blocked while either is on). */
  readonly memoryAlarm: boolean;
  readonly diskAlarm: boolean;
}

export interface ExchangeView {
  readonly name: string;
  readonly type: string;
  readonly durable: boolean;
  /** Messages published to it that no queue took (since start), where the broker counts them. */
  readonly unroutable: number | null;
  readonly publishRate: number | null;
}

export interface BindingView {
  readonly exchange: string;
  readonly queue: string;
  /** The routing pattern (AMQP binding key). */
  readonly pattern: string;
  /** Messages this binding routed to its queue (since start), where the broker can tell (embedded). */
  readonly matched: number | null;
}

export interface QueueView {
  readonly name: string;
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly ready: number;
  readonly unacked: number;
  readonly consumers: number;
  /** Share of time consumers could take a message at once (0–1); null when not known. */
  readonly consumerUtilisation: number | null;
  readonly rates: Rates;
  readonly totals: QueueTotals | null;
  /** Age of the oldest message the queue holds (ready or unacknowledged), in ms; null when empty or unknown. */
  readonly oldestAgeMs: number | null;
  /** The service consuming it (from its consumers' connections), or null with no consumer. */
  readonly owner: string | null;
  /** This queue is a dead-letter queue (`<queue>.dlq` or the shared `tidings.dead-letters`). */
  readonly isDeadLetterQueue: boolean;
  /** Where its rejected messages go, and how many wait there. */
  readonly deadLetterQueue: string | null;
  readonly deadLetterDepth: number | null;
  /** The broker's acknowledgement timeout for messages of this queue (ms), where it has one. */
  readonly ackTimeoutMs: number | null;
  /** When the broker last delivered or acked from it (epoch ms), where it can tell. */
  readonly lastActivityAt: number | null;
}

export interface ConsumerView {
  readonly tag: string;
  readonly queue: string;
  /** The ChannelView's name it runs on. */
  readonly channel: string;
  readonly connection: string;
  readonly prefetch: number;
  readonly unacked: number;
  readonly active: boolean;
}

export interface ChannelView {
  /** Unique within the snapshot: `<connection> (<number>)`. */
  readonly name: string;
  readonly connection: string;
  readonly number: number;
  readonly consumers: number;
  readonly unacked: number;
  readonly prefetch: number;
}

export interface ConnectionView {
  /** Unique within the snapshot; the name `closeConnection` takes. */
  readonly name: string;
  readonly user: string | null;
  /** Peer address (host:port) or how it is attached (`in-process`, `hub`). */
  readonly peer: string;
  /** From the client's connection properties: who is on the other end. */
  readonly service: string | null;
  readonly host: string | null;
  readonly pid: number | null;
  readonly library: string | null;
  readonly libraryVersion: string | null;
  readonly platform: string | null;
  readonly connectedAt: number | null;
  readonly channels: number;
  readonly state: string;
  readonly publishRate: number | null;
}

export interface BusSnapshot {
  /** Epoch ms. */
  readonly takenAt: number;
  readonly node: NodeView;
  readonly exchanges: readonly ExchangeView[];
  readonly bindings: readonly BindingView[];
  readonly queues: readonly QueueView[];
  readonly consumers: readonly ConsumerView[];
  readonly channels: readonly ChannelView[];
  readonly connections: readonly ConnectionView[];
}

/** One dead-lettered message, as peek shows it. */
export interface DeadLetter {
  /** The dead-letter queue it waits in. */
  readonly queue: string;
  /** Position from the head of that queue (0 = next out). */
  readonly position: number;
  readonly id: string;
  readonly topic: string;
  readonly headers: Readonly<Record<string, unknown>>;
  /** The body as received (JSON text for Tidings and fedora-messaging messages). */
  readonly body: string;
  /** Why it died: Tidings' full reason where it recorded one, else the broker's (`rejected`, `maxlen`, `expired`). */
  readonly reason: string | null;
  /** Where it came from (first entry of `x-death`). */
  readonly originQueue: string | null;
  readonly originExchange: string | null;
  readonly originRoutingKey: string | null;
  /** Epoch ms it was dead-lettered, when recorded. */
  readonly diedAt: number | null;
  /** Times it was dead-lettered (sum of `x-death` counts). */
  readonly deaths: number;
  /** Times an operator retried it (`x-tidings-retries`). */
  readonly retries: number;
}

/** Which dead letters (or messages) an action takes: all, the first N, or those with these ids. */
export type Selection = { readonly all: true } | { readonly count: number } | { readonly ids: readonly string[] };

export interface ActionResult {
  /** How many messages the action took. */
  readonly affected: number;
  /** Ids asked for that were not found (for an id selection). */
  readonly missing?: readonly string[];
}

/** The header on a retried message that counts its retries, so a retry loop shows. */
export const RETRY_COUNT_HEADER = 'x-tidings-retries';
/** Tidings' full dead-letter reason, next to the broker's short `x-death` reason. */
export const DEATH_REASON_HEADER = 'x-tidings-death-reason';

/**
 * What the operators' view needs of a broker: reading its state, and the few actions on it.
 * Guarding the actions (roles, audit) is the caller's job: a source does what it is told.
 */
export interface ManagementSource {
  readonly kind: BrokerKind;
  snapshot(): Promise<BusSnapshot>;
  /** The first `limit` dead letters of a queue (the consumer queue or its dead-letter queue), leaving them in place. */
  peekDeadLetters(queue: string, limit: number): Promise<DeadLetter[]>;
  /** Publishes the selected dead letters again to their original exchange and routing key, with the retry count raised. */
  retryDeadLetters(queue: string, selection: Selection): Promise<ActionResult>;
  discardDeadLetters(queue: string, selection: Selection): Promise<ActionResult>;
  /** Removes waiting (ready) messages: all, or the first N. */
  purge(queue: string, selection: { readonly all: true } | { readonly count: number }): Promise<ActionResult>;
  /** Moves waiting messages from one queue to the end of another, unchanged. */
  move(from: string, to: string, selection: { readonly all: true } | { readonly count: number }): Promise<ActionResult>;
  closeConnection(name: string, reason: string): Promise<void>;
  /** Deletes a queue only when it is empty (`ifEmpty`) and/or has no consumer (`ifUnused`); at least one must be set. */
  deleteQueue(name: string, guard: { readonly ifEmpty: boolean; readonly ifUnused: boolean }): Promise<void>;
  close(): Promise<void>;
}
