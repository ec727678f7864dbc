/**
 * The processes of the gateway benchmark, each in its own process so the client side does not
 * share a core with what it measures. Driven over IPC by bench/gateway.ts.
 *   serve DIR      a `tidings serve` (embedded bus, SQLite archive) on a free port
 *   raw            the fan-out baseline: a bare `ws` server broadcasting the same frames, no bus
 *   publisher URL  publishes at a fixed rate through the SDK (connect(url), bus.publish)
 * Every role answers {op:'memory'} with its RSS and heap, and {op:'stop'} by exiting.
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { startServer } from '../src/cli/serve.js';
import { connect } from '../src/connect.js';
import { bodyOfSize } from './_report.js';

const FANOUT_TOPIC = 'org.example.prod.fanout.thing.happened';
/** A body whose JSON is about 256 bytes: a frame of about 700 bytes with headers and derived facts. */
const fanoutBody = bodyOfSize(256);

type Request = { op: 'memory'; gc?: boolean } | { op: 'stop' } | { op: 'publish'; rate: number; seconds: number };

function reply(message: unknown): void {
  process.send!(message);
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Calls `send(n)` `rate` times a second for `seconds`, catching up after a late timer; a sender
 * that cannot keep up (the bare baseline broadcasting in-process) sends fewer, not for longer.
 */
async function paced(rate: number, seconds: number, send: (n: number) => void): Promise<number> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let sent = 0;
  const end = start + seconds * 1000 + 100;
  while (sent < total && performance.now() < end) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (sent < due && performance.now() < end) send(sent++);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return sent;
}

async function serve(dir: string): Promise<(request: Request) => Promise<unknown>> {
  const config = loadConfig({ env: {}, overrides: { serve: { listen: '127.0.0.1:0', data_dir: dir } } });
  const server = await startServer(config, silentLogger());
  reply({ ready: server.url });
  return async (request) => {
    if (request.op === 'stop') await server.close();
    return undefined;
  };
}

async function raw(): Promise<(request: Request) => Promise<unknown>> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: '/api/v1/ws', perMessageDeflate: false });
  const sockets = new Set<WebSocket>();
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.send(JSON.stringify({ type: 'welcome' }));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { id: string };
      socket.send(JSON.stringify({ type: 'subscribed', id: frame.id }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  reply({ ready: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
  return async (request) => {
    if (request.op === 'publish') {
      // The same frame shape and size as the gateway's, serialised once and written to every socket.
      const published = await paced(request.rate, request.seconds, (n) => {
        const message = { id: `raw-${n}`, topic: FANOUT_TOPIC, headers: {}, body: fanoutBody(n, { t: nowMs() }) };
        const frame = Buffer.from(JSON.stringify({ type: 'message', subscription: 's', message }));
        for (const socket of sockets) socket.send(frame, { binary: false });
      });
      return { published };
    }
    if (request.op === 'stop') {
      for (const socket of sockets) socket.terminate();
      await new Promise((resolve) => http.close(resolve));
    }
    return undefined;
  };
}

async function publisher(url: string): Promise<(request: Request) => Promise<unknown>> {
  const bus = await connect(url, { name: 'bench-publisher' });
  reply({ ready: url });
  return async (request) => {
    if (request.op === 'publish') {
      const confirms: Array<Promise<unknown>> = [];
      const published = await paced(request.rate, request.seconds, (n) => {
        confirms.push(bus.publish({ topic: FANOUT_TOPIC, body: fanoutBody(n, { t: nowMs() }) }));
      });
      await Promise.all(confirms);
      return { published };
    }
    if (request.op === 'stop') await bus.close();
    return undefined;
  };
}

const [role, argument] = process.argv.slice(2);
const handle = role === 'serve' ? await serve(argument!) : role === 'raw' ? await raw() : await publisher(argument!);
process.on('message', (request: Request & { rid: number }) => {
  if (request.op === 'memory') {
    if (request.gc) (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    reply({ rid: request.rid, rss: usage.rss, heapUsed: usage.heapUsed });
    return;
  }
  void handle(request).then((result) => {
    reply({ rid: request.rid, result });
    if (request.op === 'stop') process.exit(0);
  });
});
