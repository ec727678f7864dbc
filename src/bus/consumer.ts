/**
 * A running consumer: decodes and checks each delivery, runs the handler with bounded concurrency,
 * turns the handler's outcome into ack / requeue / dead-letter, and ends only in a way its owner
 * can see (the `ended` promise), never silently.
 */
import type { Logger } from 'pino';
import {
  decodeBody,
  type DerivedFacts,
  type Message,
  type SchemaRegistry,
} from '../message/index.js';
import { HandlerError } from './errors.js';
import type { Drop, HaltConsumer } from './outcomes.js';
import type { Delivery, Subscription } from './transport.js';

/** A message as a handler receives it: the message plus what its schema derives and where it came from. */
export interface ReceivedMessage extends Message {
  readonly queue: string;
  readonly redelivered: boolean;
  readonly facts: DerivedFacts;
}

export type MessageHandler = (message: ReceivedMessage) => unknown;

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
      this.inFlight++;
      void this.handle(delivery).finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) this.idle?.();
        this.pump();
      });
    }
  }

  private decode(delivery: Delivery): ReceivedMessage | string {
    const raw = delivery.message;
    try {
      const body = decodeBody(raw.body, raw.topic);
      const message: Message = {
        id: raw.id,
        topic: raw.topic,
        headers: raw.headers,
        body,
        queue: delivery.queue,
        ...(raw.priority !== undefined ? { priority: raw.priority } : {}),
      };
      const { registry } = this.settings;
      const facts = registry.facts(message);
      if (!facts.schemaKnown) this.warnUnknownSchema(facts.schema, raw.topic);
      registry.validate(message);
      return { ...message, queue: delivery.queue, redelivered: delivery.redelivered, facts };
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  private warnUnknownSchema(schema: string, topic: string): void {
    if (this.warnedSchemas.has(schema)) return;
    this.warnedSchemas.add(schema);
    this.settings.logger.warn({ schema, topic }, 'unknown schema: reading the message with the base schema');
  }

  private async handle(delivery: Delivery): Promise<void> {
    const message = this.decode(delivery);
    if (typeof message === 'string') {
      this.settings.logger.warn(
        { queue: this.queue, id: delivery.message.id, topic: delivery.message.topic, reason: message },
        'undecodable message dead-lettered',
      );
      delivery.deadLetter(message);
      return;
    }
    try {
      await this.handler(message);
      delivery.ack();
    } catch (error) {
      this.settle(delivery, message, error);
    }
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
      const failure = new HandlerError(`the handler failed on message ${message.id} ("${message.topic}"): ${cause.message}`, {
        cause,
      });
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
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    try {
      await this.subscription?.cancel();
    } catch (error) {
      this.settings.logger.debug({ err: error, queue: this.queue }, 'cancel after stop failed (connection gone)');
    }
    this.resolveEnded(end);
    return end;
  }
}
