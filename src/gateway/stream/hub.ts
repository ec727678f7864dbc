/**
 * The one bus subscription behind every live stream: a server-named exclusive queue bound to `#`
 * (in memory on the embedded broker, gone with the connection on RabbitMQ), consumed once per
 * serve process and fanned out through the filter index. Dispatch is synchronous and never waits
 * on a client, so a slow client can never hold the queue back: it is dropped instead (client.ts).
 */
import type { Logger } from 'pino';
import type { Bus, Consumer, ReceivedMessage } from '../../bus/index.js';
import { FilterIndex } from './filter-index.js';
import { StreamEvent } from './event.js';
import type { StreamSubscription, SubscriptionRegistry } from './client.js';

/** Deliveries the broker may hand over ahead of dispatch; dispatch acks each at once. */
const PREFETCH = 1_000;
/** Messages the hub's queue holds before it drops its oldest. */
const MAX_QUEUED = 10_000;

export interface StreamHubOptions {
  readonly logger: Logger;
}

export class StreamHub implements SubscriptionRegistry {
  private readonly index = new FilterIndex<StreamSubscription>();
  private consumer: Consumer | undefined;
  private stopping = false;
  private lastId: string | undefined;
  /** Messages dispatched since start, and frames handed to clients: for logs, metrics and the benchmark. */
  dispatched = 0;
  deliveries = 0;

  constructor(
    private readonly bus: Bus,
    private readonly options: StreamHubOptions,
  ) {}

  async start(): Promise<void> {
    // keepInvalid: a message that fails its schema is acked and skipped here, not dead-lettered a
    // second time (the archive keeps it, flagged). maxLength: should dispatch ever fall behind the
    // bus, the oldest messages are dropped (clients resume them from the archive) rather than the
    // queue growing without bound — the embedded broker bounds transient queues so, RabbitMQ only if told.
    const consumer = await this.bus.consume(
      { queue: '', bindings: ['#'], prefetch: PREFETCH, keepInvalid: true, maxLength: MAX_QUEUED, overflow: 'drop-head' },
      this.dispatch,
    );
    this.consumer = consumer;
    void consumer.ended.then((end) => {
      if (!this.stopping) this.options.logger.error({ err: end.error, reason: end.reason }, 'the live stream consumer stopped: streams get no new messages');
    });
    this.options.logger.debug({ queue: consumer.queue }, 'live streams consuming');
  }

  /** The id of the last message dispatched (to anyone or no one): where the archive must have caught up to. */
  get highWater(): string | undefined {
    return this.lastId;
  }

  get subscriptionCount(): number {
    return this.index.size;
  }

  add(subscription: StreamSubscription): void {
    this.index.add(subscription);
  }

  remove(subscription: StreamSubscription): void {
    this.index.remove(subscription);
  }

  private readonly dispatch = (message: ReceivedMessage): void => {
    this.lastId = message.id;
    this.dispatched++;
    if (message.problem !== null || this.index.size === 0) return;
    // A fault here must not requeue the message and stop the consumer for every stream, nor one
    // client's fault keep the message from the others.
    let matched: StreamSubscription[];
    const event = StreamEvent.received(message);
    try {
      matched = this.index.match(event);
    } catch (error) {
      this.options.logger.error({ err: error, id: message.id, topic: message.topic }, 'live stream matching failed for a message');
      return;
    }
    for (const subscription of matched) {
      try {
        subscription.client.deliver(subscription, event);
        this.deliveries++;
      } catch (error) {
        this.options.logger.error({ err: error, id: message.id }, 'live stream delivery failed: closing that client');
        subscription.client.close();
      }
    }
  };

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.stop();
  }
}
