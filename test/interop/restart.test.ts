/**
 * Tidings and a fedora-messaging-format peer (fm_peer.py) across a RabbitMQ restart. Restarting the
 * broker disturbs everything else using it on this machine, so these tests live alone in this file:
 *   node --import tsx --test --test-reporter=spec test/interop/restart.test.ts
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectSocket } from 'node:net';
import { connect } from '../../src/connect.js';
import { ConnectionError, type Bus } from '../../src/bus/index.js';
import { createLogger } from '../../src/log/index.js';
import { withTimeout } from '../helpers/deliveries.js';
import { uniqueName } from '../helpers/messages.js';
import { ensureRabbitMq, rabbitmqctl } from '../helpers/rabbitmq.js';
import { peerAvailable, peerConsume, peerPublish, type PeerMessage } from './peer.js';

const BATCH = 200;
const TEST_TIMEOUT_MS = 240_000;
/** TIDINGS_TEST_LOG=debug shows what the transport does around the restart (reconnects, restores). */
const LOG_LEVEL = process.env['TIDINGS_TEST_LOG'];

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectSocket(port, '127.0.0.1');
    const answer = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket.setTimeout(2000, () => answer(false));
    socket.once('connect', () => answer(true));
    socket.once('error', () => answer(false));
  });
}

/** Polls until RabbitMQ's AMQP port accepts connections again. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await portAccepts(port))) {
    if (Date.now() > deadline) throw new Error(`RabbitMQ did not accept connections on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** stop_app, start_app, then wait until it is really back; returns how long that took. */
async function restartRabbitMq(): Promise<number> {
  const started = Date.now();
  try {
    rabbitmqctl('stop_app');
  } finally {
    // Even when stop_app failed or timed out half-way, bring the app back for everyone else.
    rabbitmqctl('start_app');
  }
  await waitForPort(5672, 120_000);
  rabbitmqctl('await_startup');
  return Date.now() - started;
}

/**
 * Resolves once `bus` publishes on a live connection again. A publish that went out on the connection
 * the broker just closed fails with ConnectionError ("may or may not have been stored"): that is the
 * documented outcome, so such probes are retried. Returns how many failed.
 */
async function waitUntilPublishing(bus: Bus, topic: string): Promise<number> {
  const deadline = Date.now() + 90_000;
  for (let failures = 0; ; failures++) {
    try {
      await bus.publish({ topic, body: { probe: true } }, { timeout: 60_000 });
      return failures;
    } catch (error) {
      if (!(error instanceof ConnectionError) || Date.now() > deadline) throw error;
    }
  }
}

function batch(topic: string, from: number): PeerMessage[] {
  return Array.from({ length: BATCH }, (_, index) => ({ topic, body: { n: from + index, text: `n°${from + index} ✓` } }));
}

