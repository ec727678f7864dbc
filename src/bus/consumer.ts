/**
 * A running consumer: decodes and checks each delivery, runs the handler with bounded concurrency,
 * turns the handler's outcome into ack / requeue / dead-letter, and ends only in a way its owner
 * can see (the `ended` promise), never silently.
 */
import type { Logger } from 'pino';
import {
  decodeBody,
  Header,
  type Body,
  type DerivedFacts,
  type Headers,
  type Message,
  type SchemaRegistry,
} from '../message/index.js';
import { HandlerError } from './errors.js';
import type { Drop, HaltConsumer } from './outcomes.js';
import type { Delivery, RawMessage, Subscription } from './transport.js';
import type { MessageVerifier } from './trust.js';

/** A message as a handler receives it: the message plus what its schema derives and where it came from. */
export interface ReceivedMessage extends Message {
  readonly queue: string;
  readonly redelivered: boolean;
  readonly facts: DerivedFacts;
  /** The body exactly as it arrived (JSON text), for consumers that store or forward it. */
  readonly bodyText: string;
  /**
   * Why the message could not be decoded or failed its schema; only ever set for consumers that
   * asked to receive such messages (`keepInvalid`), which then get an empty `body`.
   */
  readonly problem: string | null;
}

/** A received message; its facts are derived on first use, since many handlers never ask. */
class DeliveredMessage implements ReceivedMessage {
  readonly id: string;
  readonly topic: string;
  readonly headers: Headers;
  readonly priority?: number;
  readonly queue: string;
  readonly redelivered: boolean;
  private derived: DerivedFacts | undefined;

  readonly bodyText: string;

  constructor(
    raw: RawMessage,
    readonly body: Body,
    delivery: Delivery,
    private readonly registry: SchemaRegistry,
    readonly problem: string | null = null,
  ) {
    this.bodyText = raw.body;
    this.id = raw.id;
    this.topic = raw.topic;
    this.headers = raw.headers;
    if (raw.priority !== undefined) this.priority = raw.priority;
    this.queue = delivery.queue;
    this.redelivered = delivery.redelivered;
  }

  get facts(): DerivedFacts {
    return (this.derived ??= this.registry.facts(this));
  }

  toJSON(): Message {
    const { id, topic, headers, body, queue } = this;
    return { id, topic, headers, body, queue, ...(this.priority !== undefined ? { priority: this.priority } : {}) };
  }
}

export type MessageHandler = (message: ReceivedMessage) => unknown;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

export type ConsumerEndReason = 'cancelled' | 'halted' | 'handler-failed' | 'broker';

export interface ConsumerEnd {
  readonly reason: ConsumerEndReason;
  /** What the CLI exits with: 0 cancelled, the halt's code, 13 handler failure, 12 broker cancel. */
  readonly exitCode: number;
  readonly error?: Error;
}

export interface ConsumerSettings {
  readonly queue: string;
  readonly concurrency: number;
  /** Hand undecodable or schema-failing messages to the handler (flagged) instead of dead-lettering them. */
  readonly keepInvalid?: boolean;
  /** Dead-letters messages it says are not to be trusted (signatures, identities). */
  readonly verify?: MessageVerifier;
  readonly registry: SchemaRegistry;
  readonly logger: Logger;
}

export class Consumer {
  readonly queue: string;
  /** Settles once, when the consumer has stopped and its handlers have finished. */
  readonly ended: Promise<ConsumerEnd>;
  private subscription: Subscription | undefined;
  private readonly waiting: Delivery[] = [];
  private inFlight = 0;
  private stopping: ConsumerEnd | undefined;
  private resolveEnded!: (end: ConsumerEnd) => void;
  private readonly warnedSchemas = new Set<string>();
  private idle: (() => void) | undefined;

