/**
 * What the embedded broker keeps across a restart of its process: queues, bindings, exchanges and
 * every confirmed message, in order, including messages beyond what it holds in memory.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, EmbeddedBroker, EmbeddedConnection } from '../../src/transports/embedded/index.js';
import { DeliveryCollector } from '../helpers/deliveries.js';
import { rawMessage } from '../helpers/messages.js';

describe('embedded broker across restarts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidings-restart-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('keeps every confirmed message, in order, beyond the in-memory window', async () => {
    const total = 10_000; // more than the broker keeps in memory per queue
    let broker = new EmbeddedBroker({ dataDir: dir });
    let connection = new EmbeddedConnection(broker);
    await connection.declareQueue({ name: 'builds' });
    await connection.bindQueue('builds', 'amq.topic', 'org.example.#');
    const sent = Array.from({ length: total }, (_, i) => rawMessage('org.example.build', { i }));
    await Promise.all(sent.map((message) => connection.publish(message)));
    await connection.close();
    broker.close();

    broker = new EmbeddedBroker({ dataDir: dir });
    connection = new EmbeddedConnection(broker);
    const collector = new DeliveryCollector();
    await connection.consume({ queue: 'builds', prefetch: 500 }, (delivery) => {
      collector.listener(delivery);
      delivery.ack();
    });
    await collector.waitFor(total, 20_000);
    assert.deepEqual(collector.ids(), sent.map((m) => m.id));
    await connection.close();
    broker.close();
  });

  test('restores bindings, exchanges and queue limits', async () => {
    let broker = new EmbeddedBroker({ dataDir: dir });
    let connection = new EmbeddedConnection(broker);
    await connection.declareExchange('mirrors');
    await connection.declareQueue({ name: 'tier1', maxLength: 2 });
    await connection.bindQueue('tier1', 'mirrors', 'mirror.*.done');
    await connection.close();
    broker.close();

    broker = new EmbeddedBroker({ dataDir: dir });
    connection = new EmbeddedConnection(broker);
    const sent = [1, 2, 3].map((i) => rawMessage('mirror.sync.done', { i }));
    for (const message of sent) await connection.publish(message, { exchange: 'mirrors' });
    const collector = new DeliveryCollector();
    await connection.consume({ queue: 'tier1', prefetch: 10 }, collector.listener);
    const got = await collector.waitFor(2);
    assert.deepEqual(got.map((d) => d.message.id), sent.slice(1).map((m) => m.id), 'the max length of 2 survived');
    await connection.close();
    broker.close();
  });

  test('gives back unacknowledged messages after a restart', async () => {
    let broker = new EmbeddedBroker({ dataDir: dir });
    let connection = new EmbeddedConnection(broker);
    await connection.declareQueue({ name: 'work' });
    await connection.bindQueue('work', 'amq.topic', 'job.#');
    const message = rawMessage('job.run');
    await connection.publish(message);
    const first = new DeliveryCollector();
    await connection.consume({ queue: 'work', prefetch: 1 }, first.listener);
    await first.nth(0); // held, never acked
    broker.close(); // the process goes away with the delivery unsettled

    broker = new EmbeddedBroker({ dataDir: dir });
    connection = new EmbeddedConnection(broker);
    const second = new DeliveryCollector();
    await connection.consume({ queue: 'work', prefetch: 1 }, second.listener);
    const again = await second.nth(0);
    assert.equal(again.message.id, message.id);
    assert.equal(again.redelivered, true);
    await connection.close();
    broker.close();
  });

  test('refuses a second broker on the same data directory', () => {
    const broker = new EmbeddedBroker({ dataDir: dir });
    try {
      assert.throws(() => new EmbeddedBroker({ dataDir: dir }), (error: Error) => {
        assert.ok(error instanceof DataDirInUseError);
        assert.match(error.message, /in use by another Tidings process/);
        return true;
      });
    } finally {
      broker.close();
    }
  });
});
