/**
 * The RabbitMQ transport: confirmed publish throughput, manual-ack consume throughput, and end-to-end
 * latency at a fixed 1,000 msg/s, with ~360-byte JSON bodies, a durable queue, persistent messages.
 * Baselines, measured in the same run on the same broker: raw amqplib with the same properties and
 * bodies, publishing with a window of confirms in flight and one confirm at a time; the Python
 * reference's way (Debian's pika, one confirm at a time, as fedora-messaging's api.publish does) when
 * python3-pika is installed; consuming with the same prefetch; and the same latency run with
 * amqplib's default socket (Nagle on) and with `noDelay: true` (as Tidings opens it). Runs in its own
 * vhost, `tidings-bench`.
 *
 *   npm run bench -- amqp [--messages 20000] [--sequential 2000] [--window 1000] [--rounds 3]
 *                         [--url amqp://guest:guest@127.0.0.1:5672/tidings-bench]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connect } from '../src/connect.js';
import type { Bus } from '../src/bus/index.js';
import { percentile, printHeadline, printTable, median, bodyOfSize } from './_report.js';
import {
  adminTask,
  ensureVhost,
  rawConsume,
  rawPublishSequential,
  pikaAvailable,
  pikaPublishSequential,
  rawLatency,
  rawPublishWindowed,
  timed,
  waitForBroker,
  within,
  type Timing,
} from './_amqp-baselines.js';

const VHOST = 'tidings-bench';
const DEFAULT_URL = `amqp://guest:guest@127.0.0.1:5672/${VHOST}`;
/** One queue per measurement, each bound to its own topic, so publishing to one never fills another. */
const QUEUES = {
  publish: { queue: 'tidings-bench.publish', topic: 'org.example.prod.bench.publish' },
  consume: { queue: 'tidings-bench.consume', topic: 'org.example.prod.bench.consume' },
  latency: { queue: 'tidings-bench.latency', topic: 'org.example.prod.bench.latency' },
} as const;
const DEAD_LETTER_EXCHANGE = 'tidings.dead-letter';

/** A body whose JSON is about 360 bytes, like the messages measured in shared/STACK.md. */
const body = bodyOfSize(360);

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function withBus<T>(url: string, work: (bus: Bus) => Promise<T>): Promise<T> {
  const bus = await connect(url, { name: 'tidings-bench' });
  try {
    return await work(bus);
  } finally {
    await bus.close();
  }
}

/** Publishes `count` messages keeping `window` publishes awaiting confirmation. */
async function publishPipelined(bus: Bus, topic: string, count: number, window: number): Promise<void> {
  let next = 0;
  let confirmed = 0;
  await new Promise<void>((resolve, reject) => {
    const sendOne = (): void => {
      const n = next++;
      bus.publish({ topic, body: body(n) }).then(() => {
        confirmed++;
        if (next < count) sendOne();
        else if (confirmed === count) resolve();
      }, reject);
    };
    for (let i = 0; i < Math.min(window, count); i++) sendOne();
  });
}

function tidingsPublish(url: string, count: number, window: number): Promise<Timing> {
  return withBus(url, (bus) => timed(() => publishPipelined(bus, QUEUES.publish.topic, count, window)));
}

function tidingsConsume(url: string, count: number, prefetch: number): Promise<Timing> {
  return withBus(url, async (bus) => {
    let received = 0;
    let allReceived!: () => void;
    const done = new Promise<void>((resolve) => (allReceived = resolve));
    return timed(async () => {
      await bus.consume({ queue: QUEUES.consume.queue, prefetch }, () => {
        if (++received === count) allReceived();
      });
      await within(done, 120_000, `tidings consume of ${count} messages`);
    });
  });
}

async function latency(url: string, rate: number, seconds: number): Promise<number[]> {
  return withBus(url, async (bus) => {
    const { queue, topic } = QUEUES.latency;
    const samples: number[] = [];
    const total = rate * seconds;
    let received = 0;
    let finished!: () => void;
    let failed!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => ((finished = resolve), (failed = reject)));
    done.catch(() => undefined); // awaited after the publishing loop; a failure must not be unhandled until then
    await bus.consume({ queue, prefetch: 100 }, (message) => {
      samples.push(performance.now() - (message.body['t'] as number));
      if (++received === total) finished();
    });
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      bus.publish({ topic, body: body(i, { t: performance.now() }) }).catch(failed);
    }
    await within(done, 60_000, `latency run of ${total} messages`);
    return samples.sort((a, b) => a - b);
  });
}

