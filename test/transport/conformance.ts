/**
 * The transport conformance suite: every Transport (embedded in-process, embedded through the hub,
 * AMQP) runs exactly these tests. A behaviour that differs between transports is a bug here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Transport } from '../../src/bus/index.js';
import { DeliveryCollector, eventually } from '../helpers/deliveries.js';
import { rawMessage, uniqueName } from '../helpers/messages.js';

export interface TransportUnderTest {
  /** A new, independent connection to the same broker. */
  connect(): Promise<Transport>;
  /** The queue where messages rejected from `queue` land. */
  deadLetterQueue(queue: string): string;
  /** Stops whatever setup started. */
  close(): Promise<void>;
}

export function runTransportConformance(name: string, setup: () => Promise<TransportUnderTest>): void {
  describe(`transport conformance: ${name}`, () => {
    let subject: TransportUnderTest;
    let bus: Transport;
    const exchange = 'amq.topic';

    before(async () => {
      subject = await setup();
      bus = await subject.connect();
    });
    after(async () => {
      await bus.close();
      await subject.close();
    });

    async function queueBoundTo(...patterns: string[]): Promise<string> {
      const { name: queue } = await bus.declareQueue({ name: uniqueName('q') });
      for (const pattern of patterns) await bus.bindQueue(queue, exchange, pattern);
      return queue;
    }

    test('delivers a published message with its id, topic, headers and body intact', async () => {
      const topic = `${uniqueName('t')}.build.done`;
      const queue = await queueBoundTo(topic);
      const message = { ...rawMessage(topic, { name: 'kernel', note: 'ünïcødé ✓', nested: { a: [1, 2] } }), priority: 3 };
      await bus.publish(message);
      const collector = new DeliveryCollector();
      const subscription = await bus.consume({ queue, prefetch: 10 }, collector.listener);
      const delivery = await collector.nth(0);
      assert.equal(delivery.message.id, message.id);
      assert.equal(delivery.message.topic, topic);
      assert.deepEqual(JSON.parse(delivery.message.body), JSON.parse(message.body));
      assert.equal(delivery.message.headers['fedora_messaging_schema'], 'base.message');
      assert.equal(delivery.message.headers['fedora_messaging_severity'], 20);
      assert.equal(delivery.message.priority, 3);
      assert.equal(delivery.queue, queue);
      assert.equal(delivery.redelivered, false);
      delivery.ack();
      await subscription.cancel();
    });

    test('routes by topic pattern: * is one word, # is zero or more', async () => {
      const root = uniqueName('r');
      const star = await queueBoundTo(`${root}.*.done`);
      const hash = await queueBoundTo(`${root}.#`);
      const topics = [`${root}.a.done`, `${root}.a.b.done`, `${root}`, `${root}.done`, `other.${root}.a.done`];
      for (const topic of topics) await bus.publish(rawMessage(topic));
      // A sentinel for each queue marks the end: anything wrongly routed would arrive before it.
      await bus.publish(rawMessage(`${root}.end.done`));
      const starCollector = new DeliveryCollector();
      const hashCollector = new DeliveryCollector();
      const a = await bus.consume({ queue: star, prefetch: 100 }, starCollector.listener);
      const b = await bus.consume({ queue: hash, prefetch: 100 }, hashCollector.listener);
      const starGot = await starCollector.waitFor(2);
      assert.deepEqual(starGot.map((d) => d.message.topic), [`${root}.a.done`, `${root}.end.done`]);
      const hashGot = await hashCollector.waitFor(5);
      assert.deepEqual(
        hashGot.map((d) => d.message.topic),
        [`${root}.a.done`, `${root}.a.b.done`, `${root}`, `${root}.done`, `${root}.end.done`],
      );
      for (const d of [...starGot, ...hashGot]) d.ack();
      await a.cancel();
      await b.cancel();
    });

    test('an unroutable publish is dropped, or refused when mandatory', async () => {
      // An exchange of its own: on a shared broker something (an archive) may be bound to '#' on amq.topic.
      const lonely = uniqueName('lonely');
      await bus.declareExchange(lonely);
      await bus.publish(rawMessage(`${uniqueName('nobody')}.listens`), { exchange: lonely });
      await assert.rejects(bus.publish(rawMessage(`${uniqueName('nobody')}.listens`), { exchange: lonely, mandatory: true }), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'PUBLISH_UNROUTABLE');
        return true;
      });
    });

    test('keeps publish order for one consumer', async () => {
      const topic = uniqueName('order');
      const queue = await queueBoundTo(topic);
      const sent = Array.from({ length: 50 }, (_, i) => rawMessage(topic, { i }));
      await Promise.all(sent.map((message) => bus.publish(message)));
      const collector = new DeliveryCollector();
      const subscription = await bus.consume({ queue, prefetch: 100 }, collector.listener);
      const got = await collector.waitFor(50);
      assert.deepEqual(got.map((d) => d.message.id), sent.map((m) => m.id));
      got.forEach((d) => d.ack());
      await subscription.cancel();
    });

    test('holds no more unacknowledged deliveries than the prefetch', async () => {
      const topic = uniqueName('prefetch');
      const queue = await queueBoundTo(topic);
      for (let i = 0; i < 5; i++) await bus.publish(rawMessage(topic, { i }));
      const collector = new DeliveryCollector();
      const subscription = await bus.consume({ queue, prefetch: 2 }, collector.listener);
      const firstTwo = await collector.waitFor(2);
      // The third may only come after an ack: ack one, and exactly one more arrives.
      firstTwo[0]!.ack();
      await collector.waitFor(3);
      assert.equal(collector.received.length, 3);
      firstTwo[1]!.ack();
      collector.received[2]!.ack();
      await collector.waitFor(5);
      collector.received.slice(3).forEach((d) => d.ack());
      await subscription.cancel();
    });

    test('an acknowledged message is gone; a requeued one comes back marked redelivered', async () => {
      const topic = uniqueName('settle');
      const queue = await queueBoundTo(topic);
      const acked = rawMessage(topic, { which: 'acked' });
      const requeued = rawMessage(topic, { which: 'requeued' });
      await bus.publish(acked);
      await bus.publish(requeued);
      const collector = new DeliveryCollector();
      const subscription = await bus.consume({ queue, prefetch: 1 }, collector.listener);
      (await collector.nth(0)).ack();
      const second = await collector.nth(1);
      assert.equal(second.message.id, requeued.id);
      second.requeue();
      const again = await collector.nth(2);
      assert.equal(again.message.id, requeued.id);
      assert.equal(again.redelivered, true);
      again.ack();
      await subscription.cancel();
      // Nothing is left: a new consumer receives only what is published next.
      const sentinel = rawMessage(topic, { which: 'sentinel' });
      await bus.publish(sentinel);
      const later = new DeliveryCollector();
      const sub2 = await bus.consume({ queue, prefetch: 10 }, later.listener);
      assert.equal((await later.nth(0)).message.id, sentinel.id);
      later.received[0]!.ack();
      await sub2.cancel();
    });

    test('dead-letters a rejected message to its dead-letter queue with the reason', async () => {
      const topic = uniqueName('dead');
      const queue = await queueBoundTo(topic);
      const message = rawMessage(topic, { poison: true });
      await bus.publish(message);
      const collector = new DeliveryCollector();
      const subscription = await bus.consume({ queue, prefetch: 1 }, collector.listener);
      (await collector.nth(0)).deadLetter('body field "poison" is not allowed');
      await subscription.cancel();
      const dead = new DeliveryCollector();
      const deadSubscription = await bus.consume({ queue: subject.deadLetterQueue(queue), prefetch: 10 }, dead.listener);
      const delivery = await dead.nth(0);
      assert.equal(delivery.message.id, message.id);
      assert.equal(delivery.message.body, message.body);
      assert.equal(delivery.message.headers['x-tidings-death-reason'], 'body field "poison" is not allowed');
      assert.equal(delivery.message.headers['x-first-death-queue'], queue);
      delivery.ack();
      await deadSubscription.cancel();
    });

    test('redelivers unacknowledged messages when the consumer is cancelled', async () => {
      const topic = uniqueName('cancel');
      const queue = await queueBoundTo(topic);
      const messages = [rawMessage(topic), rawMessage(topic)];
      for (const message of messages) await bus.publish(message);
      const first = new DeliveryCollector();
      const subscription = await bus.consume({ queue, prefetch: 10 }, first.listener);
      await first.waitFor(2);
      await subscription.cancel();
      const second = new DeliveryCollector();
      const sub2 = await bus.consume({ queue, prefetch: 10 }, second.listener);
      const again = await second.waitFor(2);
      assert.deepEqual(again.map((d) => d.message.id), messages.map((m) => m.id));
      assert.ok(again.every((d) => d.redelivered));
      // Settling the first consumer's stale deliveries must not disturb the new ones.
      first.received.forEach((d) => d.ack());
      again.forEach((d) => d.ack());
      await sub2.cancel();
    });

    test('redelivers unacknowledged messages when the connection goes away', async () => {
      const topic = uniqueName('conn');
      const queue = await queueBoundTo(topic);
      const message = rawMessage(topic);
      await bus.publish(message);
      const other = await subject.connect();
      const collector = new DeliveryCollector();
      await other.consume({ queue, prefetch: 10 }, collector.listener);
      await collector.nth(0);
      await other.close();
      const next = new DeliveryCollector();
      const subscription = await bus.consume({ queue, prefetch: 10 }, next.listener);
      const again = await next.nth(0);
      assert.equal(again.message.id, message.id);
      assert.equal(again.redelivered, true);
      again.ack();
      await subscription.cancel();
    });

    test('shares a queue between consumers round-robin', async () => {
      const topic = uniqueName('rr');
      const queue = await queueBoundTo(topic);
      const a = new DeliveryCollector();
      const b = new DeliveryCollector();
      const subA = await bus.consume({ queue, prefetch: 1 }, (d) => {
        a.listener(d);
        d.ack();
      });
      const subB = await bus.consume({ queue, prefetch: 1 }, (d) => {
        b.listener(d);
        d.ack();
      });
      for (let i = 0; i < 20; i++) await bus.publish(rawMessage(topic, { i }));
      await eventually(() => a.received.length + b.received.length === 20, '20 messages are consumed');
      assert.ok(a.received.length >= 5 && b.received.length >= 5, `split ${a.received.length}/${b.received.length}`);
      await subA.cancel();
      await subB.cancel();
    });

    test('a server-named queue is exclusive to its connection and goes away with it', async () => {
      const owner = await subject.connect();
      const declared = await owner.declareQueue({ name: '', exclusive: true, autoDelete: true, durable: false });
      assert.ok(declared.name.length > 0, 'the broker names the queue');
      const topic = uniqueName('excl');
      await owner.bindQueue(declared.name, exchange, topic);
      await assert.rejects(bus.consume({ queue: declared.name, prefetch: 1 }, () => undefined), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'RESOURCE_LOCKED');
        return true;
      });
      await owner.close();
      await eventually(async () => {
        try {
          const probe = await subject.connect();
          try {
            await probe.consume({ queue: declared.name, prefetch: 1 }, () => undefined);
            return false;
          } catch (error) {
            return (error as { code?: string }).code === 'NOT_FOUND';
          } finally {
            await probe.close();
          }
        } catch {
          return false;
        }
      }, 'the exclusive queue is deleted');
    });

    test('a queue at its max length drops its oldest message to the dead-letter queue', async () => {
      const topic = uniqueName('maxlen');
      const { name: queue } = await bus.declareQueue({ name: uniqueName('q'), maxLength: 3 });
      await bus.bindQueue(queue, exchange, topic);
      const sent = Array.from({ length: 5 }, (_, i) => rawMessage(topic, { i }));
      for (const message of sent) await bus.publish(message);
      const collector = new DeliveryCollector();
      const subscription = await bus.consume({ queue, prefetch: 10 }, collector.listener);
      const got = await collector.waitFor(3);
      assert.deepEqual(got.map((d) => d.message.id), sent.slice(2).map((m) => m.id));
      got.forEach((d) => d.ack());
      await subscription.cancel();
      const dead = new DeliveryCollector();
      const deadSubscription = await bus.consume({ queue: subject.deadLetterQueue(queue), prefetch: 10 }, dead.listener);
      const dropped = await dead.waitFor(2);
      assert.deepEqual(dropped.map((d) => d.message.id), sent.slice(0, 2).map((m) => m.id));
      assert.equal(dropped[0]!.message.headers['x-first-death-reason'], 'maxlen');
      dropped.forEach((d) => d.ack());
      await deadSubscription.cancel();
    });

    test('a full reject-publish queue refuses the publish', async () => {
      const topic = uniqueName('reject');
      const { name: queue } = await bus.declareQueue({ name: uniqueName('q'), maxLength: 2, overflow: 'reject-publish' });
      await bus.bindQueue(queue, exchange, topic);
      await bus.publish(rawMessage(topic));
      await bus.publish(rawMessage(topic));
      await assert.rejects(bus.publish(rawMessage(topic)), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'PUBLISH_REJECTED');
        return true;
      });
    });

    test('a durable queue keeps its messages for the next connection', async () => {
      const topic = uniqueName('durable');
      const queue = await queueBoundTo(topic);
      const publisher = await subject.connect();
      const message = rawMessage(topic);
      await publisher.publish(message);
      await publisher.close();
      const collector = new DeliveryCollector();
      const subscription = await bus.consume({ queue, prefetch: 1 }, collector.listener);
      assert.equal((await collector.nth(0)).message.id, message.id);
      collector.received[0]!.ack();
      await subscription.cancel();
    });

    test('ends a consumer with an error when its queue is deleted', async () => {
      const queue = await queueBoundTo(uniqueName('gone'));
      const other = await subject.connect();
      const subscription = await other.consume({ queue, prefetch: 1 }, () => undefined);
      await bus.deleteQueue(queue);
      const error = await subscription.ended;
      assert.ok(error instanceof Error, 'ended carries an error');
      assert.equal((error as { code?: string }).code, 'CONSUMER_CANCELLED');
      await other.close();
    });

    test('refuses to consume a queue that does not exist', async () => {
      await assert.rejects(bus.consume({ queue: uniqueName('missing'), prefetch: 1 }, () => undefined), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'NOT_FOUND');
        return true;
      });
    });
  });
}
