/**
 * The spool and its delivery against an in-process broker: order kept across runs, one delivery at
 * a time, entries the bus will never take set aside instead of blocking the rest, nothing removed
 * before the broker confirmed it.
 */
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus, ConnectionError, type ReceivedMessage } from '../../src/bus/index.js';
import { createMessage, SchemaRegistry, type Message } from '../../src/message/index.js';
import { EmbeddedBroker, EmbeddedConnection } from '../../src/transports/embedded/index.js';
import { deliverSpool, REJECTED_DIR, Spool } from '../../src/githook/index.js';

const dirs: string[] = [];
const brokers: EmbeddedBroker[] = [];
const buses: Bus[] = [];

function tempSpool(): Spool {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-spool-'));
  dirs.push(dir);
  return new Spool(join(dir, 'tidings-spool'));
}

function message(n: number): Message {
  return createMessage({ topic: 'git.receive', id: `message-${n}`, body: { n } }, new SchemaRegistry());
}

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
  for (const broker of brokers.splice(0)) broker.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A broker, a consumer bus collecting everything published, and a connector for the delivery. */
async function brokerWithCollector(): Promise<{ received: ReceivedMessage[]; connect: () => Promise<Bus>; waitFor: (count: number) => Promise<void> }> {
  const broker = new EmbeddedBroker();
  brokers.push(broker);
  const consumerBus = new Bus(new EmbeddedConnection(broker));
  buses.push(consumerBus);
  const received: ReceivedMessage[] = [];
  const waiters: Array<() => void> = [];
  await consumerBus.consume({ bindings: ['#'] }, async (delivered) => {
    received.push(delivered);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    received,
    connect: async () => new Bus(new EmbeddedConnection(broker)),
    waitFor: async (count) => {
      const deadline = Date.now() + 5_000;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${received.length} of ${count} messages arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

describe('Spool', () => {
  test('entries are numbered after the ones already waiting and read back as written', () => {
    const spool = tempSpool();
    assert.deepEqual(spool.entries(), [], 'a spool that does not exist yet is empty');
    spool.add([message(1), message(2)]);
    spool.remove(spool.entries()[0]!);
    spool.add([message(3)]);
    const entries = spool.entries();
    assert.deepEqual(entries, ['000000000002-message-2.json', '000000000003-message-3.json']);
    const read = spool.read(entries[1]!);
    assert.deepEqual([read.id, read.topic, read.body], ['message-3', 'git.receive', { n: 3 }]);
    assert.equal(read.headers['fedora_messaging_schema'], 'base.message', 'headers are kept as built');
    assert.ok(!readdirSync(spool.dir).some((name) => name.startsWith('.writing-')), 'no half-written file is left');
  });

  test('one delivery at a time: a live holder keeps the lock, a dead one loses it', async () => {
    const spool = tempSpool();
    const held = await spool.lock(0);
    assert.ok(held);
    assert.equal(await spool.lock(100), null, 'a second delivery waits, then gives up');
    held.release();
    const again = await spool.lock(0);
    assert.ok(again, 'released locks can be taken');
    again.release();

    // A lock whose process is gone (pid far beyond any running one).
    writeFileSync(join(spool.dir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), at: new Date().toISOString() }));
    const broken = await spool.lock(0);
    assert.ok(broken, 'the stale lock was broken');
    broken.release();
    assert.ok(!existsSync(join(spool.dir, 'lock')));
  });
});

describe('deliverSpool', () => {
  test('sends in order with the spooled ids and empties the spool', async () => {
    const spool = tempSpool();
    spool.add([1, 2, 3, 4, 5].map(message));
    const { received, connect, waitFor } = await brokerWithCollector();
    const report = await deliverSpool(spool, { connect, budgetMs: 5_000 });
    assert.deepEqual({ sent: report.sent, left: report.left, error: report.error, rejected: report.rejected }, { sent: 5, left: 0, error: null, rejected: [] });
    await waitFor(5);
    assert.deepEqual(received.map((m) => m.id), ['message-1', 'message-2', 'message-3', 'message-4', 'message-5']);
    assert.deepEqual(spool.entries(), []);
  });

  test('an entry the bus can never take is set aside with its reason; the rest goes out', async () => {
    const spool = tempSpool();
    spool.add([message(1)]);
    writeFileSync(join(spool.dir, '000000000002-broken.json'), '{"topic": "git.receive", "body": [not json\n');
    writeFileSync(join(spool.dir, '000000000003-wildcard.json'), JSON.stringify({ topic: 'git.*.receive', id: 'bad-topic', body: {} }) + '\n');
    spool.add([message(4)]);
    const { received, connect, waitFor } = await brokerWithCollector();
    const report = await deliverSpool(spool, { connect, budgetMs: 5_000 });
    assert.equal(report.sent, 2);
    assert.deepEqual(report.rejected.map((r) => r.entry), ['000000000002-broken.json', '000000000003-wildcard.json']);
    await waitFor(2);
    assert.deepEqual(received.map((m) => m.id), ['message-1', 'message-4']);
    const aside = readdirSync(join(spool.dir, REJECTED_DIR)).sort();
    assert.deepEqual(aside, ['000000000002-broken.json', '000000000002-broken.json.reason', '000000000003-wildcard.json', '000000000003-wildcard.json.reason']);
    assert.match(readFileSync(join(spool.dir, REJECTED_DIR, '000000000003-wildcard.json.reason'), 'utf8'), /\[TOPIC_INVALID\]/);
  });

  test('when the bus cannot be reached nothing is removed, and the error says why', async () => {
    const spool = tempSpool();
    spool.add([message(1), message(2)]);
    const report = await deliverSpool(spool, {
      connect: async () => {
        throw new ConnectionError('could not reach the bus');
      },
      budgetMs: 1_000,
    });
    assert.equal(report.sent, 0);
    assert.equal(report.left, 2);
    assert.equal((report.error as { code?: string } | null)?.code, 'CONNECTION_FAILED');
    assert.ok(!existsSync(join(spool.dir, 'lock')), 'the lock is released');
  });
});
