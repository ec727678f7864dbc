/**
 * The operators' view of RabbitMQ: state from the management plugin's HTTP API, and actions that
 * move messages over AMQP, where every message is published and confirmed before it is acked.
 */
import type { GetMessage } from 'amqplib';
import type { Logger } from 'pino';
import { silentLogger } from '../../log/index.js';
import { ManageNotFoundError, ManageRefusedError } from '../errors.js';
import type { ActionResult, BusSnapshot, DeadLetter, ManagementSource, Selection } from '../model.js';
import type { ApiGotMessage, ApiQueue } from './api-types.js';
import { deadLetterQueueOf, describeDeadLetter, identify, isDeadLetterQueueName, originOf } from './dead-letters.js';
import { ManagementHttpClient, segment } from './http-client.js';
import { QueueWalker } from './queue-walker.js';
import { retriedCopy, unchangedCopy } from './republish.js';
import { managementEndpoint, RABBITMQ_DEFAULT_CONSUMER_TIMEOUT_MS } from './settings.js';
import { fetchAnswers, toSnapshot } from './snapshot.js';

export interface RabbitManagementOptions {
  readonly amqpUrl: string;
  /** Default: http on the AMQP URL's host, port 15672, with the AMQP URL's user and password. */
  readonly managementUrl?: string;
  /** Default: the AMQP URL's vhost (`/` when it names none). */
  readonly vhost?: string;
  readonly logger?: Logger;
  /** The broker's `consumer_timeout`, shown for queues without `x-consumer-timeout` (default 30 min). */
  readonly consumerTimeoutMs?: number;
  /** Per management API request (default 10 s). */
  readonly requestTimeoutMs?: number;
}

type Ready = { readonly all: true } | { readonly count: number };

function maskedAddress(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'amqp://(unparseable URL)';
  }
}

function idOf(message: GetMessage): string {
  return identify({
    content: message.content,
    routingKey: message.fields.routingKey,
    exchange: message.fields.exchange,
    messageId: message.properties.messageId,
    headers: message.properties.headers,
  }).id;
}

export class RabbitManagementSource implements ManagementSource {
  readonly kind = 'rabbitmq';
  readonly vhost: string;
  private readonly client: ManagementHttpClient;
  private readonly walker: QueueWalker;
  private readonly logger: Logger;
  private readonly consumerTimeoutMs: number;

  constructor(options: RabbitManagementOptions) {
    const endpoint = managementEndpoint(options.amqpUrl, options.managementUrl, options.vhost);
    this.vhost = endpoint.vhost;
    this.client = new ManagementHttpClient(endpoint, options.requestTimeoutMs);
    this.logger = (options.logger ?? silentLogger()).child({ component: 'manage', broker: 'rabbitmq', vhost: this.vhost });
    this.walker = new QueueWalker(options.amqpUrl, maskedAddress(options.amqpUrl), this.logger);
    this.consumerTimeoutMs = options.consumerTimeoutMs ?? RABBITMQ_DEFAULT_CONSUMER_TIMEOUT_MS;
  }

  async snapshot(): Promise<BusSnapshot> {
    const answers = await fetchAnswers(this.client, this.vhost);
    return toSnapshot(answers, { vhost: this.vhost, consumerTimeoutMs: this.consumerTimeoutMs }, Date.now());
  }

  private queuePath(queue: string): string {
    return `/api/queues/${segment(this.vhost)}/${segment(queue)}`;
  }

  private names(queue: string): string {
    return `queue "${queue}" in vhost "${this.vhost}"`;
  }

  private async queueExists(queue: string): Promise<boolean> {
    try {
      await this.client.get(`${this.queuePath(queue)}?columns=name`, this.names(queue));
      return true;
    } catch (error) {
      if (error instanceof ManageNotFoundError) return false;
      throw error;
    }
  }

  /** The dead-letter queue an operator means: the queue itself if it is one, else the consumer queue's. */
  async deadLetterQueueFor(queue: string): Promise<string> {
    if (isDeadLetterQueueName(queue)) {
      if (!(await this.queueExists(queue))) throw new ManageNotFoundError(`dead-letter ${this.names(queue)} does not exist`);
      return queue;
    }
    const declared = await this.client.get<ApiQueue>(`${this.queuePath(queue)}?columns=name,arguments`, this.names(queue));
    // Whichever queue the naming rules point at must exist: checked next, so assume it does here.
    const deadLetterQueue = deadLetterQueueOf(declared, () => true);
    if (!deadLetterQueue || !(await this.queueExists(deadLetterQueue))) {
      throw new ManageNotFoundError(`${this.names(queue)} has no dead-letter queue${deadLetterQueue ? ` ("${deadLetterQueue}" does not exist)` : ''}`);
    }
    return deadLetterQueue;
  }

