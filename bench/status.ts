/**
 * The operators' view: time to build the full status (snapshot + worst-first report) with 1,000
 * queues and 200 connections, on the embedded broker and on the real RabbitMQ, against the broker's
 * own API for the same data in the same run — the embedded broker's in-process listing of its queues
 * and connections, RabbitMQ's management API calls an operator's script would make (queues,
 * connections, channels, consumers, bindings, exchanges, overview, nodes), fetched concurrently and
 * parsed. Then the cost of the embedded broker's statistics (per-binding match counts, activity
 * times) on publish throughput: the same publishes with statistics on and off, rounds alternating.
 *
 *   npm run bench -- status [--queues 1000] [--connections 200] [--rounds 7] [--publishes 50000] [--skip-rabbitmq]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import amqplib from 'amqplib';
import { EmbeddedBroker, EmbeddedConnection } from '../src/transports/embedded/index.js';
import { EmbeddedManagementSource, RabbitManagementSource, buildStatus, type ManagementSource } from '../src/manage/index.js';
import { median, printTable } from './_report.js';

const VHOST = 'tidings-bench-status';
const MANAGEMENT = 'http://127.0.0.1:15672';
const AUTH = `Basic ${Buffer.from('guest:guest').toString('base64')}`;

interface Sizes {
  readonly queues: number;
  readonly connections: number;
  readonly rounds: number;
}

interface Row {
  readonly broker: string;
  readonly statusMs: number;
  readonly baselineMs: number;
  readonly queuesSeen: number;
  readonly connectionsSeen: number;
}

async function timed(rounds: number, work: () => Promise<unknown>): Promise<number> {
  await work(); // warm: caches, JIT, the management plugin's first aggregation
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

async function statusOf(source: ManagementSource): Promise<{ queues: number; connections: number }> {
  const report = buildStatus(await source.snapshot(), []);
  return { queues: report.queues.length, connections: report.connections.length };
}

// ---- embedded ------------------------------------------------------------------------------

async function embeddedRow(sizes: Sizes): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-status-'));
  const broker = new EmbeddedBroker({ dataDir: dir, durability: 'normal' });
  try {
    const connections = Array.from({ length: sizes.connections }, (_, i) => new EmbeddedConnection(broker, { name: `service-${i % 40}`, address: `bench-${i}` }));
    for (let q = 0; q < sizes.queues; q++) {
      const owner = connections[q % connections.length]!;
      await owner.declareQueue({ name: `bench.queue.${q}` });
      await owner.bindQueue(`bench.queue.${q}`, 'amq.topic', `bench.${q % 50}.#`);
      // Half the queues have a consumer, as on a real bus where some wait for a service to come back.
      if (q % 2 === 0) await owner.consume({ queue: `bench.queue.${q}`, prefetch: 10 }, () => undefined);
    }
    await broker.publish({ id: 'x', topic: 'bench.1.thing', headers: {}, body: '{}' }, { exchange: 'amq.topic' });
    const source = new EmbeddedManagementSource(broker);
    let seen = { queues: 0, connections: 0 };
    const statusMs = await timed(sizes.rounds, async () => (seen = await statusOf(source)));
    // The broker's own listing of the same objects, nothing mapped or sorted.
    const baselineMs = await timed(sizes.rounds, async () => {
      const raw: unknown[] = [];
      for (const queue of broker.allQueues()) raw.push([queue.name, queue.readyCount, queue.unackedCount, queue.consumers.length, { ...queue.counters }]);
      for (const connection of broker.connections.list()) raw.push([connection.name, connection.identity, connection.consumers().length]);
      return raw;
    });
    for (const connection of connections) await connection.close();
    return { broker: 'embedded', statusMs, baselineMs, queuesSeen: seen.queues, connectionsSeen: seen.connections };
  } finally {
    broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- RabbitMQ ------------------------------------------------------------------------------

function rabbitmqctl(...args: string[]): void {
  const result = spawnSync('rabbitmqctl', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

async function managementGet(path: string): Promise<unknown> {
  const response = await fetch(`${MANAGEMENT}${path}`, { headers: { authorization: AUTH } });
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
  return response.json();
}

async function rabbitRow(sizes: Sizes): Promise<Row> {
  rabbitmqctl('add_vhost', VHOST);
  rabbitmqctl('set_permissions', '-p', VHOST, 'guest', '.*', '.*', '.*');
  const url = `amqp://guest:guest@127.0.0.1:5672/${VHOST}`;
  const connections: amqplib.ChannelModel[] = [];
  try {
    process.stderr.write(`status bench: ${sizes.connections} AMQP connections, ${sizes.queues} queues on RabbitMQ (vhost ${VHOST})…\n`);
    for (let i = 0; i < sizes.connections; i++) {
      connections.push(await amqplib.connect(url, { clientProperties: { connection_name: `service-${i % 40}`, service: `service-${i % 40}`, host: 'bench', pid: 1000 + i } }));
    }
    const channels = await Promise.all(connections.map((connection) => connection.createChannel()));
    for (let q = 0; q < sizes.queues; q++) {
      const channel = channels[q % channels.length]!;
      await channel.assertQueue(`bench.queue.${q}`, { durable: true });
      await channel.bindQueue(`bench.queue.${q}`, 'amq.topic', `bench.${q % 50}.#`);
      if (q % 2 === 0) await channel.consume(`bench.queue.${q}`, () => undefined);
      if ((q + 1) % 250 === 0) process.stderr.write(`  ${q + 1} queues\n`);
    }
    const source = new RabbitManagementSource({ amqpUrl: url });
    // The management plugin lists a new object once it has collected its statistics (every ~5 s).
    const deadline = Date.now() + 60_000;
    let seen = await statusOf(source);
    while ((seen.queues < sizes.queues || seen.connections < sizes.connections) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      seen = await statusOf(source);
    }
    const statusMs = await timed(sizes.rounds, async () => (seen = await statusOf(source)));
    const vhost = encodeURIComponent(VHOST);
    const baselineMs = await timed(sizes.rounds, () =>
      Promise.all(
        ['/api/overview', '/api/nodes', `/api/exchanges/${vhost}`, `/api/bindings/${vhost}`, `/api/queues/${vhost}`, `/api/consumers/${vhost}`, `/api/vhosts/${vhost}/channels`, `/api/vhosts/${vhost}/connections`].map(managementGet),
      ),
    );
    await source.close();
    return { broker: 'RabbitMQ', statusMs, baselineMs, queuesSeen: seen.queues, connectionsSeen: seen.connections };
  } finally {
    await Promise.all(connections.map((connection) => connection.close().catch(() => undefined)));
    rabbitmqctl('delete_vhost', VHOST);
  }
}

// ---- statistics overhead on embedded publish throughput ------------------------------------

async function publishRate(statistics: boolean, publishes: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-stats-'));
  const broker = new EmbeddedBroker({ dataDir: dir, durability: 'normal', statistics });
  try {
    const connection = new EmbeddedConnection(broker, { name: 'bench' });
    // Three queues with two bindings each that all match: every publish counts six binding matches.
    for (let q = 0; q < 3; q++) {
      await connection.declareQueue({ name: `stats.${q}` });
      await connection.bindQueue(`stats.${q}`, 'amq.topic', 'bench.#');
      await connection.bindQueue(`stats.${q}`, 'amq.topic', '*.thing.*');
      await connection.consume({ queue: `stats.${q}`, prefetch: 0 }, (delivery) => delivery.ack());
    }
    const body = JSON.stringify({ payload: 'x'.repeat(200) });
    const started = performance.now();
    const window: Promise<void>[] = [];
    for (let i = 0; i < publishes; i++) {
      window.push(connection.publish({ id: `m${i}`, topic: 'bench.thing.happened', headers: {}, body }, { exchange: 'amq.topic' }));
      if (window.length >= 1000) await Promise.all(window.splice(0));
    }
    await Promise.all(window);
    const rate = publishes / ((performance.now() - started) / 1000);
    await connection.close();
    return rate;
  } finally {
    broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      queues: { type: 'string', default: '1000' },
      connections: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '7' },
      publishes: { type: 'string', default: '50000' },
      'skip-rabbitmq': { type: 'boolean', default: false },
    },
  });
  const sizes: Sizes = { queues: Number(values.queues), connections: Number(values.connections), rounds: Number(values.rounds) };
  const rows = [await embeddedRow(sizes)];
  if (!values['skip-rabbitmq']) rows.push(await rabbitRow(sizes));
  printTable(
    `full status with ${sizes.queues.toLocaleString('en-US')} queues and ${sizes.connections} connections (median of ${sizes.rounds}, ms)`,
    rows.map((row) => ({
      broker: row.broker,
      'tidings status ms': Math.round(row.statusMs * 10) / 10,
      "broker's own API ms": Math.round(row.baselineMs * 10) / 10,
      'status ÷ API': Math.round((row.statusMs / row.baselineMs) * 100) / 100,
      'queues seen': row.queuesSeen,
      'connections seen': row.connectionsSeen,
    })),
  );

  const publishes = Number(values.publishes);
  const on: number[] = [];
  const off: number[] = [];
  for (let round = 0; round < Math.max(3, Math.ceil(sizes.rounds / 2)); round++) {
    // Alternating which goes first, so that warm-up and drift hit both alike.
    if (round % 2 === 0) {
      on.push(await publishRate(true, publishes));
      off.push(await publishRate(false, publishes));
    } else {
      off.push(await publishRate(false, publishes));
      on.push(await publishRate(true, publishes));
    }
  }
  const withStats = median(on);
  const withoutStats = median(off);
  printTable(`embedded publish → 3 queues (6 matching bindings), ${publishes.toLocaleString('en-US')} publishes, median of ${on.length} rounds`, [
    { statistics: 'on', 'msg/s': Math.round(withStats) },
    { statistics: 'off', 'msg/s': Math.round(withoutStats) },
  ]);

  const rabbit = rows.find((row) => row.broker === 'RabbitMQ');
  const embedded = rows[0]!;
  const headline = rabbit ?? embedded;
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'status',
      unit: 'ms',
      queues: sizes.queues,
      connections: sizes.connections,
      status_ms: round2(headline.statusMs),
      baseline_ms: round2(headline.baselineMs),
      status_broker: headline.broker,
      status_ms_embedded: round2(embedded.statusMs),
      baseline_ms_embedded: round2(embedded.baselineMs),
      ...(rabbit ? { status_ms_rabbitmq: round2(rabbit.statusMs), baseline_ms_rabbitmq: round2(rabbit.baselineMs) } : {}),
      publish_per_s_stats_on: Math.round(withStats),
      publish_per_s_stats_off: Math.round(withoutStats),
      stats_overhead: round2(withStats / withoutStats),
    }),
  );
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
