/**
 * Broker faults while 20,000 messages flow: connections closed by the broker, and a broker restart.
 * Every publish is either confirmed or fails with an error (the publisher here retries those, with
 * the same id); every confirmed message is consumed; duplicates are only redeliveries of the same id.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectSocket } from 'node:net';
import { connect } from '../../src/connect.js';
import type { Bus } from '../../src/bus/index.js';
import { ensureRabbitMq, rabbitmqctl, rabbitmqctlAsync, TEST_VHOST } from '../helpers/rabbitmq.js';
import { uniqueName } from '../helpers/messages.js';

const TOTAL = 20_000;
const WINDOW = 500;
/**
 * Publishing is paced so the flow lasts ~8 s: rabbitmqctl takes a second or two to act, and the
 * fault must land while messages are in flight both ways.
 */
const RATE_PER_SECOND = 2_500;

interface FlowCounts {
  confirmed: number;
  failedAttempts: number;
  consumedDistinct: number;
  duplicates: number;
}

async function portOpen(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectSocket(5672, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Publishes TOTAL messages (retrying failed publishes with the same id) while a consumer on another
 * connection reads them; `fault` runs once `faultAt` messages are confirmed.
 */
async function flowThrough(url: string, fault: () => Promise<void>, faultAt: number): Promise<FlowCounts> {
  const topic = `${uniqueName('fault')}.msg`;
  const queue = uniqueName('fault-q');
  const consumerBus: Bus = await connect(url, { name: 'fault-consumer' });
  const publisherBus: Bus = await connect(url, { name: 'fault-publisher', publishTimeoutMs: 60_000 });
  const consumed = new Map<string, number>();
  let consumedDistinct = 0;
  let allConsumed!: () => void;
  const everythingConsumed = new Promise<void>((resolve) => (allConsumed = resolve));
  await consumerBus.consume({ queue, bindings: [topic], prefetch: 200, concurrency: 4 }, async (message) => {
    const seen = consumed.get(message.id) ?? 0;
    consumed.set(message.id, seen + 1);
    if (seen === 0 && ++consumedDistinct === TOTAL) allConsumed();
    if (consumedDistinct % 97 === 0) await new Promise((resolve) => setImmediate(resolve)); // some handlers yield: in flight at the fault
  });

  let confirmed = 0;
  let failedAttempts = 0;
  let faultStarted: Promise<void> | undefined;
  const ids = Array.from({ length: TOTAL }, (_, i) => `${queue}-${i}`);
  const publishOne = async (id: string, n: number): Promise<void> => {
    for (;;) {
      try {
        await publisherBus.publish({ id, topic, body: { n } });
        confirmed++;
        if (confirmed === faultAt) faultStarted = fault();
        return;
      } catch {
        failedAttempts++; // not confirmed: it may or may not be stored; publish again with the same id
      }
    }
  };
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (next < TOTAL) {
        const n = next++;
        const due = started + (n * 1000) / RATE_PER_SECOND;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        await publishOne(ids[n]!, n);
      }
    }),
  );
  await faultStarted;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    everythingConsumed,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`only ${consumedDistinct} of ${TOTAL} confirmed messages were consumed`)), 90_000);
    }),
  ]);
  clearTimeout(timer);
  await publisherBus.close();
  await consumerBus.close();
  const missing = ids.filter((id) => !consumed.has(id));
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} confirmed messages never consumed`);
  const unexpected = [...consumed.keys()].filter((id) => !id.startsWith(queue));
  assert.deepEqual(unexpected, [], 'nothing but our messages arrived');
  let duplicates = 0;
  for (const count of consumed.values()) duplicates += count - 1;
  return { confirmed, failedAttempts, consumedDistinct, duplicates };
}

describe('the AMQP transport through broker faults', { timeout: 240_000 }, () => {
  test('a handler running past the broker\'s consumer_timeout: the consumer goes on, the message comes again', async (t) => {
    // Shrink RabbitMQ's consumer timeout (30 min by default) and its check interval for this test only,
    // then put back exactly what was there (unsetting channel_tick_interval breaks every new channel).
    const previous = (await rabbitmqctlAsync(
      'eval',
      '{application:get_env(rabbit, consumer_timeout, 1800000), application:get_env(rabbit, channel_tick_interval, 60000)}.',
    )).match(/\{(\d+),(\d+)\}/);
    assert.ok(previous, 'read the broker\'s current timeouts');
    await rabbitmqctlAsync('eval', 'application:set_env(rabbit, consumer_timeout, 2000), application:set_env(rabbit, channel_tick_interval, 500).');
    t.after(() =>
      rabbitmqctlAsync(
        'eval',
        `application:set_env(rabbit, consumer_timeout, ${previous[1]}), application:set_env(rabbit, channel_tick_interval, ${previous[2]}).`,
      ),
    );
    const bus = await connect(url, { name: 'ack-timeout' });
    t.after(() => bus.close());
    const topic = `${uniqueName('slow')}.job`;
    const runs: Array<{ id: string; redelivered: boolean }> = [];
    let secondRun!: () => void;
    const ranTwice = new Promise<void>((resolve) => (secondRun = resolve));
    const consumer = await bus.consume({ queue: uniqueName('slow-q'), bindings: [topic], prefetch: 1 }, async (message) => {
      runs.push({ id: message.id, redelivered: message.redelivered });
      if (runs.length === 1) await new Promise((resolve) => setTimeout(resolve, 5_000)); // past the 2 s timeout
      else secondRun();
    });
    const sent = await bus.publish({ topic, body: { slow: true } });
    const after = await bus.publish({ topic, body: { slow: false } });
    await ranTwice;
    // The slow run's ack was void (its channel is gone); the message came again on a new channel,
    // and the consumer never stopped.
    assert.deepEqual(runs[0], { id: sent.id, redelivered: false });
    assert.deepEqual(runs[1], { id: sent.id, redelivered: true });
    const ended = await Promise.race([consumer.ended.then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('running'), 50))]);
    assert.equal(ended, 'running');
    void after;
    t.diagnostic(`runs: ${JSON.stringify(runs)}`);
  });


  let url: string;
  before(async () => {
    url = await ensureRabbitMq();
  });
  after(async () => {
    if (!(await portOpen())) rabbitmqctl('start_app');
  });

  test('publishes wait while the broker blocks publishers (memory alarm), then all go through', async (t) => {
    const bus = await connect(url, { name: 'blocked-publisher', publishTimeoutMs: 60_000 });
    t.after(() => bus.close());
    const topic = `${uniqueName('blocked')}.msg`;
    await bus.consume({ queue: uniqueName('blocked-q'), bindings: [topic] }, () => undefined);
    // A memory watermark far below what the broker uses raises its memory alarm: it blocks publishers.
    await rabbitmqctlAsync('set_vm_memory_high_watermark', 'absolute', '50MB');
    let restored = false;
    const restore = async (): Promise<void> => {
      if (restored) return;
      restored = true;
      await rabbitmqctlAsync('set_vm_memory_high_watermark', '0.4');
    };
    t.after(restore);
    let confirmed = 0;
    const publishes = Array.from({ length: 200 }, (_, n) => bus.publish({ topic, body: { n } }).then(() => confirmed++));
    // While blocked, nothing is confirmed (and nothing fails).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const confirmedWhileBlocked = confirmed;
    await restore();
    await Promise.all(publishes);
    t.diagnostic(`confirmed while blocked: ${confirmedWhileBlocked}; after the alarm cleared: ${confirmed}`);
    assert.ok(confirmedWhileBlocked < 200, 'the broker held the publishes while its alarm was on');
    assert.equal(confirmed, 200);
  });

  test('connections closed by the broker while 20,000 messages flow', async (t) => {
    const counts = await flowThrough(
      url,
      async () => {
        await rabbitmqctlAsync('close_all_connections', '-p', TEST_VHOST, 'fault test: closing every connection');
      },
      1_000,
    );
    t.diagnostic(`confirmed ${counts.confirmed}, failed attempts retried ${counts.failedAttempts}, consumed ${counts.consumedDistinct} distinct, ${counts.duplicates} redeliveries`);
    assert.equal(counts.confirmed, TOTAL);
    assert.equal(counts.consumedDistinct, TOTAL);
  });

  test('a broker restart while 20,000 messages flow', async (t) => {
    const counts = await flowThrough(
      url,
      async () => {
        await rabbitmqctlAsync('stop_app');
        await rabbitmqctlAsync('start_app');
        await rabbitmqctlAsync('await_startup');
      },
      1_000,
    );
    t.diagnostic(`confirmed ${counts.confirmed}, failed attempts retried ${counts.failedAttempts}, consumed ${counts.consumedDistinct} distinct, ${counts.duplicates} redeliveries`);
    assert.equal(counts.confirmed, TOTAL);
    assert.equal(counts.consumedDistinct, TOTAL);
  });
});
