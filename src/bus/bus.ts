/**
 * The bus as services see it: publish confirmed messages, consume with handlers, close gracefully.
 * A Bus owns one Transport; it never knows which broker is behind it.
 */
import type { Logger } from 'pino';
import {
  DEFAULT_MAX_BODY_BYTES,
  SchemaRegistry,
  type Message,
  type MessageInit,
} from '../message/index.js';
import { silentLogger } from '../log/index.js';
import { DeadlineQueue } from './deadlines.js';
import { BusClosedError, DeclareError } from './errors.js';
import { Consumer, type MessageHandler } from './consumer.js';
import { prepareMessage, publishConfirmed, type PublishCallOptions, type PublishSettings } from './publisher.js';
import { DEFAULT_EXCHANGE, type OverflowPolicy, type Transport } from './transport.js';
import type { MessageVerifier } from './trust.js';

export const DEFAULT_PREFETCH = 10;
export const DEFAULT_PUBLISH_TIMEOUT_MS = 30_000;

export interface BusOptions {
  readonly registry?: SchemaRegistry;
  readonly topicPrefix?: string;
  /** Where publishes go and consumer bindings attach; default `amq.topic`. */
  readonly exchange?: string;
  readonly maxBodyBytes?: number;
  readonly publishTimeoutMs?: number;
  readonly publishPriority?: number | null;
  readonly logger?: Logger;
}

export interface Binding {
  /** Default: the bus's exchange. */
  readonly exchange?: string;
  readonly routingKeys: readonly string[];
}

export interface ConsumeSpec {
  /** A durable queue name; `""` or absent gives a server-named queue that lives as long as the consumer. */
  readonly queue?: string;
  /** Routing-key patterns (or bindings) to bind the queue to before consuming. */
  readonly bindings?: ReadonlyArray<string | Binding>;
  readonly prefetch?: number;
  /** Handlers run at once; default 1. Prefetch is raised to at least this. */
  readonly concurrency?: number;
  readonly durable?: boolean;
  readonly exclusive?: boolean;
  readonly autoDelete?: boolean;
  /** Broker queue arguments (`x-max-length`, `x-queue-type`…). */
  readonly arguments?: Readonly<Record<string, unknown>>;
  readonly maxLength?: number;
  readonly overflow?: OverflowPolicy;
  /** Only consume: do not declare the queue or its bindings (fedora-messaging's passive_declares). */
  readonly passive?: boolean;
  /**
   * Give the handler messages that cannot be decoded or fail their schema, with `problem` set and an
   * empty `body` (`bodyText` has what arrived), instead of dead-lettering them. For the archive.
   */
  readonly keepInvalid?: boolean;
  /**
   * Checks each message before the handler sees it (e.g. `new TrustPolicy(document).check`); a message
   * it does not trust is dead-lettered with the reason.
   */
  readonly verify?: MessageVerifier;
}

export class Bus {
  readonly transport: Transport;
  readonly registry: SchemaRegistry;
  readonly logger: Logger;
  private readonly publishSettings: PublishSettings;
  private readonly consumers = new Set<Consumer>();
  private closing: Promise<void> | undefined;

  constructor(transport: Transport, options: BusOptions = {}) {
    this.transport = transport;
    this.registry = options.registry ?? new SchemaRegistry();
    this.logger = options.logger ?? silentLogger();
    this.publishSettings = {
      registry: this.registry,
      topicPrefix: options.topicPrefix ?? '',
      exchange: options.exchange ?? DEFAULT_EXCHANGE,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      timeoutMs: options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS,
      priority: options.publishPriority ?? null,
      deadlines: new DeadlineQueue(),
    };
  }

  get exchange(): string {
    return this.publishSettings.exchange;
  }

  /** Builds, checks and publishes a message; resolves with it once the broker has confirmed it. */
  publish(init: MessageInit, options: PublishCallOptions = {}): Promise<Message> {
    let message: Message;
    try {
      message = this.prepare(init, options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closing) return Promise.reject(new BusClosedError('publish after the bus was closed'));
    return publishConfirmed(this.transport, message, this.publishSettings, options, message);
  }

  /** Builds and checks a message as publish would (prefix, id, headers, schema), without sending it. */
  prepare(init: MessageInit, options: { raw?: boolean } = {}): Message {
    return prepareMessage(init, this.publishSettings, options.raw);
  }

  /** Publishes a message made by prepare(); resolves once the broker has confirmed it. */
  send(message: Message, options: PublishCallOptions = {}): Promise<void> {
    if (this.closing) return Promise.reject(new BusClosedError('publish after the bus was closed'));
    return publishConfirmed(this.transport, message, this.publishSettings, options);
  }

  /**
   * Declares the queue and its bindings, then runs `handler` for each message. The returned consumer's
   * `ended` settles when it stops: cancelled, halted by the handler, a handler failure, or the broker.
   */
  async consume(spec: ConsumeSpec, handler: MessageHandler): Promise<Consumer> {
    if (this.closing) throw new BusClosedError('consume after the bus was closed');
    const concurrency = Math.max(1, spec.concurrency ?? 1);
    const prefetch = Math.max(concurrency, spec.prefetch ?? DEFAULT_PREFETCH);
    const queue = await this.declare(spec);
    const consumer = new Consumer(handler, {
      queue,
      concurrency,
      registry: this.registry,
      logger: this.logger,
      ...(spec.keepInvalid ? { keepInvalid: true } : {}),
      ...(spec.verify ? { verify: spec.verify } : {}),
    });
    const subscription = await this.transport.consume({ queue, prefetch }, consumer.onDelivery);
    consumer.attach(subscription);
    this.consumers.add(consumer);
    void consumer.ended.then(() => this.consumers.delete(consumer));
    this.logger.debug({ queue, prefetch, concurrency }, 'consumer started');
    return consumer;
  }

  /**
   * Declares a spec's queue and bindings without consuming; returns the queue's name. Messages
   * routed to it from now on wait there (a replay uses this to start catching live messages before
   * it reads history).
   */
  async declare(spec: ConsumeSpec): Promise<string> {
    const requested = spec.queue ?? '';
    if (spec.passive) {
      if (!requested) throw new DeclareError('a passive consumer needs an existing queue name');
      return requested;
    }
    const declared = await this.transport.declareQueue({
      name: requested,
      ...(requested === '' ? { exclusive: true, autoDelete: true, durable: false } : {}),
      ...(spec.durable !== undefined ? { durable: spec.durable } : {}),
      ...(spec.exclusive !== undefined ? { exclusive: spec.exclusive } : {}),
      ...(spec.autoDelete !== undefined ? { autoDelete: spec.autoDelete } : {}),
      ...(spec.arguments !== undefined ? { arguments: spec.arguments } : {}),
      ...(spec.maxLength !== undefined ? { maxLength: spec.maxLength } : {}),
      ...(spec.overflow !== undefined ? { overflow: spec.overflow } : {}),
    });
    for (const binding of spec.bindings ?? []) {
      const { exchange, routingKeys } =
        typeof binding === 'string' ? { exchange: this.exchange, routingKeys: [binding] } : binding;
      for (const key of routingKeys) await this.transport.bindQueue(declared.name, exchange ?? this.exchange, key);
    }
    return declared.name;
  }

  /** Stops every consumer (handlers in flight finish and are acked), then closes the connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
      await this.transport.close();
    })();
    return this.closing;
  }
}