describe('interop across a RabbitMQ restart', () => {
  let url: string;
  const buses: Bus[] = [];
  const queues: string[] = [];

  before(async () => {
    url = await ensureRabbitMq();
    if (!(await peerAvailable())) throw new Error('/usr/bin/python3 cannot import pika: apt-get install -y python3-pika');
  });
  afterEach(async () => {
    const [bus] = buses;
    const cleanUp = async () => {
      for (const queue of queues.splice(0)) await bus?.transport.deleteQueue(queue).catch(() => undefined);
      for (const open of buses.splice(0)) await open.close();
    };
    // A transport that never came back would otherwise hang here, past every test timeout.
    await withTimeout(cleanUp(), 60_000, () => 'closing the bus after the test took over 60 s: did Tidings ever reconnect?');
  });
  after(() => {
    // Whatever happened, leave the broker running for everyone else.
    rabbitmqctl('start_app');
  });

  async function open(): Promise<Bus> {
    const bus = await connect(url, {
      name: 'tidings-interop-restart',
      publishTimeoutMs: 120_000,
      ...(LOG_LEVEL ? { logger: createLogger({ level: LOG_LEVEL as 'debug', name: 'restart-test' }) } : {}),
    });
    buses.push(bus);
    return bus;
  }

  test('a Tidings consumer receives every message the peer publishes before and after a restart', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const topic = `org.fedoraproject.test.${uniqueName('restart-py2ts')}.event`;
    const queue = uniqueName('interop-restart-py2ts');
    queues.push(queue, `${queue}.dlq`);
    const bus = await open();
    const seen = new Set<string>();
    let deliveries = 0;
    let flaggedRedelivered = 0;
    let wake: () => void = () => undefined;
    // A little work per message, so that messages are in flight (unacked) when the broker goes.
    const consumer = await bus.consume({ queue, bindings: [topic], durable: true }, async (message) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      deliveries++;
      if (message.redelivered) flaggedRedelivered++;
      seen.add(message.id);
      wake();
    });

    const firstBatch = await peerPublish(url, batch(topic, 0));
    const seenBeforeRestart = seen.size;
    const restartMs = await restartRabbitMq();
    const secondBatch = await peerPublish(url, batch(topic, BATCH), 120_000);
    const published = new Set([...firstBatch, ...secondBatch]);
    assert.equal(published.size, 2 * BATCH, 'the peer published distinct ids');

    const missing = () => [...published].filter((id) => !seen.has(id));
    await withTimeout(
      (async () => {
        while (missing().length > 0) await new Promise<void>((resolve) => (wake = resolve));
      })(),
      120_000,
      () => `Tidings received ${seen.size} of ${published.size} ids; first missing: ${missing().slice(0, 5).join(', ')}`,
    );
    t.diagnostic(
      `restart took ${restartMs} ms; ${seenBeforeRestart} ids seen before it; ` +
        `${deliveries} deliveries, ${seen.size} distinct ids, ${deliveries - seen.size} duplicates, ${flaggedRedelivered} flagged redelivered`,
    );
    assert.deepEqual([...seen].filter((id) => !published.has(id)), [], 'only ids the peer published arrive');
    assert.equal(seen.size, 2 * BATCH);
    const state = await Promise.race([consumer.ended.then((end) => `ended: ${JSON.stringify(end)}`), Promise.resolve('running')]);
    assert.equal(state, 'running', 'the consumer survived the restart');
    const { messageCount } = await bus.transport.declareQueue({ name: `${queue}.dlq` });
    assert.equal(messageCount, 0, 'nothing was dead-lettered');
  });

  test('the peer reads every message Tidings publishes before and after a restart', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const topic = `org.fedoraproject.test.${uniqueName('restart-ts2py')}.event`;
    const queue = uniqueName('interop-restart-ts2py');
    queues.push(queue, `${queue}.dlq`);
    const bus = await open();
    await bus.transport.declareQueue({ name: queue, durable: true });
    await bus.transport.bindQueue(queue, 'amq.topic', topic);

    const publishBatch = async (from: number) =>
      (await Promise.all(batch(topic, from).map(({ body }) => bus.publish({ topic, body: body as Record<string, unknown> })))).map((m) => m.id);
    const firstBatch = await publishBatch(0);
    const restartMs = await restartRabbitMq();
    // No topic is bound to the probe: the broker confirms it and drops it.
    const failedProbes = await waitUntilPublishing(bus, `${topic}.probe`);
    const secondBatch = await publishBatch(BATCH);
    const published = new Set([...firstBatch, ...secondBatch]);

    const records = await peerConsume(url, queue, 2 * BATCH, 90);
    const read = records.map((record) => record.properties.message_id ?? '');
    const distinct = new Set(read);
    t.diagnostic(
      `restart took ${restartMs} ms; ${failedProbes} probe publishes failed on the closed connection; ` +
        `Tidings published ${published.size}; the peer read ${read.length} (${distinct.size} distinct)`,
    );
    assert.deepEqual([...published].filter((id) => !distinct.has(id)), [], 'every published id was read');
    assert.equal(distinct.size, 2 * BATCH);
    assert.ok(records.every((record) => record.properties.delivery_mode === 2 && record.headers['fedora_messaging_severity']?.type === 'I'));
    const { messageCount } = await bus.transport.declareQueue({ name: queue, durable: true });
    assert.equal(messageCount, 0, 'nothing more than the 400 was in the queue');
  });
});