  async peekDeadLetters(queue: string, limit: number): Promise<DeadLetter[]> {
    if (!Number.isInteger(limit) || limit < 0) throw new ManageRefusedError(`a peek limit must be a whole number (got ${limit})`);
    const deadLetterQueue = await this.deadLetterQueueFor(queue);
    if (limit === 0) return [];
    // ack_requeue_true hands each message back at once, in its place: peeking removes nothing.
    const got = await this.client.request<ApiGotMessage[]>(`${this.queuePath(deadLetterQueue)}/get`, {
      method: 'POST',
      body: { count: limit, ackmode: 'ack_requeue_true', encoding: 'auto' },
      names: this.names(deadLetterQueue),
    });
    return got.map((message, position) =>
      describeDeadLetter(deadLetterQueue, position, {
        content: Buffer.from(message.payload, message.payload_encoding === 'base64' ? 'base64' : 'utf8'),
        routingKey: message.routing_key,
        exchange: message.exchange,
        messageId: message.properties.message_id,
        headers: message.properties.headers,
      }),
    );
  }

  async retryDeadLetters(queue: string, selection: Selection): Promise<ActionResult> {
    const deadLetterQueue = await this.deadLetterQueueFor(queue);
    const result = await this.walker.walk({
      queue: deadLetterQueue,
      selection,
      idOf,
      forward: (message) => {
        const origin = originOf(message.properties.headers ?? {});
        if (origin.exchange === null || origin.routingKey === null) {
          return { cannot: 'do not say where they were published (no x-death or x-tidings-death-* headers)' };
        }
        return { exchange: origin.exchange, routingKey: origin.routingKey, options: retriedCopy(message) };
      },
    });
    this.logger.info({ queue: deadLetterQueue, ...result }, 'dead letters retried');
    return result;
  }

  async discardDeadLetters(queue: string, selection: Selection): Promise<ActionResult> {
    const deadLetterQueue = await this.deadLetterQueueFor(queue);
    const result = await this.walker.walk({ queue: deadLetterQueue, selection, idOf });
    this.logger.info({ queue: deadLetterQueue, ...result }, 'dead letters discarded');
    return result;
  }

  async purge(queue: string, selection: Ready): Promise<ActionResult> {
    if ('all' in selection) {
      // The broker's own purge answers nothing: count first, from the broker itself.
      const ready = await this.walker.readyCount(queue);
      await this.client.request(`${this.queuePath(queue)}/contents`, { method: 'DELETE', names: this.names(queue) });
      this.logger.info({ queue, affected: ready }, 'queue purged');
      return { affected: ready };
    }
    const result = await this.walker.walk({ queue, selection, idOf });
    this.logger.info({ queue, ...result }, 'messages purged');
    return result;
  }

  async move(from: string, to: string, selection: Ready): Promise<ActionResult> {
    if (from === to) throw new ManageRefusedError(`cannot move messages from queue "${from}" to itself`);
    await this.walker.readyCount(to); // the target must exist: a missing one would return every message
    const result = await this.walker.walk({
      queue: from,
      selection,
      idOf,
      forward: (message) => ({ exchange: '', routingKey: to, options: unchangedCopy(message) }),
    });
    this.logger.info({ from, to, ...result }, 'messages moved');
    return result;
  }

  async closeConnection(name: string, reason: string): Promise<void> {
    await this.client.request(`/api/connections/${segment(name)}`, {
      method: 'DELETE',
      // The client receives it in connection.close; header values must be plain ASCII on one line.
      headers: { 'x-reason': reason.replace(/[^\x20-\x7e]/g, '?') },
      names: `connection "${name}"`,
    });
    this.logger.info({ connection: name, reason }, 'connection closed');
  }

  async deleteQueue(name: string, guard: { readonly ifEmpty: boolean; readonly ifUnused: boolean }): Promise<void> {
    if (!guard.ifEmpty && !guard.ifUnused) throw new ManageRefusedError('deleting a queue needs ifEmpty or ifUnused (or both)');
    const query = new URLSearchParams();
    if (guard.ifEmpty) query.set('if-empty', 'true');
    if (guard.ifUnused) query.set('if-unused', 'true');
    await this.client.request(`${this.queuePath(name)}?${query}`, { method: 'DELETE', names: this.names(name) });
    this.logger.info({ queue: name, ...guard }, 'queue deleted');
  }

  close(): Promise<void> {
    return this.walker.close();
  }
}
