/**
 * The embedded broker: durable publish→deliver throughput with 1 KB bodies and pipelined publishes,
 * end-to-end latency at a fixed 1,000 msg/s, and memory with 1,000,000 messages queued.
 * Baseline, measured in the same run: raw better-sqlite3 batched inserts of the same rows
 * (same columns, same pragmas, 500 rows per transaction), with no bus code at all.
 *
 *   npm run bench -- embedded [--messages 200000] [--queued 1000000] [--window 1000] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { connect } from '../src/connect.js';
import type { Bus } from '../src/bus/index.js';
import { percentile, printHeadline, printTable, rssMb, median, bodyOfSize } from './_report.js';

const TOPIC = 'org.example.prod.bench.thing.happened';
/** A body whose JSON is about 1 KB, like a typical build or update message. */
const body = bodyOfSize(1024);

function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `tidings-bench-${label}-`));
}

/** Raw better-sqlite3: the same rows our broker writes, 500 per transaction. */
function baseline(messages: number): number {
  const dir = tempDir('baseline');
  const db = new Database(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE entries (seq INTEGER PRIMARY KEY, queue_id INTEGER NOT NULL, message_id TEXT NOT NULL,
    topic TEXT NOT NULL, exchange TEXT NOT NULL, headers TEXT NOT NULL, body TEXT NOT NULL, priority INTEGER,
    deliveries INTEGER NOT NULL DEFAULT 0, enqueued_at INTEGER NOT NULL)`);
  const insert = db.prepare(
    'INSERT INTO entries (seq, queue_id, message_id, topic, exchange, headers, body, priority, enqueued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const headers = JSON.stringify({ fedora_messaging_schema: 'base.message', fedora_messaging_severity: 20, 'sent-at': new Date().toISOString(), priority: 0 });
  const insertBatch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      insert.run(i + 1, 1, randomUUID(), TOPIC, 'amq.topic', headers, JSON.stringify(body(i)), null, Date.now());
    }
  });
  const started = performance.now();
  for (let i = 0; i < messages; i += 500) insertBatch(i, Math.min(messages, i + 500));
  const seconds = (performance.now() - started) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return messages / seconds;
}

async function withBus<T>(label: string, work: (bus: Bus) => Promise<T>): Promise<T> {
  const dir = tempDir(label);
  const bus = await connect(`embedded:${dir}`);
  try {
    return await work(bus);
  } finally {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Publishes `count` messages keeping `window` publishes awaiting confirmation. */
async function publishPipelined(bus: Bus, count: number, window: number, onProgress?: (sent: number) => void): Promise<void> {
  let next = 0;
  let confirmed = 0;
  await new Promise<void>((resolve, reject) => {
    const sendOne = (): void => {
      const n = next++;
      bus.publish({ topic: TOPIC, body: body(n) }).then(() => {
        confirmed++;
        if (onProgress && confirmed % 100_000 === 0) onProgress(confirmed);
        if (next < count) sendOne();
        else if (confirmed === count) resolve();
      }, reject);
    };
    for (let i = 0; i < Math.min(window, count); i++) sendOne();
  });
}

async function throughput(messages: number, window: number): Promise<{ rate: number; publishRate: number }> {
  return withBus('throughput', async (bus) => {
    let delivered = 0;
    let allDelivered!: () => void;
    const done = new Promise<void>((resolve) => (allDelivered = resolve));
    await bus.consume({ queue: 'bench', bindings: ['org.example.#'], prefetch: 1000 }, () => {
      if (++delivered === messages) allDelivered();
    });
    const started = performance.now();
    await publishPipelined(bus, messages, window);
    const published = performance.now();
    await done;
    const seconds = (performance.now() - started) / 1000;
    return { rate: messages / seconds, publishRate: messages / ((published - started) / 1000) };
  });
}

async function latency(rate: number, seconds: number): Promise<number[]> {
  return withBus('latency', async (bus) => {
    const samples: number[] = [];
    const total = rate * seconds;
    let received = 0;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    await bus.consume({ queue: 'latency', bindings: ['org.example.#'], prefetch: 100 }, (message) => {
      samples.push(performance.now() - (message.body['t'] as number));
      if (++received === total) finished();
    });
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      void bus.publish({ topic: TOPIC, body: body(i, { t: performance.now() }) });
    }
    await done;
    return samples.sort((a, b) => a - b);
  });
}

async function memoryWhileQueued(queued: number, window: number): Promise<Array<{ queued: number; rss: number }>> {
  return withBus('memory', async (bus) => {
    await bus.transport.declareQueue({ name: 'backlog' });
    await bus.transport.bindQueue('backlog', 'amq.topic', 'org.example.#');
    const gc = (globalThis as { gc?: () => void }).gc;
    const points: Array<{ queued: number; rss: number }> = [];
    await publishPipelined(bus, queued, window, (sent) => {
      if (sent === 100_000 || sent === queued || sent % 250_000 === 0) {
        gc?.();
        points.push({ queued: sent, rss: rssMb() });
      }
    });
    await new Promise((resolve) => setImmediate(resolve));
    gc?.();
    if (points.at(-1)?.queued !== queued) points.push({ queued, rss: rssMb() });
    return points;
  });
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      messages: { type: 'string', default: '200000' },
      queued: { type: 'string', default: '1000000' },
      window: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const rounds = Number(values.rounds);
  const messages = Number(values.messages);
  const queued = Number(values.queued);
  const window = Number(values.window);
  console.log(`embedded broker benchmark: ${messages.toLocaleString()} messages of 1 KB, ${window} publishes in flight`);

  // This machine is shared and noisy: alternate baseline and Tidings runs and keep each one's median.
  const baselineRuns: number[] = [];
  const tidingsRuns: number[] = [];
  const publishRuns: number[] = [];
  for (let round = 0; round < rounds; round++) {
    baselineRuns.push(baseline(messages));
    const { rate, publishRate } = await throughput(messages, window);
    tidingsRuns.push(rate);
    publishRuns.push(publishRate);
  }
  const baselineRate = median(baselineRuns);
  const rate = median(tidingsRuns);
  const publishRate = median(publishRuns);
  const runs = (values: number[]): string => values.map((v) => Math.round(v).toLocaleString('en-US')).join(' / ');
  printTable(`durable publish → deliver → ack (msg/s, median of ${rounds} alternating runs)`, [
    { what: 'baseline: raw better-sqlite3 inserts, 500/tx', 'msg/s': Math.round(baselineRate), runs: runs(baselineRuns) },
    { what: 'tidings: publish confirmed, delivered, acked', 'msg/s': Math.round(rate), runs: runs(tidingsRuns) },
    { what: 'tidings: publish side (confirmed)', 'msg/s': Math.round(publishRate), runs: runs(publishRuns) },
    { what: 'ratio tidings / baseline', 'msg/s': Math.round((rate / baselineRate) * 100) / 100, runs: '' },
  ]);

  const samples = await latency(1000, 5);
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  printTable('end-to-end latency at 1,000 msg/s for 5 s (ms)', [
    { p50: Math.round(p50 * 100) / 100, p90: Math.round(percentile(samples, 90) * 100) / 100, p99: Math.round(p99 * 100) / 100, max: Math.round((samples.at(-1) ?? 0) * 100) / 100, samples: samples.length },
  ]);

  const points = await memoryWhileQueued(queued, window);
  printTable(`memory with messages queued and no consumer (RSS, MB${(globalThis as { gc?: unknown }).gc ? ', after GC' : ''})`, points.map((p) => ({ queued: p.queued, 'rss MB': p.rss })));
  const rss1m = points.at(-1)!.rss;

  printHeadline({
    bench: 'embedded',
    unit: 'msg/s',
    tidings: Math.round(rate),
    baseline: Math.round(baselineRate),
    ratio: Math.round((rate / baselineRate) * 100) / 100,
    publish_only: Math.round(publishRate),
    p50_ms: Math.round(p50 * 100) / 100,
    p99_ms: Math.round(p99 * 100) / 100,
    queued,
    rss_mb_1m_queued: rss1m,
    rss_mb_100k_queued: points[0]!.rss,
  });
}
