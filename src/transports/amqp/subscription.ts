/**
 * One consumer on RabbitMQ: its own channel (so prefetch is per queue), restarted on a new channel
 * when the broker closes the channel (a consumer acknowledgement timeout) and on a new connection
 * after a reconnect. It ends only when cancelled, or when the broker cancels it (queue deleted).
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { ConsumerCancelledError, type Delivery, type RawMessage, type Subscription } from '../../bus/index.js';
import { fromAmqpError } from './errors.js';
import type { QueueRecord } from './topology.js';
import { toRawMessage } from './wire.js';

export interface SubscriptionHost {
  readonly logger: Logger;
  /** The connection now, or null while reconnecting. */
  currentModel(): ChannelModel | null;
  /** Publishes a copy to the queue's dead-letter queue with the reason; resolves once confirmed. */
  deadLetter(record: QueueRecord, message: ConsumeMessage, reason: string): Promise<void>;
  /** Called once the subscription has ended, for the transport's bookkeeping. */
  ended(subscription: AmqpSubscription): void;
}

export class AmqpSubscription implements Subscription {
  readonly ended: Promise<Error | null>;
  private channel: Channel | null = null;
  private finished = false;
  private resolveEnded!: (error: Error | null) => void;

  constructor(
    readonly consumerTag: string,
    readonly record: QueueRecord,
    private readonly prefetch: number,
    private readonly listener: (delivery: Delivery) => void,
    private readonly host: SubscriptionHost,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  /** Opens a channel on `model` and consumes; throws the broker's refusal (no such queue, locked). */
  async start(model: ChannelModel): Promise<void> {
    if (this.finished) return;
    const channel = await model.createChannel();
    let consuming = false;
    channel.on('error', () => undefined); // the close event carries the consequence
    channel.on('close', () => {
      // A channel that never got to consume is start()'s failure to report, not a loss to recover.
      if (consuming) this.onChannelClosed(channel, model);
    });
    // Current before consume() returns: deliveries may arrive before its reply is processed.
    this.channel = channel;
    try {
      await channel.prefetch(this.prefetch, false);
      await channel.consume(this.record.name, (message) => this.onMessage(channel, message), {
        noAck: false,
        consumerTag: this.consumerTag,
      });
      consuming = true;
    } catch (error) {
      if (this.channel === channel) this.channel = null;
      void channel.close().catch(() => undefined);
      throw fromAmqpError(error, `consuming from queue "${this.record.name}"`);
    }
  }

  private onMessage(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // basic.cancel from the broker: the queue was deleted, or it failed over and is gone.
      this.finish(new ConsumerCancelledError(`RabbitMQ cancelled the consumer of queue "${this.record.name}" (was it deleted?)`));
      void channel.close().catch(() => undefined);
      return;
    }
    const raw = toRawMessage(message);
    if ('unreadable' in raw) {
      this.host.logger.warn({ queue: this.record.name, reason: raw.unreadable }, 'unreadable message dead-lettered');
      new AmqpDelivery(this, channel, message, placeholder(message)).deadLetter(raw.unreadable);
      return;
    }
    this.listener(new AmqpDelivery(this, channel, message, raw));
  }

  /**
   * A channel closed under a live consumer. If the connection is still up the broker closed just
   * this channel (most often: a handler ran past RabbitMQ's consumer_timeout) and its unacked messages
   * are already back in the queue: consume again on a new channel. If the connection went, the
   * transport restarts every subscription once it has reconnected.
   */
  private onChannelClosed(channel: Channel, model: ChannelModel): void {
    if (this.channel === channel) this.channel = null;
    if (this.finished) return;
    setImmediate(() => {
      if (this.finished || this.channel !== null || this.host.currentModel() !== model) return;
      this.host.logger.warn({ queue: this.record.name }, 'consumer channel closed by the broker; consuming again');
      this.start(model).catch((error: unknown) => {
        if (this.host.currentModel() === model) this.finish(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  isCurrent(channel: Channel): boolean {
    return this.channel === channel;
  }

  deadLetter(message: ConsumeMessage, reason: string): Promise<void> {
    return this.host.deadLetter(this.record, message, reason);
  }

  async cancel(): Promise<void> {
    if (this.finished) return;
    const channel = this.channel;
    this.finish(null);
    if (!channel) return;
    try {
      await channel.cancel(this.consumerTag);
      await channel.close();
    } catch {
      // The channel or connection is already gone: its unacked messages return to the queue anyway.
    }
  }

  private finish(error: Error | null): void {
    if (this.finished) return;
    this.finished = true;
    this.channel = null;
    this.host.ended(this);
    this.resolveEnded(error);
  }

  /** The connection went for good (close() or recovery gave up). */
  abandon(error: Error | null): void {
    this.finish(error);
  }
}

/** A stand-in for a message that cannot be decoded, so it can still be dead-lettered intact. */
function placeholder(message: ConsumeMessage): RawMessage {
  return { id: String(message.properties.messageId ?? ''), topic: message.fields.routingKey, headers: {}, body: '' };
}

class AmqpDelivery implements Delivery {
  private settled = false;

  constructor(
    private readonly subscription: AmqpSubscription,
    private readonly channel: Channel,
    private readonly amqpMessage: ConsumeMessage,
    readonly message: RawMessage,
  ) {}

  get queue(): string {
    return this.subscription.record.name;
  }

  get exchange(): string {
    return this.amqpMessage.fields.exchange;
  }

  get consumerTag(): string {
    return this.subscription.consumerTag;
  }

  get redelivered(): boolean {
    return this.amqpMessage.fields.redelivered;
  }

  get live(): boolean {
    return !this.settled && this.subscription.isCurrent(this.channel);
  }

  /**
   * Settles on the channel the message came on. If that channel is gone the broker has already put
   * the message back for redelivery, so there is nothing left to settle.
   */
  private settle(operation: (channel: Channel) => void): void {
    if (this.settled) return;
    this.settled = true;
    if (!this.subscription.isCurrent(this.channel)) return;
    try {
      operation(this.channel);
    } catch {
      // Closed between the check and the call: the broker redelivers the message.
    }
  }

  ack(): void {
    this.settle((channel) => channel.ack(this.amqpMessage));
  }

  requeue(): void {
    this.settle((channel) => channel.nack(this.amqpMessage, false, true));
  }

  /**
   * Publishes a copy to the dead-letter queue with the reason (RabbitMQ's own dead-lettering cannot
   * carry one), then acks the original. If the copy cannot be published, the broker dead-letters
   * the original instead (nack without requeue), so the message is never just dropped.
   */
  deadLetter(reason: string): void {
    if (this.settled) return;
    this.settled = true;
    const { channel, amqpMessage } = this;
    this.subscription.deadLetter(amqpMessage, reason).then(
      () => {
        if (this.subscription.isCurrent(channel)) channel.ack(amqpMessage);
      },
      () => {
        if (this.subscription.isCurrent(channel)) channel.nack(amqpMessage, false, false);
      },
    ).catch(() => undefined);
  }
}
