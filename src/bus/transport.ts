/**
 * The seam between the bus API and a broker. A transport speaks raw messages (the body is JSON text,
 * undecoded) so that a message which fails to decode can still be dead-lettered intact.
 * Implementations: the embedded broker (in-process or through a `tidings serve` hub) and, later, AMQP.
 */
import type { Headers } from '../message/index.js';

export const DEFAULT_EXCHANGE = 'amq.topic';

export interface RawMessage {
  readonly id: string;
  /** The routing key: the full topic, prefix included. */
  readonly topic: string;
  readonly headers: Headers;
  /** The body as JSON text (UTF-8 on the wire). */
  readonly body: string;
  readonly priority?: number;
}

export interface PublishOptions {
  /** Exchange to publish to; `amq.topic` when absent. */
  readonly exchange?: string;
  /** Fail with PublishUnroutableError when no queue takes the message. */
  readonly mandatory?: boolean;
  /**
   * Epoch milliseconds after which the caller has given up: a transport holding the message (link
   * down, broker blocking) must not send it after this, so a timed-out publish is not sent late.
   */
  readonly deadline?: number;
}

export type OverflowPolicy = 'drop-head' | 'reject-publish';

export interface QueueOptions {
  /** `""` asks the broker for a server-named, exclusive, auto-delete, transient queue. */
  readonly name: string;
  /** Survives broker restarts, and its messages are stored durably. Default true. */
  readonly durable?: boolean;
  /** Usable only by this connection, deleted when it closes. */
  readonly exclusive?: boolean;
  /** Deleted when its last consumer goes away. */
  readonly autoDelete?: boolean;
  /** Keep at most this many messages (ready + unacked). */
  readonly maxLength?: number;
  /** What happens at maxLength: dead-letter the oldest (default) or refuse the publish. */
  readonly overflow?: OverflowPolicy;
  /** Broker-specific queue arguments (AMQP `x-…`), passed through where the broker has them. */
  readonly arguments?: Readonly<Record<string, unknown>>;
}

export interface ExchangeOptions {
  /** AMQP exchange type; the embedded broker has topic exchanges only. Default `topic`. */
  readonly type?: string;
  readonly durable?: boolean;
  readonly autoDelete?: boolean;
  readonly arguments?: Readonly<Record<string, unknown>>;
}

export interface DeclaredQueue {
  readonly name: string;
  /** Messages waiting (ready) at declare time. */
  readonly messageCount: number;
  readonly consumerCount: number;
}

export interface ConsumeOptions {
  readonly queue: string;
  /** How many unacknowledged deliveries this consumer may hold. */
  readonly prefetch: number;
}

/** One message handed to a consumer; settle it exactly once. */
export interface Delivery {
  readonly message: RawMessage;
  readonly queue: string;
  readonly exchange: string;
  /** The consumer this delivery belongs to. */
  readonly consumerTag: string;
  /** The broker delivered this message before (to this or another consumer). */
  readonly redelivered: boolean;
  /**
   * False once the delivery can no longer be settled (its channel or consumer is gone) and the
   * broker will deliver the message again: a consumer skips such deliveries rather than handle them twice.
   */
  readonly live: boolean;
  ack(): void;
  /** Put the message back at the head of its queue. */
  requeue(): void;
  /** Move the message to its queue's dead-letter queue, recording why. */
  deadLetter(reason: string): void;
}

export interface Subscription {
  readonly consumerTag: string;
  /** Stop receiving; unsettled deliveries go back to the queue. */
  cancel(): Promise<void>;
  /**
   * Settles when the consumer ends for good: with null after cancel(), with an error when the broker
   * cancelled it or the connection was lost beyond recovery. A consumer never stops silently.
   */
  readonly ended: Promise<Error | null>;
}

export interface Transport {
  /** `embedded`, `hub` or `amqp`: for logs and capability checks. */
  readonly kind: string;
  /** Where it is connected, with any password masked. */
  readonly address: string;
  /** The link to the broker is up now (false while reconnecting, and after close). */
  readonly connected: boolean;
  declareExchange(name: string, options?: ExchangeOptions): Promise<void>;
  declareQueue(options: QueueOptions): Promise<DeclaredQueue>;
  bindQueue(queue: string, exchange: string, pattern: string): Promise<void>;
  unbindQueue(queue: string, exchange: string, pattern: string): Promise<void>;
  deleteQueue(queue: string, options?: { ifEmpty?: boolean; ifUnused?: boolean }): Promise<void>;
  /** Resolves once the broker has the message durably (for durable queues); rejects otherwise. */
  publish(message: RawMessage, options?: PublishOptions): Promise<void>;
  consume(options: ConsumeOptions, onDelivery: (delivery: Delivery) => void): Promise<Subscription>;
  /** Settles when the connection is lost beyond recovery (null after close()). */
  readonly closed: Promise<Error | null>;
  close(): Promise<void>;
}
