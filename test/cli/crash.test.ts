/**
 * The crash test: `tidings serve` is killed with SIGKILL while publishers pipeline messages and while
 * a consumer holds unacknowledged ones. After a restart on the same data directory, every publish
 * that had been confirmed is delivered, and every unacknowledged message comes back.
 */
import { describe, test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONNECT_MODULE,
  cleanup,
  killAll,
  makeTempDir,
  runTidings,
  spawnNode,
  spawnTidings,
  startConsuming,
  startServe,
  type Proc,
} from '../helpers/processes.js';

/** Declares a durable queue and its binding, then disconnects. */
const DECLARE = `
import { connect } from '${CONNECT_MODULE}';
const [url, queue, pattern] = process.argv.slice(2);
const bus = await connect(url, { name: 'e2e-declare' });
await bus.transport.declareQueue({ name: queue, durable: true });
await bus.transport.bindQueue(queue, 'amq.topic', pattern);
await bus.close();
`;

/**
 * Connects, says "ready" on stderr and waits for a line on stdin; then publishes ids NAME-0, NAME-1…
 * on crash.NAME with WINDOW publishes in flight, printing each id only once its publish resolved.
 * Declares nothing. Exits 1 on the first failure.
 */
const PUBLISHER = `
import { once } from 'node:events';
import { connect } from '${CONNECT_MODULE}';
const [url, name, count, window] = process.argv.slice(2);
const bus = await connect(url, { name });
process.stderr.write('ready\\n');
await once(process.stdin, 'data');
const inFlight = new Set();
let failure;
for (let n = 0; n < Number(count) && !failure; n++) {
  const id = name + '-' + n;
  const sending = bus
    .publish({ topic: 'crash.' + name, id, body: { n } })
    .then(() => void process.stdout.write(id + '\\n'), (error) => void (failure ??= error))
    .finally(() => inFlight.delete(sending));
  inFlight.add(sending);
  if (inFlight.size >= Number(window)) await Promise.race(inFlight);
}
await Promise.all(inFlight);
if (failure) {
  process.stderr.write('publish failed: [' + failure.code + '] ' + failure.message + '\\n');
  process.exit(1);
}
await bus.close();
`;

/** Consumes an existing queue, acking everything, printing "<id> <redelivered>" per delivery. */
const CONSUMER = `
import { connect } from '${CONNECT_MODULE}';
const [url, queue] = process.argv.slice(2);
const bus = await connect(url, { name: 'e2e-drain' });
await bus.consume({ queue, prefetch: 100 }, (message) => void process.stdout.write(message.id + ' ' + message.redelivered + '\\n'));
process.stderr.write('consuming\\n');
`;

/** A consume callback that prints each id and never returns for messages whose body says hang. */
const HANGING_CALLBACK = `
export default function (message) {
  process.stdout.write(message.id + '\\n');
  if (message.body.hang) return new Promise(() => {});
}
`;

const PUBLISHERS = ['p0', 'p1'];
const MESSAGES_EACH = 20_000;
const WINDOW = 100;
const CONFIRMED_BEFORE_KILL = 500;
const CLI_WINDOW = 256; // src/cli/publish.ts

