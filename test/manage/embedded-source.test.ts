import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { Bus, Drop, type Delivery, type ReceivedMessage } from '../../src/bus/index.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/message/index.js';
import { silentLogger } from '../../src/log/index.js';
import { EmbeddedBroker, EmbeddedConnection, type EmbeddedBrokerOptions } from '../../src/transports/embedded/index.js';
import { HUB_PATH, HubTransport, serveHubSocket } from '../../src/transports/hub/index.js';
import { EmbeddedManagementSource } from '../../src/manage/embedded/index.js';
import { ManageNotFoundError, ManageRefusedError } from '../../src/manage/errors.js';
import { RETRY_COUNT_HEADER, type BusSnapshot, type QueueView } from '../../src/manage/model.js';
import { rawMessage } from '../helpers/messages.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A broker on a fresh data directory, closed (and its directory removed) after the test. */
function tempBroker(options: EmbeddedBrokerOptions = {}): { broker: EmbeddedBroker; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-manage-'));
  const broker = new EmbeddedBroker({ dataDir: dir, ...options });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => broker.close());
  return { broker, dir };
}

function busOn(broker: EmbeddedBroker, name: string): Bus {
  const bus = new Bus(new EmbeddedConnection(broker, { name }));
  cleanups.push(() => bus.close());
  return bus;
}

/** Waits until `condition` holds, failing loudly with `what` after the timeout. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Waits until `count` dead letters can be peeked (they are counted before they are committed, shown after). */
async function deadLettersArrive(source: EmbeddedManagementSource, queue: string, count: number): Promise<void> {
  await until(`${count} dead letters wait for "${queue}"`, async () => (await source.peekDeadLetters(queue, count + 1)).length === count);
}

function queueOf(snapshot: BusSnapshot, name: string): QueueView {
  const queue = snapshot.queues.find((q) => q.name === name);
  assert.ok(queue, `the snapshot lists queue "${name}"`);
  return queue;
}

/** A durable queue bound to `org.test.#`, filled with `count` messages; returns the connection and their ids. */
async function filledQueue(broker: EmbeddedBroker, queue: string, count: number): Promise<{ connection: EmbeddedConnection; ids: string[] }> {
  const connection = new EmbeddedConnection(broker, { name: 'loader' });
  cleanups.push(() => connection.close());
  await connection.declareQueue({ name: queue });
  await connection.bindQueue(queue, 'amq.topic', `org.test.${queue}.#`);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const message = rawMessage(`org.test.${queue}.item`, { i });
    ids.push(message.id);
    await connection.publish(message, { exchange: 'amq.topic' });
  }
  return { connection, ids };
}

/** Takes everything waiting in a queue through a raw consumer, in order, acking each. */
async function drain(connection: EmbeddedConnection, queue: string, count: number): Promise<Delivery[]> {
  const got: Delivery[] = [];
  const subscription = await connection.consume({ queue, prefetch: 0 }, (delivery) => {
    got.push(delivery);
    delivery.ack();
  });
  await until(`${count} messages arrived from "${queue}"`, () => got.length >= count);
  await subscription.cancel();
  return got;
}

/** A consumer that dead-letters every message until `fixed` is set, recording what it handled. */
async function poisonConsumer(bus: Bus, queue: string): Promise<{ handled: ReceivedMessage[]; fix: () => void }> {
  let fixed = false;
  const handled: ReceivedMessage[] = [];
  await bus.consume({ queue, bindings: [`org.test.${queue}.#`] }, async (message) => {
    if (!fixed) throw new Drop(`cannot parse the build in ${message.id}`);
    handled.push(message);
  });
  return { handled, fix: () => (fixed = true) };
}

