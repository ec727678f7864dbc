import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/connect.js';
import { Drop, HaltConsumer, Nack, type Bus, type ReceivedMessage } from '../../src/bus/index.js';
import { defineSchema, SchemaRegistry } from '../../src/message/index.js';
import { DeliveryCollector, withTimeout } from '../helpers/deliveries.js';
import { rawMessage, uniqueName } from '../helpers/messages.js';

const buildSchema = defineSchema({
  name: 'buildsys.build.done.v1',
  bodySchema: {
    type: 'object',
    required: ['owner', 'package'],
    properties: { owner: { type: 'string' }, package: { type: 'string' } },
  },
  summary: (m) => `${String(m.body['owner'])} built ${String(m.body['package'])}`,
  usernames: (m) => [String(m.body['owner'])],
  packages: (m) => [String(m.body['package'])],
});

/** Collects what a handler sees, resolving `next()` in arrival order. */
function inbox() {
  const seen: ReceivedMessage[] = [];
  const waiters: Array<() => void> = [];
  return {
    seen,
    push(message: ReceivedMessage) {
      seen.push(message);
      waiters.splice(0).forEach((wake) => wake());
    },
    async count(n: number, what = `${n} messages`) {
      while (seen.length < n) {
        await withTimeout(new Promise<void>((resolve) => waiters.push(resolve)), 5000, () => `timed out waiting for ${what} (got ${seen.length})`);
      }
      return seen.slice(0, n);
    },
  };
}