function script(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Starts a consumer of `queue` and waits until it is attached. */
async function drain(dir: string, url: string, queue: string): Promise<Proc> {
  const consumer = spawnNode(script(dir, 'drain.mjs', CONSUMER), [url, queue], { name: `drain ${queue}` });
  await consumer.waitForLine(/^consuming$/, { stream: 'stderr' });
  return consumer;
}

function received(consumer: Proc): Array<{ id: string; redelivered: boolean }> {
  return consumer.lines().map((line) => {
    const [id, redelivered] = line.split(' ');
    return { id: id!, redelivered: redelivered === 'true' };
  });
}

describe('tidings serve killed with SIGKILL loses nothing it confirmed', { timeout: 100_000 }, () => {
  afterEach(() => killAll());
  after(cleanup);

  test('every confirmed publish is delivered after a restart; publishers fail instead of hanging', async (t) => {
    const dir = makeTempDir();
    const dataDir = join(dir, 'data');
    const server = await startServe(dataDir);
    const declared = spawnNode(script(dir, 'declare.mjs', DECLARE), [server.url, 'crash-q', 'crash.#'], { name: 'declare crash-q' });
    assert.equal((await declared.waitForExit()).code, 0, declared.stderr);

    const publisherScript = script(dir, 'publisher.mjs', PUBLISHER);
    const publishers = PUBLISHERS.map((name) =>
      spawnNode(publisherScript, [server.url, name, String(MESSAGES_EACH), String(WINDOW)], { name: `publisher ${name}` }),
    );
    // The CLI as a third publisher: JSON Lines on stdin, "<id> <topic>" printed once confirmed.
    const cli = spawnTidings(['publish', '-'], { env: { TIDINGS_URL: server.url }, name: 'tidings publish -' });
    cli.child.stdin!.on('error', () => undefined); // it stops reading when the bus goes away
    cli.child.stdin!.end(
      Array.from({ length: MESSAGES_EACH }, (_, n) => JSON.stringify({ topic: 'crash.cli', id: `cli-${n}`, body: { n } })).join('\n'),
    );
    // The scripts start publishing once the CLI (slower to start) is publishing too, so that all
    // three are in full flight, and none is done, when serve is killed.
    await Promise.all(publishers.map((proc) => proc.waitForLine(/^ready$/, { stream: 'stderr' })));
    await cli.waitFor(() => (cli.stdoutLineCount > 0 ? true : undefined), 'its first confirmed publish');
    for (const proc of publishers) proc.child.stdin!.write('go\n');
    const all = [...publishers, cli];
    await Promise.all(
      all.map((proc) =>
        proc.waitFor(() => (proc.stdoutLineCount >= CONFIRMED_BEFORE_KILL ? true : undefined), `${CONFIRMED_BEFORE_KILL} confirmed ids`, 30_000),
      ),
    );
    server.proc.kill('SIGKILL');
    assert.equal((await server.proc.waitForExit()).signal, 'SIGKILL');

    // Publishers notice the lost connection and fail; none hangs, none finished before the kill.
    for (const proc of publishers) {
      const exit = await proc.waitForExit(15_000);
      assert.equal(exit.code, 1, proc.describe());
      assert.match(proc.stderr, /publish failed: \[CONNECTION_FAILED\] the connection to tidings serve at .* was lost/);
    }
    const cliExit = await cli.waitForExit(15_000);
    assert.equal(cliExit.code, 14, cli.describe());
    assert.match(cli.stderr, /was lost/);

    const confirmed = new Map<string, Set<string>>();
    for (const name of PUBLISHERS) confirmed.set(name, new Set(publishers[PUBLISHERS.indexOf(name)]!.lines()));
    confirmed.set('cli', new Set(cli.lines().map((line) => line.split(' ')[0]!)));
    const counts = [...confirmed].map(([name, ids]) => `${name}=${ids.size}`).join(' ');

    const restarted = await startServe(dataDir, { port: server.port });
    const consumer = await drain(dir, restarted.url, 'crash-q');
    const sentinel = await runTidings(['publish', '--topic', 'crash.sentinel', '--body', '{}'], { env: { TIDINGS_URL: restarted.url } });
    assert.equal(sentinel.code, 0, sentinel.stderr);
    const sentinelId = sentinel.lines[0]!.split(' ')[0]!;

    const expected = new Set([...confirmed.values()].flatMap((ids) => [...ids]));
    await consumer.waitFor(
      () => {
        const seen = new Set(received(consumer).map((delivery) => delivery.id));
        return seen.has(sentinelId) && [...expected].every((id) => seen.has(id)) ? true : undefined;
      },
      `all ${expected.size} confirmed ids and the sentinel`,
      60_000,
    ).catch((error: Error) => {
      const seen = new Set(received(consumer).map((delivery) => delivery.id));
      const missing = [...expected].filter((id) => !seen.has(id));
      throw new Error(`${missing.length} confirmed ids never arrived (e.g. ${missing.slice(0, 5).join(', ')}); confirmed ${counts}\n${error.message}`);
    });

    // Nothing unexpected: only ids a publisher had sent (at most its window beyond what it saw
    // confirmed), and a repeated id only as a redelivery.
    const deliveries = received(consumer);
    const firstSeen = new Set<string>();
    let unconfirmed = 0;
    for (const { id, redelivered } of deliveries) {
      if (id === sentinelId) continue;
      const match = /^(p0|p1|cli)-(\d+)$/.exec(id);
      assert.ok(match, `unexpected message ${id}`);
      const bound = confirmed.get(match[1]!)!.size + (match[1] === 'cli' ? CLI_WINDOW : WINDOW);
      assert.ok(Number(match[2]) < bound, `${id} was never sent (the publisher had ${confirmed.get(match[1]!)!.size} confirmed)`);
      if (firstSeen.has(id)) assert.ok(redelivered, `${id} arrived twice without being a redelivery`);
      else if (!expected.has(id)) unconfirmed++;
      firstSeen.add(id);
    }
    t.diagnostic(`confirmed before the kill: ${counts} (total ${expected.size})`);
    t.diagnostic(
      `delivered after the restart: ${firstSeen.size} distinct (${unconfirmed} published but unconfirmed), ` +
        `${deliveries.length - 1 - firstSeen.size} duplicates, all ${expected.size} confirmed present`,
    );
  });

  test('messages a consumer held unacknowledged are redelivered to a new consumer after a restart', async (t) => {
    const dir = makeTempDir();
    const dataDir = join(dir, 'data');
    const server = await startServe(dataDir);
    const env = { TIDINGS_URL: server.url };
    const callback = script(dir, 'hang.mjs', HANGING_CALLBACK);
    const holder = await startConsuming(
      ['consume', '--queue-name', 'held-q', '--routing-key', 'held.#', '--prefetch', '5', '--concurrency', '5', '--callback', callback],
      { env },
    );
    const input = [
      ...Array.from({ length: 5 }, (_, n) => ({ topic: 'held.hang', id: `held-${n}`, body: { hang: true } })),
      ...Array.from({ length: 3 }, (_, n) => ({ topic: 'held.waiting', id: `waiting-${n}`, body: {} })),
    ];
    const published = await runTidings(['publish', '-'], { env, input: input.map((message) => JSON.stringify(message)).join('\n') });
    assert.equal(published.code, 0, published.stderr);
    // The five handlers run and never return: five unacked messages, the other three wait in the queue.
    const holding = await holder.waitForLines(5);
    assert.deepEqual([...holding].sort(), ['held-0', 'held-1', 'held-2', 'held-3', 'held-4']);

    server.proc.kill('SIGKILL');
    await server.proc.waitForExit();
    const restarted = await startServe(dataDir, { port: server.port });
    const consumer = await drain(dir, restarted.url, 'held-q');
    const ids = input.map((message) => message.id);
    await consumer.waitFor(
      () => (ids.every((id) => received(consumer).some((delivery) => delivery.id === id)) ? true : undefined),
      `all of ${ids.join(', ')}`,
      20_000,
    );
    const deliveries = received(consumer);
    assert.deepEqual([...new Set(deliveries.map((delivery) => delivery.id))].sort(), [...ids].sort());
    t.diagnostic(`after the restart: ${deliveries.map((delivery) => `${delivery.id}${delivery.redelivered ? ' (redelivered)' : ''}`).join(', ')}`);
  });

  test('tidings consume exits 14 when serve dies, also while a handler is still running', async () => {
    const dir = makeTempDir();
    const server = await startServe(join(dir, 'data'));
    const env = { TIDINGS_URL: server.url };
    const callback = script(dir, 'hang.mjs', HANGING_CALLBACK);
    const consumeArgs = (queue: string): string[] => ['consume', '--queue-name', queue, '--routing-key', `${queue}.#`, '--callback', callback];
    const idle = await startConsuming(consumeArgs('idle'), { env });
    const busy = await startConsuming(consumeArgs('busy'), { env });
    const published = await runTidings(['publish', '--topic', 'busy.x', '--body', '{"hang": true}'], { env });
    assert.equal(published.code, 0, published.stderr);
    await busy.waitForLines(1);

    server.proc.kill('SIGKILL');
    for (const consumer of [idle, busy]) {
      const exit = await consumer.waitForExit(15_000);
      assert.equal(exit.code, 14, `${consumer.name}: a lost connection is exit 14, not a success\n${consumer.describe()}`);
      assert.match(consumer.stderr, /the connection to tidings serve at .* was lost/);
    }
  });
});