/** True when `error` (or its cause) is the broker going away rather than a fault of the code measured. */
function brokerWentAway(error: unknown): boolean {
  for (let e = error; e; e = (e as { cause?: unknown }).cause) {
    const text = `${(e as { code?: unknown }).code ?? ''} ${(e as Error).message ?? String(e)}`;
    if (/ECONNRESET|ECONNREFUSED|EPIPE|CONNECTION_FORCED|CONNECTION_FAILED|lost the connection|Connection closed|not connected/i.test(text)) return true;
  }
  return false;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      messages: { type: 'string', default: '20000' },
      sequential: { type: 'string', default: '2000' },
      window: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '3' },
      url: { type: 'string', default: DEFAULT_URL },
    },
  });
  const messages = Number(values.messages);
  const sequentialMessages = Number(values.sequential);
  const window = Number(values.window);
  const rounds = Number(values.rounds);
  const url = values.url;
  if (url === DEFAULT_URL) ensureVhost(VHOST);
  console.log(
    `RabbitMQ benchmark: ${messages.toLocaleString()} persistent messages of ~360 B to a durable queue, ` +
      `${window} confirms in flight, prefetch ${window}; ${sequentialMessages.toLocaleString()} one at a time`,
  );

  const allQueues = Object.values(QUEUES).flatMap(({ queue }) => [queue, `${queue}.dlq`]);
  const deleteQueues = (): Promise<void> =>
    adminTask(url, async (channel) => {
      for (const queue of allQueues) await channel.deleteQueue(queue);
    });
  const declareQueues = (): Promise<void> =>
    withBus(url, async (bus) => {
      for (const { queue, topic } of Object.values(QUEUES)) {
        await bus.transport.declareQueue({ name: queue });
        await bus.transport.bindQueue(queue, bus.exchange, topic);
      }
    });
  const purge = async (...queues: string[]): Promise<void> => {
    await adminTask(url, async (channel) => {
      for (const queue of queues) await channel.purgeQueue(queue);
    });
    gc();
  };
  /**
   * Other sessions on this machine restart RabbitMQ in their tests: when a step loses its connection,
   * wait for the broker, reset the queues and run the step again (at most twice), saying so.
   */
  const step = async (what: string, work: () => Promise<void>): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt > 2 || !brokerWentAway(error)) throw error;
        console.log(`  ${what}: the broker dropped the connection (${(error as Error).message.slice(0, 120)}); running it again`);
        await waitForBroker(url);
        await declareQueues();
        await purge(QUEUES.publish.queue, QUEUES.consume.queue);
      }
    }
  };

  try {
    // Leftovers of an interrupted run would skew the first round; Tidings declares the queues as its consumers would.
    await deleteQueues();
    await declareQueues();
    // Warm both paths up (JIT, first connection) before anything is timed.
    await step('warm-up', async () => {
      await rawPublishWindowed(url, QUEUES.publish.topic, 2000, window, body);
      await tidingsPublish(url, 2000, window);
      await purge(QUEUES.publish.queue);
    });

    // This machine is shared and noisy: alternate the runs (and their order) and keep each one's median.
    const runs = { raw: [] as Timing[], sequential: [] as Timing[], pika: [] as Timing[], tidings: [] as Timing[], rawConsume: [] as Timing[], tidingsConsume: [] as Timing[] };
    const withPika = pikaAvailable();
    const publishStep = (what: string, into: Timing[], measure: () => Promise<Timing>) => (): Promise<void> =>
      step(what, async () => {
        const timing = await measure();
        await purge(QUEUES.publish.queue);
        into.push(timing);
      });
    const consumeStep = (what: string, into: Timing[], measure: () => Promise<Timing>) => (): Promise<void> =>
      step(what, async () => {
        await rawPublishWindowed(url, QUEUES.consume.topic, messages, window, body);
        gc();
        const timing = await measure();
        const left = await adminTask(url, async (channel) => (await channel.checkQueue(QUEUES.consume.queue)).messageCount);
        if (left !== 0) throw new Error(`${left} messages were left unacked in ${QUEUES.consume.queue} after ${what}`);
        into.push(timing);
      });
    for (let round = 0; round < rounds; round++) {
      const publishSteps = [
        publishStep('raw windowed publish', runs.raw, () => rawPublishWindowed(url, QUEUES.publish.topic, messages, window, body)),
        publishStep('tidings publish', runs.tidings, () => tidingsPublish(url, messages, window)),
      ];
      if (round % 2 === 1) publishSteps.reverse();
      publishSteps.splice(1, 0, publishStep('sequential publish', runs.sequential, () => rawPublishSequential(url, QUEUES.publish.topic, sequentialMessages, body)));
      if (withPika) {
        publishSteps.push(publishStep('pika sequential publish', runs.pika, async () => pikaPublishSequential(url, QUEUES.publish.topic, sequentialMessages)));
      }
      const consumeSteps = [
        consumeStep('raw consume', runs.rawConsume, () => rawConsume(url, QUEUES.consume.queue, messages, window)),
        consumeStep('tidings consume', runs.tidingsConsume, () => tidingsConsume(url, messages, window)),
      ];
      if (round % 2 === 1) consumeSteps.reverse();
      for (const measure of [...publishSteps, ...consumeSteps]) await measure();
      console.log(`  round ${round + 1}/${rounds} done`);
    }

    const rate = (timing: Timing, count: number): number => count / timing.seconds;
    const summary = (timings: Timing[], count: number): { rate: number; cpu: number; runs: string } => ({
      rate: median(timings.map((t) => rate(t, count))),
      cpu: median(timings.map((t) => t.cpuMicros / count)),
      runs: timings.map((t) => Math.round(rate(t, count)).toLocaleString('en-US')).join(' / '),
    });
    const raw = summary(runs.raw, messages);
    const sequentialAmqplib = summary(runs.sequential, sequentialMessages);
    // The one-at-a-time baseline is "the way the Python reference publishes": pika, one
    // confirmation at a time. amqplib doing the same is shown beside it (and used when pika is missing).
    const sequentialPika = withPika ? summary(runs.pika, sequentialMessages) : null;
    const sequential = sequentialPika ?? sequentialAmqplib;
    const tidings = summary(runs.tidings, messages);
    const consumeRaw = summary(runs.rawConsume, messages);
    const consumeTidings = summary(runs.tidingsConsume, messages);
    const ratio = Math.round((tidings.rate / raw.rate) * 100) / 100;
    const ratioSequential = Math.round((tidings.rate / sequential.rate) * 100) / 100;
    const ratioSequentialAmqplib = Math.round((tidings.rate / sequentialAmqplib.rate) * 100) / 100;
    const consumeRatio = Math.round((consumeTidings.rate / consumeRaw.rate) * 100) / 100;
    const row = (what: string, s: { rate: number; cpu: number; runs: string }): Record<string, string | number> => ({
      what,
      'msg/s': Math.round(s.rate),
      'client CPU µs/msg': Math.round(s.cpu),
      runs: s.runs,
    });
    printTable(`publish with confirms (msg/s, median of ${rounds} alternating runs)`, [
      row(`baseline: raw amqplib, ${window} confirms in flight`, raw),
      row('baseline: raw amqplib, one confirm at a time', sequentialAmqplib),
      ...(sequentialPika ? [row('baseline: Python pika, one confirm at a time (the reference)', sequentialPika)] : []),
      row(`tidings: bus.publish, ${window} in flight`, tidings),
      { what: 'ratio tidings / windowed baseline', 'msg/s': ratio.toFixed(2), 'client CPU µs/msg': '', runs: '' },
      { what: `ratio tidings / one at a time (${sequentialPika ? 'pika' : 'amqplib'})`, 'msg/s': ratioSequential.toFixed(2), 'client CPU µs/msg': '', runs: '' },
      { what: 'ratio tidings / one at a time (amqplib)', 'msg/s': ratioSequentialAmqplib.toFixed(2), 'client CPU µs/msg': '', runs: '' },
    ]);
    printTable(`consume with manual acks, prefetch ${window} (msg/s, median of ${rounds} alternating runs)`, [
      row('baseline: raw amqplib consumer, ack each', consumeRaw),
      row('tidings: bus.consume, handler counts', consumeTidings),
      { what: 'ratio tidings / baseline', 'msg/s': consumeRatio.toFixed(2), 'client CPU µs/msg': '', runs: '' },
    ]);

    const latencies: Array<{ what: string; samples: number[] }> = [];
    const latencyStep = (what: string, measure: () => Promise<number[]>): Promise<void> =>
      step(what, async () => {
        await purge(QUEUES.latency.queue);
        latencies.push({ what, samples: await measure() });
      });
    await latencyStep('tidings: bus.publish → bus.consume', () => latency(url, 1000, 5));
    const { queue: latencyQueue, topic: latencyTopic } = QUEUES.latency;
    await latencyStep('baseline: raw amqplib, default socket', () => rawLatency(url, latencyQueue, latencyTopic, 1000, 5, body, false));
    await latencyStep('baseline: raw amqplib, noDelay: true', () => rawLatency(url, latencyQueue, latencyTopic, 1000, 5, body, true));
    const ms = (value: number): number => Math.round(value * 100) / 100;
    printTable('end-to-end latency at 1,000 msg/s for 5 s, prefetch 100 (ms)', latencies.map(({ what, samples }) => ({
      what,
      p50: ms(percentile(samples, 50)),
      p90: ms(percentile(samples, 90)),
      p99: ms(percentile(samples, 99)),
      max: ms(samples.at(-1) ?? 0),
      samples: samples.length,
    })));
    const samples = latencies[0]!.samples;
    const p50 = percentile(samples, 50);
    const p99 = percentile(samples, 99);

    printHeadline({
      bench: 'amqp',
      unit: 'msg/s',
      tidings: Math.round(tidings.rate),
      baseline: Math.round(raw.rate),
      ratio,
      sequential: Math.round(sequential.rate),
      sequential_client: sequentialPika ? 'pika' : 'amqplib',
      ratio_sequential: ratioSequential,
      sequential_amqplib: Math.round(sequentialAmqplib.rate),
      ratio_sequential_amqplib: ratioSequentialAmqplib,
      consume_tidings: Math.round(consumeTidings.rate),
      consume_baseline: Math.round(consumeRaw.rate),
      consume_ratio: consumeRatio,
      p50_ms: ms(p50),
      p99_ms: ms(p99),
      messages,
      window,
    });
  } finally {
    await deleteQueues().catch(() => undefined);
    await adminTask(url, (channel) => channel.deleteExchange(DEAD_LETTER_EXCHANGE)).catch(() => undefined);
  }
}