describe('EmbeddedManagementSource: snapshot', () => {
  test('shows queues, bindings with what they matched, consumers, and connections with their identity', async () => {
    const { broker, dir } = tempBroker();
    const source = new EmbeddedManagementSource(broker);
    const bus = busOn(broker, 'archive');
    const received: ReceivedMessage[] = [];
    await bus.consume({ queue: 'archive', bindings: ['org.test.#', 'org.test.build.*'] }, async (message) => {
      received.push(message);
    });
    for (let i = 0; i < 3; i++) await bus.publish({ topic: 'org.test.build.done', body: { i } });
    await bus.publish({ topic: 'org.test.other', body: {} });
    await bus.publish({ topic: 'nobody.listens', body: {} });
    await until('all four were acked', () => broker.findQueue('archive')!.counters.acked === 4);

    const snapshot = await source.snapshot();
    assert.equal(snapshot.node.kind, 'embedded');
    assert.equal(snapshot.node.name, `embedded:${join(dir, 'bus.sqlite')}`);
    assert.equal(snapshot.node.version, version);
    assert.ok(snapshot.node.diskFreeBytes !== null && snapshot.node.diskFreeBytes > 0, 'disk free space of the data directory');

    const exchange = snapshot.exchanges.find((e) => e.name === 'amq.topic');
    assert.equal(exchange?.unroutable, 1, 'the publish nobody was bound to is counted');
    const matched = Object.fromEntries(snapshot.bindings.filter((b) => b.queue === 'archive').map((b) => [b.pattern, b.matched]));
    assert.deepEqual(matched, { 'org.test.#': 4, 'org.test.build.*': 3 });

    const queue = queueOf(snapshot, 'archive');
    assert.equal(queue.durable, true);
    assert.equal(queue.consumers, 1);
    assert.equal(queue.ready, 0);
    assert.deepEqual(queue.totals, { published: 4, delivered: 4, redelivered: 0, acked: 4, deadLettered: 0 }, 'one copy per message, whichever bindings matched');
    assert.equal(queue.owner, 'archive');
    assert.equal(queue.isDeadLetterQueue, false);
    assert.equal(queue.deadLetterQueue, 'archive.dlq');
    assert.equal(queue.deadLetterDepth, 0);
    assert.equal(queue.ackTimeoutMs, null);
    assert.equal(queue.consumerUtilisation, null);
    assert.equal(queue.oldestAgeMs, null, 'an empty queue has no oldest message');
    assert.ok(queue.lastActivityAt !== null && queue.lastActivityAt <= Date.now(), 'the last ack is remembered');
    assert.deepEqual(queue.rates, { publish: null, deliver: null, ack: null, redeliver: null }, 'no rates from one sample');
    assert.equal(queueOf(snapshot, 'archive.dlq').isDeadLetterQueue, true);
    assert.equal(queueOf(snapshot, 'tidings.dead-letters').isDeadLetterQueue, true);

    const connection = snapshot.connections.find((c) => c.service === 'archive');
    assert.ok(connection, 'the bus connection is listed under its service');
    assert.equal(connection.peer, 'in-process');
    assert.equal(connection.host, hostname());
    assert.equal(connection.pid, process.pid);
    assert.equal(connection.library, 'tidings (embedded)');
    assert.equal(connection.libraryVersion, version);
    assert.equal(connection.platform, `Node.js ${process.version}`);
    assert.ok(connection.connectedAt !== null && connection.connectedAt <= Date.now());

    const [consumer] = snapshot.consumers.filter((c) => c.queue === 'archive');
    assert.equal(consumer?.connection, connection.name);
    assert.equal(consumer?.prefetch, 10);
    assert.equal(consumer?.active, true);
    const channel = snapshot.channels.find((c) => c.connection === connection.name);
    assert.deepEqual(channel, { name: `${connection.name} (1)`, connection: connection.name, number: 1, consumers: 1, unacked: 0, prefetch: 10 });
    assert.equal(consumer?.channel, channel?.name);
    assert.equal(received.length, 4);
  });

  test('a connection made with an identity shows it, and fields it did not give as null', async () => {
    const { broker } = tempBroker();
    const connection = new EmbeddedConnection(broker, { name: 'remote', address: '192.0.2.7:5000', identity: { service: 'notifier', host: 'box', pid: 77 } });
    cleanups.push(() => connection.close());
    const view = (await new EmbeddedManagementSource(broker).snapshot()).connections.find((c) => c.service === 'notifier');
    assert.deepEqual(
      view && [view.peer, view.host, view.pid, view.library, view.libraryVersion, view.platform],
      ['192.0.2.7:5000', 'box', 77, null, null, null],
    );
  });

  test('a hub client says who it is in hello, and the server puts that on its connection', async () => {
    const { broker } = tempBroker();
    const http: Server = createServer();
    const sockets = new WebSocketServer({ server: http, path: HUB_PATH });
    sockets.on('connection', (socket, request) => {
      const remote = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
      serveHubSocket(socket, remote, {
        connect: (client) => new EmbeddedConnection(broker, { address: client, name: `tidings-hub ${client}` }),
        logger: silentLogger(),
        maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    cleanups.push(() => new Promise<void>((resolve) => sockets.close(() => resolve())));
    const { port } = http.address() as { port: number };
    const client = await HubTransport.connect(`http://127.0.0.1:${port}`, { name: 'tail' });
    cleanups.push(() => client.close());

    const view = (await new EmbeddedManagementSource(broker).snapshot()).connections.find((c) => c.service === 'tail');
    assert.ok(view, 'the hub client is listed under the name it gave');
    assert.match(view.peer, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual([view.host, view.pid, view.library, view.libraryVersion], [hostname(), process.pid, 'tidings (hub)', version]);

    // Closing it from the broker's side reaches the client: its socket closes with the reason.
    await new EmbeddedManagementSource(broker).closeConnection(view.name, 'moved to another host');
    assert.match(String(await client.closed), /moved to another host/);
  });

  test('rates are the counters’ change per second between two snapshots', async () => {
    const { broker } = tempBroker();
    let now = 1_000_000;
    const source = new EmbeddedManagementSource(broker, { clock: () => now });
    await filledQueue(broker, 'rated', 0);
    const first = await source.snapshot();
    assert.equal(queueOf(first, 'rated').rates.publish, null);
    await filledQueue(broker, 'rated', 10);
    now += 2_000;
    const second = await source.snapshot();
    assert.deepEqual(queueOf(second, 'rated').rates, { publish: 5, deliver: 0, ack: 0, redeliver: 0 });
    assert.equal(second.exchanges.find((e) => e.name === 'amq.topic')?.publishRate, 5);
    assert.equal(queueOf(second, 'rated').ready, 10);
  });

  test('the oldest message’s age comes from memory, and from SQLite after a restart', async () => {
    const { broker, dir } = tempBroker();
    const before = Date.now();
    await filledQueue(broker, 'aging', 3);
    const age = queueOf(await new EmbeddedManagementSource(broker).snapshot(), 'aging').oldestAgeMs;
    assert.ok(age !== null && age >= 0 && age <= Date.now() - before + 5, `age ${age} fits the time since publishing`);
    broker.close();

    const reopened = new EmbeddedBroker({ dataDir: dir });
    cleanups.push(() => reopened.close());
    const source = new EmbeddedManagementSource(reopened);
    const after = queueOf(await source.snapshot(), 'aging');
    assert.equal(after.ready, 3);
    assert.ok(after.oldestAgeMs !== null && after.oldestAgeMs >= age!, 'the stored enqueue time is kept across the restart');
  });

  test('with statistics off, the bus works and the figures it does not keep are null', async () => {
    const { broker } = tempBroker({ statistics: false });
    const bus = busOn(broker, 'bench');
    const received: ReceivedMessage[] = [];
    await bus.consume({ queue: 'bench', bindings: ['org.test.#'] }, async (message) => {
      received.push(message);
    });
    await bus.publish({ topic: 'org.test.one', body: {} });
    await until('the message was acked', () => broker.findQueue('bench')!.counters.acked === 1);
    const snapshot = await new EmbeddedManagementSource(broker).snapshot();
    assert.equal(received.length, 1);
    assert.deepEqual(snapshot.bindings.filter((b) => b.queue === 'bench').map((b) => b.matched), [null]);
    assert.equal(queueOf(snapshot, 'bench').lastActivityAt, null);
    assert.equal(queueOf(snapshot, 'bench').totals?.acked, 1, 'queue counters are kept regardless');
  });
});

describe('EmbeddedManagementSource: dead letters', () => {
  test('a poison message shows in peek with reason and origin, and a retry after the fix is consumed with retries=1', async () => {
    const { broker } = tempBroker();
    const source = new EmbeddedManagementSource(broker);
    const bus = busOn(broker, 'builder');
    const poison = await poisonConsumer(bus, 'builds');
    const sent = await bus.publish({ topic: 'org.test.builds.failed', body: { build: 42 } });
    await deadLettersArrive(source, 'builds', 1);

    const [letter, ...others] = await source.peekDeadLetters('builds', 10);
    assert.equal(others.length, 0);
    assert.ok(letter);
    assert.equal(letter.queue, 'builds.dlq');
    assert.equal(letter.position, 0);
    assert.equal(letter.id, sent.id);
    assert.equal(letter.topic, 'org.test.builds.failed');
    assert.deepEqual(JSON.parse(letter.body), { build: 42 });
    assert.match(letter.reason ?? '', new RegExp(`cannot parse the build in ${sent.id}`));
    assert.deepEqual([letter.originQueue, letter.originExchange, letter.originRoutingKey], ['builds', 'amq.topic', 'org.test.builds.failed']);
    assert.ok(letter.diedAt !== null && Math.abs(letter.diedAt - Date.now()) < 5_000);
    assert.deepEqual([letter.deaths, letter.retries], [1, 0]);
    assert.equal(queueOf(await source.snapshot(), 'builds').deadLetterDepth, 1);
    assert.deepEqual(await source.peekDeadLetters('builds', 10), [letter], 'peeking leaves it in place');

    poison.fix();
    assert.deepEqual(await source.retryDeadLetters('builds', { ids: [sent.id, 'not-there'] }), { affected: 1, missing: ['not-there'] });
    await until('the retried message was handled', () => poison.handled.length === 1);
    assert.equal(poison.handled[0]!.id, sent.id);
    assert.equal(poison.handled[0]!.headers[RETRY_COUNT_HEADER], 1);
    assert.deepEqual(await source.peekDeadLetters('builds.dlq', 10), [], 'the dead-letter queue is named directly too');
    assert.equal(queueOf(await source.snapshot(), 'builds').deadLetterDepth, 0);
  });

  test('a retry that no queue would take stays a dead letter', async () => {
    const { broker } = tempBroker();
    const source = new EmbeddedManagementSource(broker);
    const bus = busOn(broker, 'builder');
    await poisonConsumer(bus, 'lonely');
    await bus.publish({ topic: 'org.test.lonely.x', body: {} });
    await deadLettersArrive(source, 'lonely', 1);
    await bus.transport.unbindQueue('lonely', 'amq.topic', 'org.test.lonely.#');
    await assert.rejects(source.retryDeadLetters('lonely', { all: true }), ManageRefusedError);
    assert.equal((await source.peekDeadLetters('lonely', 10)).length, 1);
  });

  test('discard takes the first N, chosen ids (reporting missing ones), or all', async () => {
    const { broker } = tempBroker();
    const source = new EmbeddedManagementSource(broker);
    const bus = busOn(broker, 'builder');
    await poisonConsumer(bus, 'junk');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await bus.publish({ topic: 'org.test.junk.x', body: { i } })).id);
    await deadLettersArrive(source, 'junk', 4);

    assert.deepEqual(await source.discardDeadLetters('junk', { count: 1 }), { affected: 1 });
    assert.deepEqual((await source.peekDeadLetters('junk', 10)).map((l) => l.id), ids.slice(1));
    assert.deepEqual(await source.discardDeadLetters('junk', { ids: [ids[2]!, 'ghost'] }), { affected: 1, missing: ['ghost'] });
    assert.deepEqual((await source.peekDeadLetters('junk', 10)).map((l) => l.id), [ids[1], ids[3]]);
    assert.deepEqual(await source.discardDeadLetters('junk', { all: true }), { affected: 2 });
    assert.deepEqual(await source.peekDeadLetters('junk', 10), []);
    await assert.rejects(source.peekDeadLetters('no-such-queue', 10), ManageNotFoundError);
    await assert.rejects(source.discardDeadLetters('junk', { count: 0 }), ManageRefusedError);
  });
});

describe('EmbeddedManagementSource: queue actions', () => {
  test('purge removes the first N waiting messages, then all, and the removal survives a restart', async () => {
    const { broker, dir } = tempBroker();
    const { connection, ids } = await filledQueue(broker, 'backlog', 5);
    const source = new EmbeddedManagementSource(broker);
    assert.deepEqual(await source.purge('backlog', { count: 2 }), { affected: 2 });
    assert.equal(queueOf(await source.snapshot(), 'backlog').ready, 3);
    await connection.close();
    broker.close();

    const reopened = new EmbeddedBroker({ dataDir: dir });
    cleanups.push(() => reopened.close());
    const again = new EmbeddedConnection(reopened);
    cleanups.push(() => again.close());
    const reopenedSource = new EmbeddedManagementSource(reopened);
    assert.equal(queueOf(await reopenedSource.snapshot(), 'backlog').ready, 3, 'the purge was committed');
    assert.deepEqual(await reopenedSource.purge('backlog', { all: true }), { affected: 3 });
    assert.equal(queueOf(await reopenedSource.snapshot(), 'backlog').ready, 0);
    await again.publish(rawMessage('org.test.backlog.new'), { exchange: 'amq.topic' });
    const [next] = await drain(again, 'backlog', 1);
    assert.ok(next && !ids.includes(next.message.id), 'only what came after the purge is delivered');
    await assert.rejects(reopenedSource.purge('nope', { all: true }), ManageNotFoundError);
  });

  test('purge leaves messages out with a consumer alone', async () => {
    const { broker } = tempBroker();
    const { connection } = await filledQueue(broker, 'busy', 3);
    const held: Delivery[] = [];
    await connection.consume({ queue: 'busy', prefetch: 1 }, (delivery) => held.push(delivery));
    await until('one message is out', () => held.length === 1);
    const source = new EmbeddedManagementSource(broker);
    assert.deepEqual(await source.purge('busy', { all: true }), { affected: 2 });
    const queue = queueOf(await source.snapshot(), 'busy');
    assert.deepEqual([queue.ready, queue.unacked], [0, 1]);
  });

  test('move puts waiting messages at the end of another queue, unchanged and in order', async () => {
    const { broker } = tempBroker();
    const { connection, ids } = await filledQueue(broker, 'from', 4);
    await filledQueue(broker, 'to', 1);
    const source = new EmbeddedManagementSource(broker);
    const original = await drain(connection, 'to', 1);

    assert.deepEqual(await source.move('from', 'to', { count: 3 }), { affected: 3 });
    let snapshot = await source.snapshot();
    assert.deepEqual([queueOf(snapshot, 'from').ready, queueOf(snapshot, 'to').ready], [1, 3]);
    const moved = await drain(connection, 'to', 3);
    assert.deepEqual(moved.map((d) => d.message.id), ids.slice(0, 3));
    assert.deepEqual(moved.map((d) => JSON.parse(d.message.body) as unknown), [{ i: 0 }, { i: 1 }, { i: 2 }]);
    assert.equal(moved[0]!.exchange, 'amq.topic', 'the exchange it came through is kept');
    assert.ok(original.length === 1);

    assert.deepEqual(await source.move('from', 'to', { all: true }), { affected: 1 });
    snapshot = await source.snapshot();
    assert.deepEqual([queueOf(snapshot, 'from').ready, queueOf(snapshot, 'to').ready], [0, 1]);
    await assert.rejects(source.move('from', 'missing', { all: true }), ManageNotFoundError);
    await assert.rejects(source.move('to', 'to', { all: true }), ManageRefusedError);
  });

  test('delete with ifEmpty is refused while the queue holds messages, and allowed once it is empty', async () => {
    const { broker } = tempBroker();
    await filledQueue(broker, 'doomed', 1);
    const source = new EmbeddedManagementSource(broker);
    await assert.rejects(source.deleteQueue('doomed', { ifEmpty: true, ifUnused: false }), (error: Error) => {
      assert.ok(error instanceof ManageRefusedError);
      assert.match(error.message, /not empty: it holds 1 waiting/);
      return true;
    });
    await assert.rejects(source.deleteQueue('doomed', { ifEmpty: false, ifUnused: false }), ManageRefusedError);
    await assert.rejects(source.deleteQueue('never-was', { ifEmpty: true, ifUnused: true }), ManageNotFoundError);
    await source.purge('doomed', { all: true });
    await source.deleteQueue('doomed', { ifEmpty: true, ifUnused: true });
    const snapshot = await source.snapshot();
    assert.equal(snapshot.queues.some((q) => q.name === 'doomed'), false);
    assert.equal(snapshot.bindings.some((b) => b.queue === 'doomed'), false, 'its bindings went with it');
  });

  test('delete with ifUnused is refused while a consumer is attached', async () => {
    const { broker } = tempBroker();
    const bus = busOn(broker, 'worker');
    await bus.consume({ queue: 'in-use', bindings: ['org.test.in-use.#'] }, async () => undefined);
    const source = new EmbeddedManagementSource(broker);
    await assert.rejects(source.deleteQueue('in-use', { ifEmpty: false, ifUnused: true }), /in use by 1 consumer/);
    assert.ok(broker.findQueue('in-use'), 'the queue is still there');
  });

  test('closing a connection ends its consumer with the reason and takes it off the list', async () => {
    const { broker } = tempBroker();
    const source = new EmbeddedManagementSource(broker);
    const bus = busOn(broker, 'mirror');
    const consumer = await bus.consume({ queue: 'mirror', bindings: ['org.test.mirror.#'] }, async () => undefined);
    const before = await source.snapshot();
    const connection = before.connections.find((c) => c.service === 'mirror')!;

    await source.closeConnection(connection.name, 'maintenance window');
    const end = await consumer.ended;
    assert.equal(end.reason, 'broker');
    assert.match(end.error?.message ?? '', /maintenance window/);
    const after = await source.snapshot();
    assert.equal(after.connections.some((c) => c.name === connection.name), false);
    assert.equal(queueOf(after, 'mirror').consumers, 0);
    await assert.rejects(source.closeConnection(connection.name, 'again'), ManageNotFoundError);
  });

  test('a connection can be closed by its plain name when only one has it', async () => {
    const { broker } = tempBroker();
    const source = new EmbeddedManagementSource(broker);
    const solo = new EmbeddedConnection(broker, { name: 'solo' });
    await source.closeConnection('solo', 'operator');
    assert.match(String(await solo.closed), /operator/);
    const twins = [new EmbeddedConnection(broker, { name: 'twin' }), new EmbeddedConnection(broker, { name: 'twin' })];
    cleanups.push(() => Promise.all(twins.map((c) => c.close())).then(() => undefined));
    await assert.rejects(source.closeConnection('twin', 'which?'), /2 connections are named "twin"/);
  });
});
