/**
 * A child process for broker-drop.test.ts: Tidings talks to RabbitMQ through a proxy that cuts the TCP
 * connection the way a crashing broker does (no connection.close, just a closed socket), at the moment
 * Tidings opens its first channel. Run in its own process because a transport that never settles keeps
 * its process alive; the test kills it and reports that instead of hanging the suite.
 *
 *   node --import tsx test/interop/drop-scenario.ts initial|reconnect|timeout AMQP_URL
 *
 * Prints one JSON event per line; like node:test, it reports uncaught exceptions and carries on.
 */
import { randomUUID } from 'node:crypto';
import { createServer, connect as tcp, type Socket } from 'node:net';
import { connect } from '../../src/connect.js';
import { createLogger } from '../../src/log/index.js';

type Policy = 'pass' | 'drop-on-channel-open' | 'refuse';

function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

process.on('uncaughtException', (error) => emit('uncaught', { message: error.message }));

/** Forwards to RabbitMQ; connection number n (from 1) follows policy(n). */
async function startProxy(target: URL, policy: (n: number) => Policy) {
  const open = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    const n = ++connections;
    const mode = policy(n);
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = tcp(Number(target.port || 5672), target.hostname);
    open.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let headerSeen = false;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      if (mode === 'pass') return;
      // Read frames: type(1) channel(2) size(4) payload(size) end(1); a method payload starts with
      // class(2) method(2). channel.open is class 20, method 10.
      pending = Buffer.concat([pending, chunk]);
      if (!headerSeen) {
        if (pending.length < 8) return;
        pending = pending.subarray(8); // "AMQP\0\0\x09\x01"
        headerSeen = true;
      }
      while (pending.length >= 7) {
        const size = pending.readUInt32BE(3);
        if (pending.length < 8 + size) return;
        if (pending[0] === 1 && pending.readUInt16BE(7) === 20 && pending.readUInt16BE(9) === 10) {
          emit('proxy-dropped', { connection: n });
          cut();
          return;
        }
        pending = pending.subarray(8 + size);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    for (const socket of [client, upstream]) {
      socket.on('error', cut);
      socket.on('close', () => {
        open.delete(socket);
        cut();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(target.href);
  proxied.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: proxied.href,
    connections: () => connections,
    /** Cuts every connection now, as a crashed broker would. */
    cutAll: () => [...open].forEach((socket) => socket.destroy()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const [scenario, url] = process.argv.slice(2);
/** TIDINGS_TEST_LOG=debug logs what the transport does, on stderr. */
const level = process.env['TIDINGS_TEST_LOG'];
const logging = level ? { logger: createLogger({ level: level as 'debug', name: 'drop-scenario' }) } : {};
if (!url || !['initial', 'reconnect', 'timeout'].includes(scenario ?? '')) {
  console.error('usage: drop-scenario.ts initial|reconnect|timeout AMQP_URL');
  process.exit(2);
}
const started = Date.now();

if (scenario === 'initial') {
  // Every connection is cut when it opens its first channel: connect() must fail, not hang.
  const proxy = await startProxy(new URL(url), () => 'drop-on-channel-open');
  try {
    const bus = await connect(proxy.url, { name: 'tidings-drop-initial', ...logging });
    emit('connected');
    await bus.close();
  } catch (error) {
    emit('connect-rejected', { code: (error as { code?: unknown }).code, message: (error as Error).message, ms: Date.now() - started });
  }
  await proxy.close();
} else if (scenario === 'timeout') {
  // The broker goes and stays away: a publish gives up after its own timeout, and close() returns.
  const proxy = await startProxy(new URL(url), (n) => (n === 1 ? 'pass' : 'refuse'));
  const bus = await connect(proxy.url, { name: 'tidings-drop-timeout', ...logging });
  proxy.cutAll();
  for (;;) {
    try {
      await bus.publish({ topic: 'org.fedoraproject.test.drop.timeout', body: {} }, { timeout: 1500 });
      emit('published');
      break;
    } catch (error) {
      const { code } = error as { code?: unknown };
      if (code === 'CONNECTION_FAILED') continue; // left on the link being cut; try again
      emit('publish-failed', { code, message: (error as Error).message, ms: Date.now() - started });
      break;
    }
  }
  // Through the transport seam, with a deadline 1.5 s away: its error must say how long it waited.
  const raw = { id: randomUUID(), topic: 'org.fedoraproject.test.drop.timeout', headers: {}, body: '{}' };
  const waitStarted = Date.now();
  await bus.transport.publish(raw, { deadline: waitStarted + 1500 }).then(
    () => emit('transport-published'),
    (error: unknown) =>
      emit('transport-publish-failed', { code: (error as { code?: unknown }).code, message: (error as Error).message, waitedMs: Date.now() - waitStarted }),
  );
  await bus.close();
  emit('closed');
  await proxy.close();
} else {
  // The first connection works; after a cut, the next one is cut again while Tidings restores its
  // queues and consumers; the one after works. Tidings must end up connected and consuming.
  const proxy = await startProxy(new URL(url), (n) => (n === 2 ? 'drop-on-channel-open' : 'pass'));
  const bus = await connect(proxy.url, { name: 'tidings-drop-reconnect', publishTimeoutMs: 15_000, ...logging });
  const topic = `org.fedoraproject.test.drop.${process.pid}.${Date.now()}`;
  let resolveReceived!: (id: string) => void;
  const received = new Promise<string>((resolve) => (resolveReceived = resolve));
  await bus.consume({ queue: '', bindings: [topic] }, (message) => resolveReceived(message.id));
  emit('consuming');
  proxy.cutAll();
  // A publish that left on the connection being cut fails with CONNECTION_FAILED ("may or may not
  // have been stored"): send it again with the same id, as that error says.
  const id = randomUUID();
  for (;;) {
    try {
      await bus.publish({ id, topic, body: { after: 'the drops' } });
      break;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'CONNECTION_FAILED') {
        emit('publish-failed', { code: (error as { code?: unknown }).code, message: (error as Error).message, connections: proxy.connections() });
        process.exit(1);
      }
      emit('publish-retried', { message: (error as Error).message });
    }
  }
  emit('published', { id, ms: Date.now() - started });
  const timer = setTimeout(() => {
    emit('not-received', { connections: proxy.connections() });
    process.exit(1);
  }, 15_000);
  emit('received', { id: await received, connections: proxy.connections(), ms: Date.now() - started });
  clearTimeout(timer);
  await bus.close();
  await proxy.close();
}
emit('done', { ms: Date.now() - started });
// No process.exit: the parent checks that nothing (a timer, a socket) keeps this process alive.
