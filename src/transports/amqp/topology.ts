/**
 * What this connection declared, kept so that it can be declared again after a reconnect, and the
 * declarations themselves: every consumer queue gets a dead-letter queue `<queue>.dlq`, fed through
 * the `tidings.dead-letter` exchange both by the broker (max length, expiry) and by Tidings (a
 * handler's Drop, an undecodable message, with the reason in a header).
 */
import type { Channel, Options } from 'amqplib';
import type { Logger } from 'pino';
import type { ExchangeOptions, QueueOptions } from '../../bus/index.js';
import { fromAmqpError, replyCode } from './errors.js';

export const DEAD_LETTER_EXCHANGE = 'tidings.dead-letter';
export const SHARED_DEAD_LETTER_QUEUE = 'tidings.dead-letters';
export const DEAD_LETTER_SUFFIX = '.dlq';

/** A declared queue. Server-named queues get a new name at each reconnect: consumers follow `name`. */
export interface QueueRecord {
  name: string;
  readonly requested: QueueOptions;
  readonly serverNamed: boolean;
  /** Routing key on the dead-letter exchange that reaches this queue's dead-letter queue. */
  readonly deadLetterKey: string;
  deleted: boolean;
}

interface BindingRecord {
  readonly queue: QueueRecord;
  readonly exchange: string;
  readonly pattern: string;
}

/** Runs an operation on a channel for declarations; a failed declaration closes that channel. */
export type WithChannel = <T>(operation: (channel: Channel) => Promise<T>) => Promise<T>;

export class Topology {
  private readonly exchanges = new Map<string, ExchangeOptions>();
  private readonly queues = new Map<string, QueueRecord>();
  private bindings: BindingRecord[] = [];

  constructor(private readonly logger: Logger) {}

  queue(name: string): QueueRecord | undefined {
    return this.queues.get(name);
  }

  async declareExchange(withChannel: WithChannel, name: string, options: ExchangeOptions = {}): Promise<void> {
    const assert: Options.AssertExchange = {
      durable: options.durable ?? true,
      autoDelete: options.autoDelete ?? false,
      ...(options.arguments ? { arguments: options.arguments } : {}),
    };
    await withChannel((channel) => channel.assertExchange(name, options.type ?? 'topic', assert)).catch((error: unknown) => {
      throw fromAmqpError(error, `declaring exchange "${name}"`);
    });
    this.exchanges.set(name, options);
  }

  async declareQueue(withChannel: WithChannel, requested: QueueOptions): Promise<{ record: QueueRecord; messageCount: number; consumerCount: number }> {
    const serverNamed = requested.name === '';
    const isDeadLetterQueue = requested.name.endsWith(DEAD_LETTER_SUFFIX) || requested.name === SHARED_DEAD_LETTER_QUEUE;
    const transient = serverNamed || requested.exclusive === true || requested.durable === false;
    const deadLetterKey = transient || isDeadLetterQueue ? SHARED_DEAD_LETTER_QUEUE : requested.name;
    const reply = await this.assertQueue(withChannel, requested, deadLetterKey, !isDeadLetterQueue);
    const existing = serverNamed ? undefined : this.queues.get(requested.name);
    const record: QueueRecord = existing ?? { name: reply.queue, requested, serverNamed, deadLetterKey, deleted: false };
    record.name = reply.queue;
    this.queues.set(record.name, record);
    return { record, messageCount: reply.messageCount, consumerCount: reply.consumerCount };
  }

