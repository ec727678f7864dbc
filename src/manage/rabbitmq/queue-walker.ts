/**
 * Taking chosen messages off a queue without ever losing one, over AMQP (the management API's `get`
 * can only requeue or drop). Each message is fetched with basic.get and stays unacknowledged until
 * its fate is sealed: a taken message is forwarded first (published on a confirm channel, and the
 * confirm awaited) and acked only then; a message not chosen is held and nacked back with requeue at
 * the end, where a classic queue puts it back in its place. The walk reads at most the number of
 * messages the queue held when it started, so it never comes round to messages it put back itself.
 * If anything fails mid-way, the channel closes and the broker requeues whatever is unacked.
 */
import amqplib, { type ChannelModel, type ConfirmChannel, type GetMessage, type Options } from 'amqplib';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ManageNotFoundError, ManageRefusedError, ManageUnavailableError } from '../errors.js';
import type { ActionResult, Selection } from '../model.js';

/** What to do with a chosen message before it is acked: nothing (discard), or publish it somewhere. */
export type Forward = (message: GetMessage) => { readonly exchange: string; readonly routingKey: string; readonly options: Options.Publish } | { readonly cannot: string };

export interface Walk {
  readonly queue: string;
  readonly selection: Selection;
  /** The id a selection by ids compares with. */
  readonly idOf: (message: GetMessage) => string;
  readonly forward?: Forward;
}

/** Why chosen messages stayed where they were: each reason, with how many. */
type Left = Map<string, number>;

export function assertValidSelection(selection: Selection): void {
  if ('count' in selection && (!Number.isInteger(selection.count) || selection.count < 1)) {
    throw new ManageRefusedError(`a count of messages must be a whole number of at least 1 (got ${selection.count})`);
  }
  if ('ids' in selection && selection.ids.length === 0) throw new ManageRefusedError('an id selection needs at least one id');
}

export class QueueWalker {
  private model: Promise<ChannelModel> | null = null;

  constructor(
    private readonly amqpUrl: string,
    private readonly address: string,
    private readonly logger: Logger,
  ) {}

  private connection(): Promise<ChannelModel> {
    this.model ??= amqplib
      .connect(this.amqpUrl, {
        // The operators' own connection shows in the view like any other, named for what it is.
        clientProperties: { connection_name: 'tidings-manage', service: 'tidings-manage', host: hostname(), pid: process.pid, product: 'Tidings' },
      })
      .then((model) => {
        model.on('error', (error: Error) => this.logger.warn({ err: error }, 'management AMQP connection error'));
        model.on('close', () => (this.model = null));
        return model;
      })
      .catch((error: unknown) => {
        this.model = null;
        throw new ManageUnavailableError(`cannot connect to RabbitMQ at ${this.address} for a queue action (${(error as Error).message}): is the broker running?`, { cause: error });
      });
    return this.model;
  }

  async walk(walk: Walk): Promise<ActionResult> {
    assertValidSelection(walk.selection);
    const depth = await this.readyCount(walk.queue);
    const model = await this.connection();
    const channel = await model.createConfirmChannel();
    let channelError: Error | null = null;
    channel.on('error', (error: Error) => (channelError = error));
    const wanted = 'ids' in walk.selection ? new Set(walk.selection.ids) : null;
    const limit = 'count' in walk.selection ? walk.selection.count : Infinity;
    const held: GetMessage[] = [];
    const left: Left = new Map();
    let affected = 0;
    try {
      for (let read = 0; read < depth && affected < limit && (wanted === null || wanted.size > 0); read++) {
        const message = await channel.get(walk.queue, { noAck: false });
        if (message === false) break;
        const id = wanted ? walk.idOf(message) : '';
        if (wanted && !wanted.delete(id)) {
          held.push(message);
          continue;
        }
        const outcome = walk.forward ? await this.forward(channel, message, walk.forward) : null;
        if (outcome !== null) {
          held.push(message);
          left.set(outcome, (left.get(outcome) ?? 0) + 1);
          continue;
        }
        channel.ack(message);
        affected++;
      }
    } catch (error) {
      throw channelError ? this.explain(channelError, walk.queue) : error;
    } finally {
      // Put back what was not taken (the broker would on close too, but marked redelivered all the same).
      for (const message of held) {
        try {
          channel.nack(message, false, true);
        } catch {
          break; // the channel is gone: the broker has requeued them already
        }
      }
      await channel.close().catch(() => undefined);
    }
    if (left.size > 0) {
      const reasons = [...left].map(([reason, count]) => `${count} ${reason}`).join('; ');
      throw new ManageRefusedError(`${affected} message(s) of "${walk.queue}" taken; others stay where they were: ${reasons}`);
    }
    return wanted && 'ids' in walk.selection ? { affected, missing: walk.selection.ids.filter((id) => wanted.has(id)) } : { affected };
  }

  /** Ready messages now, from the broker itself (the management API's counts lag by seconds). */
  async readyCount(queue: string): Promise<number> {
    const model = await this.connection();
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } catch (error) {
      throw this.explain(error as Error, queue);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Publishes and waits for the confirm; returns why it could not (kept), or null once it is safe. */
  private async forward(channel: ConfirmChannel, message: GetMessage, forward: Forward): Promise<string | null> {
    const target = forward(message);
    if ('cannot' in target) return target.cannot;
    let returned = false;
    const onReturn = (): void => {
      returned = true;
    };
    // A mandatory publish no queue takes comes back (basic.return) before its confirm: we publish one
    // at a time, so a return seen before the confirm is this message's.
    channel.on('return', onReturn);
    try {
      await new Promise<void>((resolve, reject) =>
        channel.publish(target.exchange, target.routingKey, message.content, { ...target.options, mandatory: true }, (error: unknown) =>
          error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
        ),
      );
    } finally {
      channel.off('return', onReturn);
    }
    return returned ? `could not be routed: no queue is bound to exchange "${target.exchange}" with routing key "${target.routingKey}"` : null;
  }

  private explain(error: Error, queue: string): Error {
    const message = error.message;
    if (/NOT_FOUND/.test(message)) {
      return new ManageNotFoundError(/exchange/.test(message) ? `the target exchange does not exist (${message})` : `queue "${queue}" does not exist (${message})`, { cause: error });
    }
    return new ManageUnavailableError(`RabbitMQ closed the channel while working on "${queue}" (${message}); nothing unconfirmed was removed`, { cause: error });
  }

  async close(): Promise<void> {
    const model = this.model;
    this.model = null;
    if (model) await (await model.catch(() => null))?.close().catch(() => undefined);
  }
}
