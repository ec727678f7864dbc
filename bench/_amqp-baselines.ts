/**
 * The baselines of bench/amqp.ts: amqplib used directly, with no Tidings code, sending the same bytes
 * and properties Tidings sends (fedora-messaging's wire format), and the broker chores of the bench
 * (the vhost, purging, filling and checking queues).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import amqplib, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';

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

/**
 * A connection for one measurement. Its loss (another process restarting RabbitMQ) rejects the
 * measurement instead of crashing the run with an unhandled 'error' event.
 */
async function withConnection<T>(url: string, work: (connection: ChannelModel) => Promise<T>, socket: { noDelay?: boolean } = {}): Promise<T> {
  const connection = await amqplib.connect(url, socket);
  let closing = false;
  const lost = new Promise<never>((_, reject) => {
    connection.on('error', () => undefined); // 'close' follows with the reason
    connection.on('close', (error?: Error) => {
      if (!closing) reject(new Error(`lost the connection to RabbitMQ: ${error?.message ?? 'closed'}`, { cause: error }));
    });
  });
  lost.catch(() => undefined);
  try {
    const working = work(connection);
    working.catch(() => undefined); // when the connection is lost first, its failure is reported instead
    return await Promise.race([working, lost]);
  } finally {
    closing = true;
    await connection.close().catch(() => undefined);
  }
}

function withConfirmChannel<T>(url: string, work: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
  return withConnection(url, async (connection) => {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined); // the failing publish's callback reports it
    return work(channel);
  });
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
export function rawConsume(url: string, queue: string, count: number, prefetch: number): Promise<Timing> {
  return withConnection(url, async (connection) => {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
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
  });
}

/**
 * Raw amqplib end to end on one connection, as Tidings does it: publish at `rate` msg/s with confirms
 * (not awaited), consume with prefetch 100 and ack each; each body carries its send time.
 * `noDelay` turns Nagle's algorithm off (amqplib leaves it on unless asked).
 */
export function rawLatency(url: string, queue: string, routingKey: string, rate: number, seconds: number, body: BodyOf, noDelay: boolean): Promise<number[]> {
  return withConnection(url, async (connection) => {
    const publisher = await connection.createConfirmChannel();
    const consumer = await connection.createChannel();
    publisher.on('error', () => undefined);
    consumer.on('error', () => undefined);
    const total = rate * seconds;
    const samples: number[] = [];
    let finished!: () => void;
    let failed!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => ((finished = resolve), (failed = reject)));
    done.catch(() => undefined); // awaited after the publishing loop; a failure must not be unhandled until then
    await consumer.prefetch(100, false);
    await consumer.consume(queue, (message) => {
      if (message === null) return;
      samples.push(performance.now() - (JSON.parse(message.content.toString('utf8')) as { t: number }).t);
      consumer.ack(message);
      if (samples.length === total) finished();
    }, { noAck: false });
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const content = Buffer.from(JSON.stringify({ ...body(i), t: performance.now() }), 'utf8');
      publisher.publish(EXCHANGE, routingKey, content, properties(), (error: unknown) => error && failed(error));
    }
    await within(done, 60_000, `raw latency run of ${total} messages`);
    await consumer.close();
    return samples.sort((a, b) => a - b);
  }, { noDelay });
}

/** Chores between measurements (purge, count, delete), each on a connection of its own. */
export function adminTask<T>(url: string, task: (channel: Channel) => Promise<T>): Promise<T> {
  return withConnection(url, async (connection) => {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return task(channel);
  });
}

/** Waits until RabbitMQ accepts connections again (after another process restarted it). */
export async function waitForBroker(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await adminTask(url, async () => undefined);
      return;
    } catch (error) {
      if (Date.now() > until) throw new Error(`RabbitMQ did not come back within ${timeoutMs / 1000} s`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const PIKA_SEQUENTIAL = `
import json, sys, time, uuid, datetime
import pika
url, routing_key, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()
channel.confirm_delivery()  # every basic_publish now waits for its confirmation, as fedora-messaging's api.publish does
body = json.dumps({"owner": "alice", "package": "kernel", "note": "x" * 280}).encode("utf-8")
started = time.perf_counter()
for n in range(count):
    headers = {
        "fedora_messaging_schema": "base.message",
        "fedora_messaging_severity": 20,
        "sent-at": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "priority": 0,
    }
    properties = pika.BasicProperties(content_type="application/json", content_encoding="utf-8",
                                      delivery_mode=2, message_id=str(uuid.uuid4()), headers=headers)
    channel.basic_publish("amq.topic", routing_key, body, properties)
print(time.perf_counter() - started)
connection.close()
`;

/** Whether Debian's python3-pika is there to measure the Python reference's way of publishing. */
export function pikaAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import pika'], { stdio: 'ignore' }).status === 0;
}

/**
 * The Python reference's way: pika's BlockingConnection with publisher confirms, one publish and its
 * confirmation at a time (what fedora-messaging's api.publish does per message).
 */
export function pikaPublishSequential(url: string, routingKey: string, count: number): Timing {
  const result = spawnSync('/usr/bin/python3', ['-c', PIKA_SEQUENTIAL, url, routingKey, String(count)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.status !== 0) throw new Error(`pika publisher failed: ${result.stderr || result.stdout}`);
  const seconds = Number(result.stdout.trim().split('\n').at(-1));
  if (!(seconds > 0)) throw new Error(`pika publisher printed no duration: ${result.stdout}`);
  return { seconds, cpuMicros: 0 };
}
