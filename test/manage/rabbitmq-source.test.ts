/**
 * The RabbitMQ management source against the real broker: what an operator sees (queues, dead-letter
 * queues, connections with their identity) and what an operator does (peek, retry, discard, purge,
 * move, delete, close) without losing a message. The management API refreshes its statistics every
 * few seconds, so counts read through it are polled with a bounded wait.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import amqplib, { type ChannelModel } from 'amqplib';
import { Bus, Drop, type ReceivedMessage } from '../../src/bus/index.js';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { RabbitManagementSource, managementEndpoint } from '../../src/manage/rabbitmq/index.js';
import { ManageNotFoundError, ManageRefusedError, ManageUnavailableError } from '../../src/manage/errors.js';
import type { BusSnapshot, QueueView } from '../../src/manage/model.js';
import { toSnapshot, type ApiAnswers } from '../../src/manage/rabbitmq/snapshot.js';
import { ensureRabbitMq } from '../helpers/rabbitmq.js';

const MANAGEMENT = process.env['TIDINGS_TEST_RABBITMQ_MANAGEMENT_URL'] ?? 'http://guest:guest@127.0.0.1:15672';
const RUN = `tidings-manage-${process.pid}-${Date.now()}`;
const SERVICE = `${RUN}-service`;

/** Polls until `probe` returns a value (not undefined); fails loudly with `what` after the timeout. */
async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A mailbox of received messages with a bounded wait. */
class Inbox {
  readonly messages: ReceivedMessage[] = [];
  add(message: ReceivedMessage): void {
    this.messages.push(message);
  }
  wait(count: number, what: string): Promise<ReceivedMessage[]> {
    return until(async () => (this.messages.length >= count ? this.messages.slice(0, count) : undefined), what, 10_000);
  }
}

let url: string;
let source: RabbitManagementSource;
let bus: Bus;
let amqp: ChannelModel;
const queues: string[] = [];

function queueName(name: string): string {
  const queue = `${RUN}.${name}`;
  queues.push(queue, `${queue}.dlq`);
  return queue;
}

