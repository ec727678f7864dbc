/**
 * The baselines of bench/amqp.ts: amqplib used directly, with no Tidings code, sending the same bytes
 * and properties Tidings sends (fedora-messaging's wire format), and the broker chores of the bench
 * (the vhost, purging, filling and checking queues).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import amqplib, { type ConfirmChannel, type Options } from 'amqplib';

export const EXCHANGE = 'amq.topic';

/** What one measurement cost: wall time, and this process's CPU time (user + system). */
export interface Timing {
  readonly seconds: number;
  readonly cpuMicros: number;
}

export async function timed(work: () => Promise<void>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuMicros: used.user + used.system };
}

/** Rejects with a clear message instead of hanging when the broker loses or withholds messages. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Creates the bench's vhost (and guest's permissions on it) unless it exists. */
export function ensureVhost(vhost: string): void {
  const ctl = (...args: string[]): string => {
    try {
      return execFileSync('rabbitmqctl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      throw new Error(`rabbitmqctl ${args.join(' ')} failed (is RabbitMQ running? start it with rabbitmq-server -detached)`, { cause: error });
    }
  };
  const vhosts = ctl('-q', 'list_vhosts', 'name').split('\n').map((line) => line.trim());
  if (vhosts.includes(vhost)) return;
  ctl('add_vhost', vhost);
  ctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
}

/** The properties Tidings sends for a base.message: fedora-messaging's, with ints typed as pika types them. */
function properties(): Options.Publish {
  return {
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    deliveryMode: 2,
    messageId: randomUUID(),
    headers: {
      fedora_messaging_schema: 'base.message',
      fedora_messaging_severity: { '!': 'int', value: 20 },
      'sent-at': `${new Date().toISOString().slice(0, 19)}+00:00`,
      priority: { '!': 'int', value: 0 },
    },
  };
}

/** Bodies are JSON made per message, as an application would. */
export type BodyOf = (n: number) => Record<string, unknown>;

async function withConfirmChannel<T>(url: string, work: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined); // the failing publish's callback reports it
    return await work(channel);
  } finally {
    await connection.close();
  }
}

/** Keeps `window` publishes awaiting their confirm (a callback each), and waits for 'drain' when amqplib asks. */
function publishWindowed(channel: ConfirmChannel, routingKey: string, count: number, window: number, body: BodyOf): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let next = 0;
    let inFlight = 0;
    let confirmed = 0;
    let paused = false;
    const onConfirm = (error: unknown): void => {
      if (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      inFlight--;
      if (++confirmed === count) resolve();
      else pump();
    };
    const pump = (): void => {
      while (!paused && inFlight < window && next < count) {
        const content = Buffer.from(JSON.stringify(body(next++)), 'utf8');
        inFlight++;
        if (!channel.publish(EXCHANGE, routingKey, content, properties(), onConfirm)) {
          paused = true;
          channel.once('drain', () => {
            paused = false;
            pump();
          });
        }
      }
    };
    if (count === 0) resolve();
    else pump();
  });
}

/** Raw amqplib, `window` confirms in flight. Also fills queues for the consume measurements. */
export function rawPublishWindowed(url: string, routingKey: string, count: number, window: number, body: BodyOf): Promise<Timing> {
  return withConfirmChannel(url, (channel) => timed(() => publishWindowed(channel, routingKey, count, window, body)));
}

/** Raw amqplib, one confirm at a time: how fedora-messaging's api.publish sends. */
export function rawPublishSequential(url: string, routingKey: string, count: number, body: BodyOf): Promise<Timing> {
  return withConfirmChannel(url, (channel) =>
    timed(async () => {
      for (let n = 0; n < count; n++) {
        const content = Buffer.from(JSON.stringify(body(n)), 'utf8');
        await new Promise<void>((resolve, reject) =>
          channel.publish(EXCHANGE, routingKey, content, properties(), (error: unknown) => (error ? reject(error) : resolve())),
        );
      }
    }),
  );
}

/** Raw amqplib consumer: prefetch `prefetch`, manual ack of each message, until `count` arrived. */
export async function rawConsume(url: string, queue: string, count: number, prefetch: number): Promise<Timing> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createChannel();
    let received = 0;
    let allReceived!: () => void;
    const done = new Promise<void>((resolve) => (allReceived = resolve));
    const timing = await timed(async () => {
      await channel.prefetch(prefetch, false);
      await channel.consume(queue, (message) => {
        if (message === null) return;
        channel.ack(message);
        if (++received === count) allReceived();
      }, { noAck: false });
      await within(done, 120_000, `raw consume of ${count} messages`);
    });
    await channel.close(); // after the last ack
    return timing;
  } finally {
    await connection.close();
  }
}

/** A plain channel for chores between measurements: purge, count, delete. */
export async function openAdmin(url: string): Promise<{
  purge(queue: string): Promise<void>;
  count(queue: string): Promise<number>;
  deleteQueues(queues: string[]): Promise<void>;
  deleteExchange(name: string): Promise<void>;
  close(): Promise<void>;
}> {
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  return {
    purge: async (queue) => {
      await channel.purgeQueue(queue);
    },
    count: async (queue) => (await channel.checkQueue(queue)).messageCount,
    deleteQueues: async (queues) => {
      for (const queue of queues) await channel.deleteQueue(queue);
    },
    deleteExchange: async (name) => {
      await channel.deleteExchange(name);
    },
    close: () => connection.close(),
  };
}
