/**
 * The gateway of `tidings serve`, run in a child process (bench/_gateway-child.ts):
 * (a) publishing over HTTP — POST /api/v1/messages with a bearer token, several keep-alive clients
 *     at once — against the baseline of publishing the same messages through the SDK
 *     (connect(server.url), bus.publish) with as many publishes in flight, in the same run;
 * (b) WebSocket fan-out — 1,000 subscribers on /api/v1/ws, a publisher (its own process, through
 *     the SDK) at 1,000 msg/s for 10 s: messages delivered per second, end-to-end latency
 *     (publisher's clock to subscriber's), clients dropped as too slow, the server's RSS and heap;
 *     baseline: a bare `ws` server broadcasting frames of the same size at the same rate the way
 *     one usually writes it (one `send` per client per message), falling behind if it must.
 *     The subscribers share this process: 1 in 50 is a `ws` client reading each frame's timestamp
 *     (the latency figures), the others count frames from their headers only (_ws-counter.ts), so
 *     that the client side is not what is measured.
 *
 *   npm run bench -- gateway [--clients 16] [--seconds 4] [--rounds 3]
 *                            [--subscribers 1000] [--rate 1000] [--fanout-seconds 10]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { connect } from '../src/connect.js';
import { IdentityStore, openDatabase } from '../src/store/index.js';
import { percentile, printHeadline, printTable, median, bodyOfSize } from './_report.js';
import { FrameCounter } from './_ws-counter.js';

const PUBLISH_TOPIC = 'org.example.prod.bench.gateway.published';
const publishBody = bodyOfSize(512);
const CHILD = fileURLToPath(new URL('./_gateway-child.ts', import.meta.url));

/** A child process of the benchmark, spoken to over IPC. */
class Child {
  private nextRid = 1;
  private readonly waiting = new Map<number, (result: unknown) => void>();
  readonly url: Promise<string>;

  constructor(private readonly proc: ChildProcess) {
    this.url = new Promise((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`a benchmark process exited early (${code})`)));
      proc.on('message', (message: { ready?: string; rid?: number; result?: unknown; rss?: number; heapUsed?: number }) => {
        if (message.ready) resolve(message.ready);
        else if (message.rid) this.waiting.get(message.rid)?.(message.result ?? message);
      });
    });
  }

  static start(role: string, argument = ''): Child {
    const child = new Child(fork(CHILD, [role, argument], { execArgv: ['--import', 'tsx', '--expose-gc', ...(role === 'serve' && process.env['BENCH_SERVE_NODE_OPTIONS'] ? process.env['BENCH_SERVE_NODE_OPTIONS'].split(' ') : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    Child.running.add(child.proc);
    child.proc.once('exit', () => Child.running.delete(child.proc));
    return child;
  }

  /** The children still running: killed if the benchmark fails half-way, so none is left behind. */
  static readonly running = new Set<ChildProcess>();

  ask<T>(request: Record<string, unknown>): Promise<T> {
    const rid = this.nextRid++;
    return new Promise((resolve) => {
      this.waiting.set(rid, (result) => resolve(result as T));
      this.proc.send({ ...request, rid });
    });
  }

  /** RSS and heap; after a full GC when `gc` (the process runs with --expose-gc). */
  memory(gc = false): Promise<{ rss: number; heapUsed: number }> {
    return this.ask({ op: 'memory', gc });
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    await this.ask({ op: 'stop' });
    await exited;
  }
}

interface Run {
  readonly rate: number;
  readonly latencies: number[];
}

/** `clients` loops for `seconds`, each awaiting one `send()` at a time. */
async function closedLoop(clients: number, seconds: number, send: () => Promise<void>): Promise<Run> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const sent = performance.now();
        await send();
        latencies.push(performance.now() - sent);
      }
    }),
  );
  return { rate: latencies.length / ((performance.now() - started) / 1000), latencies: latencies.sort((a, b) => a - b) };
}