describe('bus API', () => {
  let bus: Bus;
  let topic: string;

  beforeEach(async () => {
    bus = await connect('memory:', { registry: new SchemaRegistry([buildSchema]) });
    topic = `${uniqueName('t')}.build.done`;
  });
  afterEach(async () => {
    await bus.close();
  });

  test('publish fills in the id, schema, severity, sent-at and routing-fact headers', async () => {
    const sent = await bus.publish({ topic, body: { owner: 'alice', package: 'kernel' }, schema: 'buildsys.build.done.v1' });
    assert.match(sent.id, /^[0-9a-f-]{36}$/);
    assert.equal(sent.headers['fedora_messaging_schema'], 'buildsys.build.done.v1');
    assert.equal(sent.headers['fedora_messaging_severity'], 20);
    assert.match(String(sent.headers['sent-at']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    assert.equal(sent.headers['fedora_messaging_user_alice'], true);
    assert.equal(sent.headers['fedora_messaging_rpm_kernel'], true);
  });

  test('refuses bad messages before anything is stored', async () => {
    const box = inbox();
    await bus.consume({ queue: uniqueName('q'), bindings: [topic] }, (m) => box.push(m));
    const refusals: Array<[() => Promise<unknown>, string]> = [
      [() => bus.publish({ topic, body: [1, 2] as unknown as Record<string, unknown> }), 'MESSAGE_MALFORMED'],
      [() => bus.publish({ topic: 'a..b', body: {} }), 'TOPIC_INVALID'],
      [() => bus.publish({ topic: 'a.*.b', body: {} }), 'TOPIC_INVALID'],
      [() => bus.publish({ topic, body: { owner: 7 }, schema: 'buildsys.build.done.v1' }), 'MESSAGE_INVALID'],
      [() => bus.publish({ topic, body: { blob: 'x'.repeat(1024 * 1024 + 1) } }), 'MESSAGE_TOO_LARGE'],
    ];
    for (const [attempt, code] of refusals) {
      await assert.rejects(attempt(), (error: Error & { code?: string }) => {
        assert.equal(error.code, code, error.message);
        return true;
      });
    }
    const good = await bus.publish({ topic, body: { fine: true } });
    const [first] = await box.count(1);
    assert.equal(first!.id, good.id, 'the first message to arrive is the good one: nothing bad was stored');
  });

  test('names the failing path and rule in a schema violation', async () => {
    await assert.rejects(bus.publish({ topic, body: { owner: 'alice', package: 3 }, schema: 'buildsys.build.done.v1' }), (error: Error) => {
      assert.match(error.message, /\/package/);
      assert.match(error.message, /type/);
      return true;
    });
  });

  test('a handler that returns acks: the message is not seen again', async () => {
    const queue = uniqueName('q');
    const box = inbox();
    const consumer = await bus.consume({ queue, bindings: [topic] }, (m) => box.push(m));
    const first = await bus.publish({ topic, body: { n: 1 } });
    await box.count(1);
    await consumer.stop();
    const second = await bus.publish({ topic, body: { n: 2 } });
    const again = inbox();
    await bus.consume({ queue }, (m) => again.push(m));
    const [next] = await again.count(1);
    assert.equal(next!.id, second.id);
    assert.notEqual(next!.id, first.id);
  });

  test('the handler receives the derived facts', async () => {
    const box = inbox();
    await bus.consume({ queue: '', bindings: [topic] }, (m) => box.push(m));
    await bus.publish({ topic, body: { owner: 'alice', package: 'kernel' }, schema: 'buildsys.build.done.v1' });
    const [message] = await box.count(1);
    assert.equal(message!.facts.summary, 'alice built kernel');
    assert.deepEqual(message!.facts.usernames, ['alice']);
    assert.deepEqual(message!.facts.packages, ['kernel']);
    assert.equal(message!.facts.schemaKnown, true);
  });

  test('Nack requeues: the message comes back, redelivered', async () => {
    const box = inbox();
    await bus.consume({ queue: uniqueName('q'), bindings: [topic] }, (m) => {
      box.push(m);
      if (box.seen.length === 1) throw new Nack();
    });
    const sent = await bus.publish({ topic, body: {} });
    const [first, second] = await box.count(2);
    assert.equal(first!.id, sent.id);
    assert.equal(second!.id, sent.id);
    assert.equal(second!.redelivered, true);
  });

  test('Drop dead-letters the message with the reason', async () => {
    const queue = uniqueName('q');
    await bus.consume({ queue, bindings: [topic] }, () => {
      throw new Drop('package is retired');
    });
    const sent = await bus.publish({ topic, body: {} });
    const dead = inbox();
    await bus.consume({ queue: `${queue}.dlq` }, (m) => dead.push(m));
    const [message] = await dead.count(1);
    assert.equal(message!.id, sent.id);
    assert.match(String(message!.headers['x-tidings-death-reason']), /package is retired/);
  });

  test('HaltConsumer stops the consumer with its exit code, after acking', async () => {
    const queue = uniqueName('q');
    const consumer = await bus.consume({ queue, bindings: [topic] }, () => {
      throw new HaltConsumer({ exitCode: 3 });
    });
    await bus.publish({ topic, body: {} });
    const end = await withTimeout(consumer.ended, 5000, () => 'consumer did not end');
    assert.equal(end.reason, 'halted');
    assert.equal(end.exitCode, 3);
    const sentinel = await bus.publish({ topic, body: { sentinel: true } });
    const box = inbox();
    await bus.consume({ queue }, (m) => box.push(m));
    assert.equal((await box.count(1))[0]!.id, sentinel.id, 'the halting message was acked');
  });

  test('any other handler error requeues the message and stops the consumer (exit 13)', async () => {
    const queue = uniqueName('q');
    const consumer = await bus.consume({ queue, bindings: [topic] }, () => {
      throw new TypeError('boom');
    });
    const sent = await bus.publish({ topic, body: {} });
    const end = await withTimeout(consumer.ended, 5000, () => 'consumer did not end');
    assert.equal(end.reason, 'handler-failed');
    assert.equal(end.exitCode, 13);
    assert.match(end.error!.message, /failed on message/);
    assert.match((end.error!.cause as Error).message, /boom/);
    const box = inbox();
    await bus.consume({ queue }, (m) => box.push(m));
    const [again] = await box.count(1);
    assert.equal(again!.id, sent.id);
    assert.equal(again!.redelivered, true);
  });

  test('undecodable and schema-violating deliveries are dead-lettered and consumption goes on', async () => {
    const queue = uniqueName('q');
    const box = inbox();
    await bus.consume({ queue, bindings: [topic] }, (m) => box.push(m));
    await bus.transport.publish({ ...rawMessage(topic), body: 'not json {' });
    await bus.transport.publish({ ...rawMessage(topic), body: '[1,2,3]' });
    await bus.transport.publish({
      ...rawMessage(topic, { owner: 1 }),
      headers: { fedora_messaging_schema: 'buildsys.build.done.v1' },
    });
    const good = await bus.publish({ topic, body: { fine: true } });
    const [first] = await box.count(1);
    assert.equal(first!.id, good.id);
    // Dead letters keep their raw body: read them below the bus, where nothing decodes them.
    const dead = new DeliveryCollector();
    await bus.transport.consume({ queue: `${queue}.dlq`, prefetch: 10 }, dead.listener);
    const reasons = (await dead.waitFor(3)).map((d) => String(d.message.headers['x-tidings-death-reason']));
    assert.match(reasons[0]!, /not JSON/i);
    assert.match(reasons[1]!, /object/);
    assert.match(reasons[2]!, /\/owner/);
    assert.equal(dead.received[0]!.message.body, 'not json {', 'the raw body is kept intact');
  });

  test('an unknown schema falls back to the base schema', async () => {
    const box = inbox();
    await bus.consume({ queue: '', bindings: [topic] }, (m) => box.push(m));
    await bus.transport.publish({ ...rawMessage(topic, { user: 'bob' }), headers: { fedora_messaging_schema: 'nobody.knows.v9' } });
    const [message] = await box.count(1);
    assert.equal(message!.facts.schemaKnown, false);
    assert.equal(message!.facts.severity, 20, 'missing severity means INFO');
  });

  test('runs up to `concurrency` handlers at once', async () => {
    let running = 0;
    let most = 0;
    const box = inbox();
    await bus.consume({ queue: uniqueName('q'), bindings: [topic], concurrency: 3, prefetch: 10 }, async (m) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      box.push(m);
    });
    await Promise.all(Array.from({ length: 9 }, (_, i) => bus.publish({ topic, body: { i } })));
    await box.count(9);
    assert.equal(most, 3);
  });

  test('close() lets a handler in flight finish and acks its message', async () => {
    const queue = uniqueName('q');
    let release!: () => void;
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    let finished = false;
    await bus.consume({ queue, bindings: [topic] }, async () => {
      started();
      await new Promise<void>((resolve) => (release = resolve));
      finished = true;
    });
    await bus.publish({ topic, body: {} });
    await handlerStarted;
    const closing = bus.close();
    release();
    await closing;
    assert.equal(finished, true);
  });

  test('joins the topic prefix the way fedora-messaging does', async () => {
    const prefixed = await connect('memory:', { topicPrefix: 'org.example.prod.' });
    try {
      const sent = await prefixed.publish({ topic: 'bars.thing.happened', body: {} });
      assert.equal(sent.topic, 'org.example.prod.bars.thing.happened');
    } finally {
      await prefixed.close();
    }
  });
});