  /** The queue itself, its dead-letter queue and the arguments that join them. */
  private async assertQueue(
    withChannel: WithChannel,
    requested: QueueOptions,
    deadLetterKey: string,
    withDeadLetters: boolean,
  ): Promise<{ queue: string; messageCount: number; consumerCount: number }> {
    const serverNamed = requested.name === '';
    const args: Record<string, unknown> = { ...requested.arguments };
    if (requested.maxLength !== undefined) args['x-max-length'] = requested.maxLength;
    if (requested.overflow !== undefined) args['x-overflow'] = requested.overflow;
    if (withDeadLetters) {
      await this.declareDeadLetterQueue(withChannel, deadLetterKey === SHARED_DEAD_LETTER_QUEUE ? SHARED_DEAD_LETTER_QUEUE : deadLetterKey + DEAD_LETTER_SUFFIX, deadLetterKey);
      args['x-dead-letter-exchange'] ??= DEAD_LETTER_EXCHANGE;
      args['x-dead-letter-routing-key'] ??= deadLetterKey;
    }
    const options: Options.AssertQueue = {
      durable: !serverNamed && requested.durable !== false,
      exclusive: serverNamed || requested.exclusive === true,
      autoDelete: serverNamed || requested.autoDelete === true,
      arguments: args,
    };
    const doing = serverNamed ? 'declaring a server-named queue' : `declaring queue "${requested.name}"`;
    try {
      return await withChannel((channel) => channel.assertQueue(requested.name, options));
    } catch (error) {
      if (replyCode(error) !== 406 || serverNamed) throw fromAmqpError(error, doing);
      // The queue exists with other arguments (declared by fedora-messaging, or by an older config):
      // use it as it is. Explicit dead letters still reach <queue>.dlq; the broker's own (max length)
      // follow whatever the queue was declared with.
      this.logger.warn(
        { queue: requested.name, reason: (error as Error).message },
        'queue exists with other arguments; using it as declared',
      );
      return withChannel((channel) => channel.checkQueue(requested.name)).catch((checkError: unknown) => {
        throw fromAmqpError(checkError, doing);
      });
    }
  }

  private async declareDeadLetterQueue(withChannel: WithChannel, queue: string, routingKey: string): Promise<void> {
    try {
      await withChannel(async (channel) => {
        await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'direct', { durable: true });
        await channel.assertQueue(queue, { durable: true });
        await channel.bindQueue(queue, DEAD_LETTER_EXCHANGE, routingKey);
      });
    } catch (error) {
      throw fromAmqpError(error, `declaring dead-letter queue "${queue}"`);
    }
  }

  async bind(withChannel: WithChannel, queueName: string, exchange: string, pattern: string): Promise<void> {
    await withChannel((channel) => channel.bindQueue(queueName, exchange, pattern)).catch((error: unknown) => {
      throw fromAmqpError(error, `binding queue "${queueName}" to "${exchange}" with "${pattern}"`);
    });
    const record = this.queues.get(queueName);
    if (record && !this.bindings.some((b) => b.queue === record && b.exchange === exchange && b.pattern === pattern)) {
      this.bindings.push({ queue: record, exchange, pattern });
    }
  }

  async unbind(withChannel: WithChannel, queueName: string, exchange: string, pattern: string): Promise<void> {
    await withChannel((channel) => channel.unbindQueue(queueName, exchange, pattern)).catch((error: unknown) => {
      throw fromAmqpError(error, `unbinding queue "${queueName}"`);
    });
    this.bindings = this.bindings.filter((b) => !(b.queue.name === queueName && b.exchange === exchange && b.pattern === pattern));
  }

  async deleteQueue(withChannel: WithChannel, name: string, options: Options.DeleteQueue): Promise<void> {
    await withChannel((channel) => channel.deleteQueue(name, options)).catch((error: unknown) => {
      throw fromAmqpError(error, `deleting queue "${name}"`);
    });
    this.forget(name);
  }

  /** A queue gone for good (deleted, or its exclusive owner gone): stop declaring it. */
  forget(name: string): void {
    const record = this.queues.get(name);
    if (!record) return;
    record.deleted = true;
    this.queues.delete(name);
    this.bindings = this.bindings.filter((b) => b.queue !== record);
  }

  /** Declares everything again on a new connection; server-named queues come back with new names. */
  async restore(withChannel: WithChannel): Promise<void> {
    for (const [exchange, options] of this.exchanges) await this.declareExchange(withChannel, exchange, options);
    // Records are renamed one by one as each re-declare succeeds: a link that drops halfway leaves
    // every record in place for the next attempt.
    for (const record of [...this.queues.values()]) {
      const isDeadLetterQueue = record.requested.name.endsWith(DEAD_LETTER_SUFFIX) || record.requested.name === SHARED_DEAD_LETTER_QUEUE;
      const reply = await this.assertQueue(withChannel, record.requested, record.deadLetterKey, !isDeadLetterQueue);
      if (reply.queue !== record.name) {
        this.queues.delete(record.name);
        record.name = reply.queue;
        this.queues.set(record.name, record);
      }
    }
    for (const binding of this.bindings) {
      await withChannel((channel) => channel.bindQueue(binding.queue.name, binding.exchange, binding.pattern));
    }
  }
}