function httpPublisher(base: string, token: string, clients: number): { send(): Promise<void>; close(): void } {
  const url = new URL('/api/v1/messages', base);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  let n = 0;
  return {
    send: () =>
      new Promise((resolve, reject) => {
        const payload = JSON.stringify({ topic: PUBLISH_TOPIC, body: publishBody(n++) });
        const req = httpRequest(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${token}` } },
          (response) => {
            response.resume();
            response.once('end', () => (response.statusCode === 202 ? resolve() : reject(new Error(`POST answered ${response.statusCode}`))));
          },
        );
        req.once('error', reject);
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
}

async function publishing(url: string, dir: string, clients: number, seconds: number, rounds: number): Promise<{ http: Run[]; sdk: Run[] }> {
  const database = await openDatabase({ dataDir: dir });
  const { token } = await new IdentityStore(database).create('bench', { topics: ['org.example.prod.bench.#'], ratePerMinute: 100_000_000 });
  await database.close();
  const http = httpPublisher(url, token, clients);
  const bus = await connect(url, { name: 'bench-sdk' });
  let n = 0;
  const sdkSend = async (): Promise<void> => void (await bus.publish({ topic: PUBLISH_TOPIC, body: publishBody(n++) }));
  // Warm both paths (token check cache, JIT), then alternate: this machine is shared and noisy.
  await closedLoop(clients, 0.5, http.send);
  await closedLoop(clients, 0.5, sdkSend);
  const runs = { http: [] as Run[], sdk: [] as Run[] };
  for (let round = 0; round < rounds; round++) {
    runs.http.push(await closedLoop(clients, seconds, http.send));
    runs.sdk.push(await closedLoop(clients, seconds, sdkSend));
  }
  http.close();
  await bus.close();
  return runs;
}

/** Latencies in 0.1 ms buckets up to 60 s: a million frames a second cannot each be kept. */
class Histogram {
  private readonly buckets = new Uint32Array(600_000);
  count = 0;

  add(ms: number): void {
    this.buckets[Math.min(this.buckets.length - 1, Math.max(0, Math.round(ms * 10)))]!++;
    this.count++;
  }

  percentile(p: number): number {
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i / 10;
    }
    return NaN;
  }
}

interface FanOut {
  readonly published: number;
  readonly delivered: number;
  readonly seconds: number;
  readonly histogram: Histogram;
  readonly dropped: number;
  readonly memory: { idleRss: number; idleHeap: number; peakRss: number; peakHeap: number };
}

const SUB = JSON.stringify({ op: 'subscribe', id: 's', topic: 'org.example.prod.fanout.#' });
/** One subscriber in this many reads every frame's timestamp (with the `ws` client); the rest only count frames. */
const SAMPLE_EVERY = 50;

interface Subscribers {
  delivered(): number;
  dropped(): number;
  close(): void;
}

/** A `ws` client that reads the publisher's timestamp from each frame, without parsing the rest. */
function timedSubscriber(wsUrl: string, histogram: Histogram): Promise<{ socket: WebSocket; delivered: () => number; closeCode: () => number | null }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
    let delivered = 0;
    let closeCode: number | null = null;
    const handle = { socket, delivered: () => delivered, closeCode: () => closeCode };
    socket.once('error', reject);
    socket.on('message', (data: Buffer) => {
      const at = data.indexOf('"t":');
      if (at === -1) {
        if (data.includes('"subscribed"')) resolve(handle);
        return;
      }
      let end = at + 4;
      while (data[end] !== 0x2c && data[end] !== 0x7d) end++;
      histogram.add(performance.timeOrigin + performance.now() - Number(data.toString('latin1', at + 4, end)));
      delivered++;
    });
    socket.once('close', (code) => (closeCode = code));
    socket.once('open', () => socket.send(SUB));
  });
}

async function subscribers(url: string, count: number, histogram: Histogram): Promise<Subscribers> {
  const wsUrl = `${url.replace(/^http/, 'ws')}/api/v1/ws`;
  const timed: Array<Awaited<ReturnType<typeof timedSubscriber>>> = [];
  const counters: FrameCounter[] = [];
  const open = async (i: number): Promise<void> => {
    if (i % SAMPLE_EVERY === 0) timed.push(await timedSubscriber(wsUrl, histogram));
    else counters.push(await FrameCounter.open(wsUrl, SUB));
  };
  for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => open(i + j)));
  return {
    delivered: () => timed.reduce((sum, t) => sum + t.delivered(), 0) + counters.reduce((sum, c) => sum + c.messages, 0),
    dropped: () => timed.filter((t) => t.closeCode() === 4008).length + counters.filter((c) => c.closeCode === 4008).length,
    close: () => {
      for (const t of timed) t.socket.terminate();
      for (const c of counters) c.close();
    },
  };
}

async function fanOut(server: Child, url: string, publisher: Child, count: number, rate: number, seconds: number): Promise<FanOut> {
  const histogram = new Histogram();
  const clients = await subscribers(url, count, histogram);
  const idle = await server.memory(true);
  let peakRss = idle.rss;
  let peakHeap = idle.heapUsed;
  const sampler = setInterval(() => {
    void server.memory().then((usage) => {
      peakRss = Math.max(peakRss, usage.rss);
      peakHeap = Math.max(peakHeap, usage.heapUsed);
    });
  }, 500);
  const started = performance.now();
  const { published } = await publisher.ask<{ published: number }>({ op: 'publish', rate, seconds });
  // Let what is in flight arrive (at most 5 s more): the rate is over the whole time it took.
  const deadline = performance.now() + 5_000;
  while (clients.delivered() < (count - clients.dropped()) * published && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const result = { published, delivered: clients.delivered(), seconds: elapsed, histogram, dropped: clients.dropped(), memory: { idleRss: idle.rss, idleHeap: idle.heapUsed, peakRss, peakHeap } };
  clients.close();
  return result;
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;
const ms = (value: number): number => Math.round(value * 100) / 100;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '4' },
      rounds: { type: 'string', default: '3' },
      subscribers: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '1000' },
      'fanout-seconds': { type: 'string', default: '10' },
    },
  });
  const clients = Number(values.clients);
  const subscriberCount = Number(values.subscribers);
  const rate = Number(values.rate);
  const fanoutSeconds = Number(values['fanout-seconds']);
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-gateway-'));
  const server = Child.start('serve', dir);
  try {
    const url = await server.url;
    console.log(`gateway benchmark: tidings serve at ${url} (embedded bus, SQLite archive), ${clients} publishing clients`);

    const runs = await publishing(url, dir, clients, Number(values.seconds), Number(values.rounds));
    const row = (what: string, list: Run[]): Record<string, string | number> => {
      const best = list.reduce((a, b) => (a.rate >= b.rate ? a : b));
      return {
        what,
        'msg/s': Math.round(median(list.map((r) => r.rate))),
        'p50 ms': ms(percentile(best.latencies, 50)),
        'p99 ms': ms(percentile(best.latencies, 99)),
        runs: list.map((r) => Math.round(r.rate).toLocaleString('en-US')).join(' / '),
      };
    };
    const httpRow = row(`HTTP POST /api/v1/messages, token, keep-alive, ${clients} clients`, runs.http);
    const sdkRow = row(`baseline: SDK bus.publish over the hub, ${clients} in flight`, runs.sdk);
    const httpRate = httpRow['msg/s'] as number;
    const sdkRate = sdkRow['msg/s'] as number;
    printTable(`confirmed publish, ~512-byte bodies (median of ${values.rounds} alternating ${values.seconds} s runs; latency of the faster run)`, [
      httpRow,
      sdkRow,
      { what: 'ratio HTTP / SDK', 'msg/s': ms(httpRate / sdkRate), 'p50 ms': '', 'p99 ms': '', runs: '' },
    ]);

    const publisher = Child.start('publisher', url);
    await publisher.url;
    const tidings = await fanOut(server, url, publisher, subscriberCount, rate, fanoutSeconds);
    await publisher.stop();
    await server.stop();

    const raw = Child.start('raw');
    const rawUrl = await raw.url;
    const baseline = await fanOut(raw, rawUrl, raw, subscriberCount, rate, fanoutSeconds);
    await raw.stop();

    const fanRow = (what: string, result: FanOut): Record<string, string | number> => ({
      what,
      published: result.published,
      delivered: result.delivered,
      'delivered/s': Math.round(result.delivered / result.seconds),
      // Of what 1,000 subscribers × rate × seconds would be: a sender that falls behind publishes less.
      'of target': `${Math.round((result.delivered / (rate * fanoutSeconds * subscriberCount)) * 1000) / 10}%`,
      'p50 ms': ms(result.histogram.percentile(50)),
      'p99 ms': ms(result.histogram.percentile(99)),
      dropped: result.dropped,
      'RSS idle MB': mb(result.memory.idleRss),
      'RSS peak MB': mb(result.memory.peakRss),
      'heap idle MB': mb(result.memory.idleHeap),
      'heap peak MB': mb(result.memory.peakHeap),
    });
    printTable(`WebSocket fan-out: ${subscriberCount.toLocaleString('en-US')} subscribers, ${rate.toLocaleString('en-US')} msg/s for ${fanoutSeconds} s (end-to-end latency; server memory: idle = subscribers connected, after GC)`, [
      fanRow('tidings: publisher → bus → /api/v1/ws', tidings),
      fanRow('baseline: bare ws server broadcasting', baseline),
    ]);

    printHeadline({
      bench: 'gateway',
      unit: 'msg/s',
      tidings: httpRate,
      baseline: sdkRate,
      ratio: ms(httpRate / sdkRate),
      http_p99_ms: httpRow['p99 ms'] as number,
      sdk_p99_ms: sdkRow['p99 ms'] as number,
      fanout_subscribers: subscriberCount,
      fanout_delivered_per_s: Math.round(tidings.delivered / tidings.seconds),
      fanout_expected_per_s: rate * subscriberCount,
      fanout_p99_ms: ms(tidings.histogram.percentile(99)),
      fanout_dropped: tidings.dropped,
      fanout_baseline_delivered_per_s: Math.round(baseline.delivered / baseline.seconds),
      fanout_baseline_p99_ms: ms(baseline.histogram.percentile(99)),
      server_rss_peak_mb: mb(tidings.memory.peakRss),
      server_heap_peak_mb: mb(tidings.memory.peakHeap),
    });
  } finally {
    for (const proc of Child.running) proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