  constructor(
    private readonly handler: MessageHandler,
    private readonly settings: ConsumerSettings,
  ) {
    this.queue = settings.queue;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  /** Called once the transport subscription exists. */
  attach(subscription: Subscription): void {
    this.subscription = subscription;
    void subscription.ended.then((error) => {
      if (error && !this.stopping) void this.stop({ reason: 'broker', exitCode: 12, error });
    });
  }

  /** The transport hands a delivery over. */
  readonly onDelivery = (delivery: Delivery): void => {
    // While stopping, leave it unsettled: cancelling the subscription returns it to the queue.
    // (Requeueing it here would have the broker hand it straight back, in a loop.)
    if (this.stopping) return;
    this.waiting.push(delivery);
    this.pump();
  };

  private pump(): void {
    while (!this.stopping && this.inFlight < this.settings.concurrency && this.waiting.length > 0) {
      const delivery = this.waiting.shift()!;
      // Its channel went while it waited here (a reconnect, a broker timeout): it is coming again.
      if (!delivery.live) continue;
      this.inFlight++;
      const pending = this.handle(delivery);
      if (pending) {
        void pending.then(this.handled);
      } else {
        this.inFlight--;
        if (this.inFlight === 0) this.idle?.();
      }
    }
  }

  private readonly handled = (): void => {
    this.inFlight--;
    if (this.inFlight === 0) this.idle?.();
    this.pump();
  };

  private decode(delivery: Delivery): ReceivedMessage | string {
    const raw = delivery.message;
    try {
      const body = decodeBody(raw.body, raw.topic);
      const message = new DeliveredMessage(raw, body, delivery, this.settings.registry);
      const { registry } = this.settings;
      const resolved = registry.validate(message);
      if (!resolved.known) this.warnUnknownSchema(raw.headers, raw.topic);
      const distrust = this.settings.verify?.(message);
      if (distrust) return `not trusted: ${distrust}`;
      return message;
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      if (!this.settings.keepInvalid) return problem;
      return new DeliveredMessage(raw, {}, delivery, this.settings.registry, problem);
    }
  }

  private warnUnknownSchema(headers: Headers, topic: string): void {
    const schema = String(headers[Header.schema] ?? '(none)');
    if (this.warnedSchemas.has(schema)) return;
    this.warnedSchemas.add(schema);
    this.settings.logger.warn({ schema, topic }, 'unknown schema: reading the message with the base schema');
  }

  /** Runs the handler; returns a promise only when the handler did (most handlers of a busy bus do not). */
  private handle(delivery: Delivery): Promise<void> | undefined {
    const message = this.decode(delivery);
    if (typeof message === 'string') {
      this.settings.logger.warn(
        { queue: this.queue, id: delivery.message.id, topic: delivery.message.topic, reason: message },
        'undecodable message dead-lettered',
      );
      delivery.deadLetter(message);
      return undefined;
    }
    let result: unknown;
    try {
      result = this.handler(message);
    } catch (error) {
      this.settle(delivery, message, error);
      return undefined;
    }
    if (!isPromiseLike(result)) {
      delivery.ack();
      return undefined;
    }
    return Promise.resolve(result).then(
      () => delivery.ack(),
      (error: unknown) => this.settle(delivery, message, error),
    );
  }

  /**
   * Outcomes are recognised by their code, not their class, so a handler that imported another copy
   * of Tidings (a callback file beside the CLI) is understood all the same.
   */
  private settle(delivery: Delivery, message: ReceivedMessage, error: unknown): void {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'HANDLER_NACK') {
      delivery.requeue();
    } else if (code === 'HANDLER_DROP') {
      delivery.deadLetter(`dropped by the handler: ${(error as Drop).reason}`);
    } else if (code === 'HANDLER_HALT') {
      const halt = error as HaltConsumer;
      void this.stop({ reason: 'halted', exitCode: halt.exitCode, error: halt });
      if (halt.requeue) delivery.requeue();
      else delivery.ack();
    } else {
      const cause = error instanceof Error ? error : new Error(String(error));
      this.settings.logger.error(
        { err: cause, queue: this.queue, id: message.id, topic: message.topic },
        'handler failed: message requeued, consumer stopping',
      );
      // The cause's own message is not repeated here: logs and the CLI print the cause chain.
      const failure = new HandlerError(`the handler failed on message ${message.id} ("${message.topic}")`, { cause });
      void this.stop({ reason: 'handler-failed', exitCode: 13, error: failure });
      delivery.requeue();
    }
  }

  /**
   * Stops taking messages, lets the handlers in flight finish (their messages are settled as usual),
   * then cancels the subscription, which returns everything not yet started to the queue.
   * The stop itself begins synchronously, so an outcome settled right after it cannot be redelivered here.
   */
  async stop(end: ConsumerEnd = { reason: 'cancelled', exitCode: 0 }): Promise<ConsumerEnd> {
    if (this.stopping) return this.ended;
    this.stopping = end;
    this.waiting.length = 0;
    // With the broker gone, a handler still running could not settle its message anyway (the broker
    // gives it to another consumer): end now rather than wait on a handler that may never return.
    if (this.inFlight > 0 && end.reason !== 'broker') await new Promise<void>((resolve) => (this.idle = resolve));
    try {
      await this.subscription?.cancel();
    } catch (error) {
      this.settings.logger.debug({ err: error, queue: this.queue }, 'cancel after stop failed (connection gone)');
    }
    this.resolveEnded(end);
    return end;
  }
}