/** Ready messages as the broker counts them right now (AMQP, not the lagging statistics). */
async function ready(queue: string): Promise<number> {
  const channel = await amqp.createChannel();
  channel.on('error', () => undefined); // a missing queue closes the channel: checkQueue rejects with it
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

function queueIn(snapshot: BusSnapshot, name: string): QueueView | undefined {
  return snapshot.queues.find((queue) => queue.name === name);
}

describe('the RabbitMQ management source', () => {
  before(async () => {
    url = await ensureRabbitMq();
    source = new RabbitManagementSource({ amqpUrl: url, managementUrl: MANAGEMENT });
    bus = new Bus(await AmqpTransport.connect(url, { name: SERVICE }));
    amqp = await amqplib.connect(url);
  });

  after(async () => {
    await bus.close();
    const channel = await amqp.createChannel();
    channel.on('error', () => undefined);
    for (const queue of queues) await channel.deleteQueue(queue);
    await amqp.close();
    await source.close();
  });

  test('a snapshot lists a consumer queue with ready, unacked and consumers, its dead-letter queue, and who consumes it', async () => {
    const queue = queueName('busy');
    const topic = `${RUN}.busy.event`;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const consumer = await bus.consume({ queue, bindings: [topic], prefetch: 1 }, () => released);
    try {
      for (let i = 0; i < 3; i++) await bus.publish({ topic, body: { i } });
      const snapshot = await until(async () => {
        const taken = await source.snapshot();
        const view = queueIn(taken, queue);
        return view && view.ready === 2 && view.unacked === 1 && view.consumers === 1 ? taken : undefined;
      }, 'the queue shows 2 ready, 1 unacked, 1 consumer');
      const view = queueIn(snapshot, queue)!;
      assert.equal(view.deadLetterQueue, `${queue}.dlq`);
      assert.equal(view.deadLetterDepth, 0);
      assert.equal(view.isDeadLetterQueue, false);
      assert.equal(view.owner, SERVICE);
      assert.equal(view.ackTimeoutMs, 1_800_000, "RabbitMQ's default consumer timeout");
      assert.equal(queueIn(snapshot, `${queue}.dlq`)?.isDeadLetterQueue, true);

      assert.equal(snapshot.node.kind, 'rabbitmq');
      assert.match(snapshot.node.name, /@/);
      assert.match(snapshot.node.version, /^\d+\.\d+/);
      assert.equal(snapshot.node.vhost, 'tidings-test');
      assert.ok((snapshot.node.memoryBytes ?? 0) > 0);

      assert.ok(snapshot.bindings.some((b) => b.exchange === 'amq.topic' && b.queue === queue && b.pattern === topic && b.matched === null));
      assert.ok(!snapshot.bindings.some((b) => b.exchange === ''), "the default exchange's implicit bindings are left out");

      const consumerView = snapshot.consumers.find((c) => c.queue === queue);
      assert.ok(consumerView, 'the consumer is listed');
      assert.equal(consumerView.prefetch, 1);
      const connection = snapshot.connections.find((c) => c.name === consumerView.connection);
      assert.ok(connection, "the consumer's connection is listed");
      assert.equal(connection.service, SERVICE);
      assert.equal(connection.host, hostname());
      assert.equal(connection.pid, process.pid);
      assert.equal(connection.library, 'tidings (amqplib)');
      assert.ok(snapshot.channels.some((c) => c.name === consumerView.channel && c.connection === connection.name));
    } finally {
      release();
      await consumer.stop();
    }
  });

  test('a message the handler drops shows in peek with its reason and origin, stays there, and is consumed again once retried', async () => {
    const queue = queueName('poison');
    const topic = `${RUN}.poison.event`;
    let fixed = false;
    const inbox = new Inbox();
    const consumer = await bus.consume({ queue, bindings: [topic] }, (message) => {
      if (!fixed) throw new Drop('cannot read field "x"');
      inbox.add(message);
    });
    try {
      const published = await bus.publish({ topic, body: { x: 'poison' } });
      const [letter] = await until(async () => {
        const letters = await source.peekDeadLetters(queue, 10);
        return letters.length === 1 ? letters : undefined;
      }, 'the dropped message waits in the dead-letter queue');
      assert.equal(letter!.queue, `${queue}.dlq`);
      assert.equal(letter!.id, published.id);
      assert.equal(letter!.topic, topic);
      assert.match(letter!.reason ?? '', /cannot read field "x"/);
      assert.equal(letter!.originQueue, queue);
      assert.equal(letter!.originExchange, 'amq.topic');
      assert.equal(letter!.originRoutingKey, topic);
      assert.equal(letter!.deaths, 1);
      assert.equal(letter!.retries, 0);
      assert.ok(letter!.diedAt !== null && Math.abs(letter!.diedAt - Date.now()) < 60_000);
      assert.deepEqual(JSON.parse(letter!.body), { x: 'poison' });

      const again = await source.peekDeadLetters(`${queue}.dlq`, 10);
      assert.deepEqual(again.map((l) => l.id), [published.id], 'peek leaves it in place, by either queue name');

      fixed = true;
      const result = await source.retryDeadLetters(queue, { ids: [published.id, 'no-such-id'] });
      assert.deepEqual(result, { affected: 1, missing: ['no-such-id'] });
      const [consumed] = await inbox.wait(1, 'the retried message is consumed');
      assert.equal(consumed!.id, published.id);
      assert.equal(consumed!.headers['x-tidings-retries'], 1);
      assert.equal(consumed!.headers['x-tidings-death-reason'], undefined, 'a retried message starts a new life');
      assert.equal(await ready(`${queue}.dlq`), 0);
    } finally {
      await consumer.stop();
    }
  });

  test("a message RabbitMQ dead-letters (x-death) shows the broker's reason and goes back to its queue when retried", async () => {
    const queue = queueName('rejected');
    const topic = `${RUN}.rejected.event`;
    await bus.declare({ queue, bindings: [topic] });
    const published = await bus.publish({ topic, body: { n: 1 } });
    const channel = await amqp.createChannel();
    const got = await until(async () => (await channel.get(queue, { noAck: false })) || undefined, 'the message is in the queue');
    channel.nack(got, false, false);
    const [letter] = await until(async () => {
      const letters = await source.peekDeadLetters(queue, 5);
      return letters.length === 1 ? letters : undefined;
    }, 'the rejected message waits in the dead-letter queue');
    await channel.close();
    assert.equal(letter!.id, published.id);
    assert.equal(letter!.reason, 'rejected');
    assert.equal(letter!.originQueue, queue);
    assert.equal(letter!.originExchange, 'amq.topic');
    assert.equal(letter!.originRoutingKey, topic);
    assert.equal(letter!.topic, topic);
    assert.equal(letter!.deaths, 1);
    assert.ok(letter!.diedAt !== null && Math.abs(letter!.diedAt - Date.now()) < 60_000);

    assert.deepEqual(await source.retryDeadLetters(queue, { all: true }), { affected: 1 });
    assert.equal(await ready(queue), 1);
    assert.equal(await ready(`${queue}.dlq`), 0);
  });

  test('discard takes the first N or the chosen ids and leaves the others in order', async () => {
    const queue = queueName('discard');
    const topic = `${RUN}.discard.event`;
    const consumer = await bus.consume({ queue, bindings: [topic] }, () => {
      throw new Drop('always');
    });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await bus.publish({ topic, body: { i } })).id);
      await until(async () => ((await ready(`${queue}.dlq`)) === 3 ? true : undefined), 'three dead letters');
      assert.deepEqual(await source.discardDeadLetters(queue, { count: 1 }), { affected: 1 });
      assert.deepEqual(await source.discardDeadLetters(queue, { ids: [ids[2]!] }), { affected: 1, missing: [] });
      assert.deepEqual((await source.peekDeadLetters(queue, 10)).map((l) => l.id), [ids[1]]);
      await assert.rejects(source.discardDeadLetters(queue, { count: 0 }), ManageRefusedError);
    } finally {
      await consumer.stop();
    }
  });

  test('purge removes the first N waiting messages, or all of them', async () => {
    const queue = queueName('purge');
    const topic = `${RUN}.purge.event`;
    await bus.declare({ queue, bindings: [topic] });
    for (let i = 0; i < 5; i++) await bus.publish({ topic, body: { i } });
    assert.deepEqual(await source.purge(queue, { count: 2 }), { affected: 2 });
    assert.equal(await ready(queue), 3);
    assert.deepEqual(await source.purge(queue, { all: true }), { affected: 3 });
    assert.equal(await ready(queue), 0);
    await assert.rejects(source.purge(`${RUN}.nonexistent`, { count: 1 }), ManageNotFoundError);
  });

  test('move puts waiting messages at the end of another queue, unchanged', async () => {
    const from = queueName('move-from');
    const to = queueName('move-to');
    const topic = `${RUN}.move.event`;
    await bus.declare({ queue: from, bindings: [topic] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await bus.publish({ topic, body: { i }, severity: 30 })).id);
    const inbox = new Inbox();
    const consumer = await bus.consume({ queue: to }, (message) => inbox.add(message));
    try {
      assert.deepEqual(await source.move(from, to, { count: 2 }), { affected: 2 });
      const moved = await inbox.wait(2, 'the moved messages arrive');
      assert.deepEqual(moved.map((m) => m.id), ids.slice(0, 2));
      assert.equal(moved[0]!.topic, to, 'routed to the target queue through the default exchange');
      assert.equal(moved[0]!.headers['fedora_messaging_severity'], 30, 'headers keep their values');
      assert.deepEqual(moved[1]!.body, { i: 1 });
      assert.equal(await ready(from), 1);
      await assert.rejects(source.move(from, `${RUN}.nonexistent`, { all: true }), ManageNotFoundError);
      assert.equal(await ready(from), 1, 'nothing moves to a queue that does not exist');
    } finally {
      await consumer.stop();
    }
  });

  test('deleting a queue only if empty is refused while it holds messages', async () => {
    const queue = queueName('delete');
    const topic = `${RUN}.delete.event`;
    await bus.declare({ queue, bindings: [topic] });
    await bus.publish({ topic, body: {} });
    await assert.rejects(source.deleteQueue(queue, { ifEmpty: true, ifUnused: false }), (error: Error) => {
      assert.ok(error instanceof ManageRefusedError);
      assert.match(error.message, /not empty/);
      return true;
    });
    assert.equal(await ready(queue), 1, 'the queue is still there');
    await assert.rejects(source.deleteQueue(queue, { ifEmpty: false, ifUnused: false }), ManageRefusedError);
    await source.purge(queue, { all: true });
    await source.deleteQueue(queue, { ifEmpty: true, ifUnused: true });
    await assert.rejects(ready(queue));
    await assert.rejects(source.deleteQueue(queue, { ifEmpty: true, ifUnused: false }), ManageNotFoundError);
  });

  test('closeConnection closes a connection, which the broker then no longer lists', async () => {
    const name = `${RUN}-doomed`;
    const doomed = await amqplib.connect(url, { clientProperties: { connection_name: name, service: name } });
    const closed = new Promise<Error | undefined>((resolve) => doomed.on('close', resolve));
    doomed.on('error', () => undefined);
    const listed = await until(async () => (await source.snapshot()).connections.find((c) => c.service === name), 'the broker lists the connection');
    await source.closeConnection(listed.name, 'closed by the operators test');
    const error = await closed;
    assert.match(String(error?.message), /closed by the operators test/);
    await until(async () => ((await source.snapshot()).connections.some((c) => c.name === listed.name) ? undefined : true), 'the connection is gone from the list');
    await assert.rejects(source.closeConnection(listed.name, 'again'), ManageNotFoundError);
  });

  test('names that do not exist are ManageNotFoundError', async () => {
    await assert.rejects(source.peekDeadLetters(`${RUN}.nonexistent`, 1), ManageNotFoundError);
    await assert.rejects(source.retryDeadLetters(`${RUN}.nonexistent.dlq`, { all: true }), ManageNotFoundError);
  });

  test('an unreachable or unauthorised management API is ManageUnavailableError saying what to do', async () => {
    const closedPort = new RabbitManagementSource({ amqpUrl: url, managementUrl: 'http://127.0.0.1:1', requestTimeoutMs: 2000 });
    await assert.rejects(closedPort.snapshot(), (error: Error) => {
      assert.ok(error instanceof ManageUnavailableError);
      assert.match(error.message, /rabbitmq-plugins enable rabbitmq_management/);
      return true;
    });
    const wrongPassword = new RabbitManagementSource({ amqpUrl: url, managementUrl: 'http://guest:wrong@127.0.0.1:15672' });
    await assert.rejects(wrongPassword.snapshot(), (error: Error) => {
      assert.ok(error instanceof ManageUnavailableError);
      assert.match(error.message, /401/);
      return true;
    });
  });
});

