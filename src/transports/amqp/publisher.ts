/**
 * Publishing with confirms, many in flight: each publish gets its own promise, settled by the
 * broker's ack or nack for it. When the channel's buffer is full or the broker blocks the connection
 * (memory or disk alarm), publishes wait instead of piling up in memory; while the connection is down
 * they wait for the next one, until their deadline.
 */
import type { ConfirmChannel, Message as AmqpMessage, Options } from 'amqplib';
import {
  ConnectionError,
  PublishRejectedError,
  PublishTimeoutError,
  PublishUnroutableError,
  type RawMessage,
} from '../../bus/index.js';
import { publishProperties } from './wire.js';

export class ConfirmPublisher {
  private channel: ConfirmChannel | null = null;
  private writable = true;
  private blockedReason: string | null = null;
  private waiters: Array<() => void> = [];
  /** Ids of mandatory messages the broker returned, until their confirm arrives (it comes after). */
  private readonly returned = new Map<string, number>();

  constructor(private readonly address: string) {}

  /** A new confirm channel, after (re)connecting. */
  attach(channel: ConfirmChannel): void {
    this.channel = channel;
    this.writable = true;
    channel.on('drain', () => {
      this.writable = true;
      this.wake();
    });
    channel.on('return', (message: AmqpMessage) => {
      const id = message.properties.messageId as string | undefined;
      if (id !== undefined) this.returned.set(id, (this.returned.get(id) ?? 0) + 1);
    });
    channel.on('close', () => {
      if (this.channel === channel) this.channel = null;
    });
    this.wake();
  }

  /** The connection is gone: new publishes wait; those in flight fail through their callbacks. */
  detach(): void {
    this.channel = null;
    this.blockedReason = null;
  }

  setBlocked(reason: string | null): void {
    this.blockedReason = reason;
    if (reason === null) this.wake();
  }

  get blocked(): string | null {
    return this.blockedReason;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when the broker confirms; rejects on nack, return (mandatory), lost link or deadline. */
  publish(exchange: string, message: RawMessage, mandatory: boolean, deadline: number | undefined): Promise<void> {
    return this.send(exchange, message.topic, message, Buffer.from(message.body, 'utf8'), publishProperties(message, mandatory), deadline);
  }

  /** Publishes exactly these bytes and properties (a dead letter keeps the original's). */
  send(
    exchange: string,
    routingKey: string,
    message: Pick<RawMessage, 'id' | 'topic'>,
    content: Buffer,
    properties: Options.Publish,
    deadline: number | undefined,
  ): Promise<void> {
    // The common case goes straight to the channel: no extra promise, no await.
    if (this.channel && this.writable && this.blockedReason === null) {
      return this.write(this.channel, exchange, routingKey, message, content, properties);
    }
    return this.sendWhenRoom(exchange, routingKey, message, content, properties, deadline);
  }

  private async sendWhenRoom(
    exchange: string,
    routingKey: string,
    message: Pick<RawMessage, 'id' | 'topic'>,
    content: Buffer,
    properties: Options.Publish,
    deadline: number | undefined,
  ): Promise<void> {
    while (!this.channel || !this.writable || this.blockedReason !== null) {
      await this.waitForRoom(deadline, message.topic);
    }
    return this.write(this.channel, exchange, routingKey, message, content, properties);
  }

  private write(
    channel: ConfirmChannel,
    exchange: string,
    routingKey: string,
    message: Pick<RawMessage, 'id' | 'topic'>,
    content: Buffer,
    properties: Options.Publish,
  ): Promise<void> {
    const mandatory = properties.mandatory === true;
    return new Promise<void>((resolve, reject) => {
      const onConfirm = (error: unknown): void => {
        if (error) {
          reject(this.confirmFailure(error, message));
          return;
        }
        if (mandatory && this.takeReturned(message.id)) {
          reject(new PublishUnroutableError(`no queue is bound to take "${message.topic}" on exchange "${exchange}"`));
          return;
        }
        resolve();
      };
      try {
        if (!channel.publish(exchange, routingKey, content, properties, onConfirm)) this.writable = false;
      } catch (error) {
        // A channel that closed between our check and the write, or headers too large to encode.
        reject(
          error instanceof RangeError
            ? new PublishRejectedError(`"${message.topic}" cannot be sent: ${error.message}`, { cause: error })
            : this.confirmFailure(error, message),
        );
      }
    });
  }

  private waitForRoom(deadline: number | undefined, topic: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(wake);
      if (deadline !== undefined) {
        const waitingSince = Date.now();
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((waiter) => waiter !== wake);
          const why = this.blockedReason !== null ? `the broker is blocking publishers (${this.blockedReason})` : 'RabbitMQ is not connected';
          reject(new PublishTimeoutError(topic, Date.now() - waitingSince, this.address, { cause: new Error(why) }));
        }, Math.max(0, deadline - Date.now()));
      }
    });
  }

  private takeReturned(id: string): boolean {
    const count = this.returned.get(id);
    if (count === undefined) return false;
    if (count <= 1) this.returned.delete(id);
    else this.returned.set(id, count - 1);
    return true;
  }

  private confirmFailure(error: unknown, message: Pick<RawMessage, 'id' | 'topic'>): Error {
    const text = error instanceof Error ? error.message : String(error);
    if (/nack/i.test(text)) {
      return new PublishRejectedError(
        `RabbitMQ refused "${message.topic}" (a full queue with reject-publish, or a broker fault): it was not stored`,
        { cause: error },
      );
    }
    return new ConnectionError(
      `the connection to RabbitMQ at ${this.address} was lost before "${message.topic}" (${message.id}) was confirmed: ` +
        'it may or may not have been stored; publish it again with the same id if it matters',
      { cause: error },
    );
  }
}