describe('the management endpoint', () => {
  test('follows the AMQP URL: same host, port 15672, its user and password, its vhost', () => {
    assert.deepEqual(managementEndpoint('amqp://bob:s%40cret@broker.example:5672/%2Fprod'), {
      baseUrl: 'http://broker.example:15672',
      user: 'bob',
      password: 's@cret',
      vhost: '/prod',
    });
    assert.deepEqual(managementEndpoint('amqp://localhost'), { baseUrl: 'http://localhost:15672', user: 'guest', password: 'guest', vhost: '/' });
    assert.deepEqual(managementEndpoint('amqp://u:p@h/v', 'https://admin:pw@mgmt.example/rabbit/', 'other'), {
      baseUrl: 'https://mgmt.example/rabbit',
      user: 'admin',
      password: 'pw',
      vhost: 'other',
    });
  });
});

describe('mapping the management API to the model', () => {
  const empty: ApiAnswers = { overview: {}, nodes: [], exchanges: [], bindings: [], queues: [], consumers: [], channels: [], connections: [] };
  const settings = { vhost: '/', consumerTimeoutMs: 60_000 };

  test('a queue: oldest age from the head timestamp, its own consumer timeout, its dead-letter queue and depth', () => {
    const takenAt = Date.UTC(2026, 0, 1, 12, 0, 0);
    const snapshot = toSnapshot(
      {
        ...empty,
        queues: [
          { name: 'q', durable: true, auto_delete: false, messages_ready: 2, messages_unacknowledged: 0, head_message_timestamp: takenAt / 1000 - 30, arguments: { 'x-consumer-timeout': 5000, 'x-dead-letter-routing-key': 'q' } },
          { name: 'q.dlq', durable: true, auto_delete: false, messages: 4, message_stats: { publish: 4 } },
          { name: 'other', durable: true, auto_delete: false },
        ],
      },
      settings,
      takenAt,
    );
    const [q, dlq, other] = snapshot.queues;
    assert.equal(q!.oldestAgeMs, 30_000);
    assert.equal(q!.ackTimeoutMs, 5000);
    assert.equal(q!.deadLetterQueue, 'q.dlq');
    assert.equal(q!.deadLetterDepth, 4);
    assert.equal(q!.totals?.deadLettered, 4);
    assert.deepEqual(q!.rates, { publish: null, deliver: null, ack: null, redeliver: null }, 'no statistics yet: no rates');
    assert.equal(dlq!.isDeadLetterQueue, true);
    assert.equal(dlq!.deadLetterQueue, null);
    assert.equal(other!.oldestAgeMs, null);
    assert.equal(other!.ackTimeoutMs, 60_000, 'the configured timeout where the queue sets none');
    assert.equal(other!.deadLetterQueue, null);
  });

  test('an exchange counts unroutable messages only where the broker reports them', () => {
    const snapshot = toSnapshot(
      {
        ...empty,
        exchanges: [
          { name: 'a', type: 'topic', durable: true, message_stats: { publish_in: 3, publish_in_details: { rate: 1.5 } } },
          { name: 'b', type: 'topic', durable: true, message_stats: { drop_unroutable: 2, return_unroutable: 1 } },
        ],
      },
      settings,
      0,
    );
    assert.deepEqual(snapshot.exchanges.map((e) => [e.unroutable, e.publishRate]), [[null, 1.5], [3, null]]);
  });
});
