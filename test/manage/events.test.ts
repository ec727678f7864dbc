import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AlertTransition } from '../../src/manage/alerts/index.js';
import {
  alertEvent,
  auditEvent,
  diffSnapshots,
  MANAGEMENT_EVENT_SCHEMAS,
  MANAGEMENT_TOPIC_PATTERN,
  MANAGEMENT_TOPICS,
  type ManagementEvent,
} from '../../src/manage/events.js';
import { topicMatches } from '../../src/message/index.js';
import { binding, connection, consumer, exchange, MINUTE, queue, snapshot, T0 } from './snapshot-builder.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
const validators = new Map(MANAGEMENT_TOPICS.map((topic) => [topic, ajv.compile(MANAGEMENT_EVENT_SCHEMAS[topic])]));

function assertValid(events: readonly ManagementEvent[]): void {
  for (const event of events) {
    const validate = validators.get(event.topic);
    assert.ok(validate, `no schema for ${event.topic}`);
    assert.ok(validate(event.body), `${event.topic}: ${ajv.errorsText(validate.errors)}`);
    // Plain JSON: it survives a round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(event.body)), event.body);
  }
}

const archiveConnection = connection('10.0.0.5:41234 -> 10.0.0.1:5672', { service: 'tidings-archive', host: 'archive01', pid: 4242 });
const before = snapshot(T0, {
  exchanges: [exchange('amq.topic'), exchange('old.exchange', { type: 'fanout' })],
  queues: [queue('tidings.archive', { deadLetterQueue: 'tidings.archive.dlq' }), queue('tmp.queue')],
  bindings: [binding('amq.topic', 'tidings.archive', '#'), binding('amq.topic', 'tmp.queue', 'org.#')],
  connections: [archiveConnection, connection('gone', { service: 'notifier', host: 'notify01', pid: 7 })],
  consumers: [consumer('ctag-1', 'tidings.archive', archiveConnection.name), consumer('ctag-1', 'tmp.queue', 'gone')],
});
const newConnection = connection('10.0.0.9:5000 -> 10.0.0.1:5672', { service: 'mirror-agent', host: 'mirror01', pid: 99 });
const after = snapshot(T0 + MINUTE, {
  exchanges: [exchange('amq.topic'), exchange('tidings.retry', { durable: false })],
  queues: [queue('tidings.archive', { deadLetterQueue: 'tidings.archive.dlq' }), queue('mirror.tier1', { exclusive: true })],
  bindings: [binding('amq.topic', 'tidings.archive', '#'), binding('amq.topic', 'mirror.tier1', 'org.fedoraproject.*.mirror.#')],
  connections: [archiveConnection, newConnection],
  consumers: [consumer('ctag-1', 'tidings.archive', archiveConnection.name), consumer('ctag-1', 'mirror.tier1', newConnection.name, { prefetch: 5 })],
});

describe('diffSnapshots', () => {
  test('reports what opened and was declared first, what was cancelled and deleted after, in causal order', () => {
    const events = diffSnapshots(before, after);
    assert.deepEqual(
      events.map((e) => `${e.topic} ${JSON.stringify(Object.values(e.body).slice(0, 2))}`),
      [
        'tidings.manage.connection.open ["10.0.0.9:5000 -> 10.0.0.1:5672","mirror-agent"]',
        'tidings.manage.exchange.declare ["tidings.retry","topic"]',
        'tidings.manage.queue.declare ["mirror.tier1",true]',
        'tidings.manage.binding.create ["amq.topic","mirror.tier1"]',
        'tidings.manage.consumer.subscribe ["mirror.tier1","ctag-1"]',
        'tidings.manage.consumer.cancel ["tmp.queue","ctag-1"]',
        'tidings.manage.binding.delete ["amq.topic","tmp.queue"]',
        'tidings.manage.queue.delete ["tmp.queue"]',
        'tidings.manage.exchange.delete ["old.exchange"]',
        'tidings.manage.connection.close ["gone","notifier"]',
      ],
    );
    assert.ok(events.every((e) => e.at === T0 + MINUTE));
    assertValid(events);
  });

  test('connection events say who: service, host and pid', () => {
    const [open] = diffSnapshots(before, after);
    assert.deepEqual(open?.body, {
      connection: newConnection.name,
      service: 'mirror-agent',
      host: 'mirror01',
      pid: 99,
      user: 'tidings',
      peer: '10.0.0.5:41234',
    });
  });

  test('a consumer subscribe carries its service and prefetch; a queue declare its flags', () => {
    const events = diffSnapshots(before, after);
    assert.deepEqual(events.find((e) => e.topic === 'tidings.manage.consumer.subscribe')?.body, {
      queue: 'mirror.tier1',
      tag: 'ctag-1',
      connection: newConnection.name,
      channel: `${newConnection.name} (1)`,
      service: 'mirror-agent',
      prefetch: 5,
    });
    assert.deepEqual(events.find((e) => e.topic === 'tidings.manage.queue.declare')?.body, {
      queue: 'mirror.tier1',
      durable: true,
      exclusive: true,
      auto_delete: false,
      dead_letter_queue: null,
    });
  });

  test('the same snapshot twice gives no event; no previous snapshot makes everything new', () => {
    assert.deepEqual(diffSnapshots(after, after), []);
    const all = diffSnapshots(null, before);
    assert.equal(all.length, 2 + 2 + 2 + 2 + 2);
    assert.ok(all.every((e) => !e.topic.endsWith('.delete') && !e.topic.endsWith('.close') && !e.topic.endsWith('.cancel')));
    assertValid(all);
  });

  test('a consumer that resubscribed on a new channel with the same tag is a cancel and a subscribe', () => {
    const moved = snapshot(T0 + 2 * MINUTE, {
      ...after,
      consumers: [consumer('ctag-1', 'tidings.archive', archiveConnection.name, { channel: `${archiveConnection.name} (2)` }), ...after.consumers.slice(1)],
    });
    assert.deepEqual(diffSnapshots(after, moved).map((e) => e.topic), ['tidings.manage.consumer.subscribe', 'tidings.manage.consumer.cancel']);
  });
});

describe('management topics and schemas', () => {
  test('every topic is under the management family, has a draft 2020-12 schema, and the family pattern matches it', () => {
    assert.equal(new Set(MANAGEMENT_TOPICS).size, MANAGEMENT_TOPICS.length);
    for (const topic of MANAGEMENT_TOPICS) {
      assert.match(topic, /^tidings\.manage\.[a-z]+\.[a-z]+$/);
      assert.ok(topicMatches(MANAGEMENT_TOPIC_PATTERN, topic));
      assert.equal(MANAGEMENT_EVENT_SCHEMAS[topic].$schema, 'https://json-schema.org/draft/2020-12/schema');
    }
  });

  test('a schema rejects a body without its required fields', () => {
    const validate = validators.get('tidings.manage.binding.create');
    assert.equal(validate?.({ exchange: 'amq.topic', queue: 'q' }), false);
  });

  test('alert transitions become alert.raise and alert.clear events', () => {
    const alert = {
      id: 'depth:q',
      kind: 'depth',
      subjectType: 'queue',
      subject: 'q',
      severity: 'warning',
      message: 'queue "q" holds 150 messages ready (threshold 100): …',
      value: 150,
      threshold: 100,
      unit: 'messages',
      breachSince: T0,
      raisedAt: T0 + MINUTE,
    } as const;
    const raised: AlertTransition = { type: 'raised', at: T0 + MINUTE, alert };
    const cleared: AlertTransition = { type: 'cleared', at: T0 + 5 * MINUTE, alert: { ...alert, value: 20 } };
    const events = [alertEvent(raised), alertEvent(cleared)];
    assert.deepEqual(events.map((e) => [e.topic, e.at, e.body.value]), [
      ['tidings.manage.alert.raise', T0 + MINUTE, 150],
      ['tidings.manage.alert.clear', T0 + 5 * MINUTE, 20],
    ]);
    assertValid(events);
  });

  test('audited actions become action events by outcome', () => {
    const record = { id: 7, at: T0, actor: 'alice', role: 'operator', action: 'purge', target: 'q', detail: { count: 5 }, outcome: 'refused', affected: 0, error: 'queue in use' } as const;
    const event = auditEvent(record);
    assert.equal(event.topic, 'tidings.manage.action.refused');
    assert.equal(event.body.error, 'queue in use');
    assertValid([event, auditEvent({ ...record, outcome: 'done', affected: 5, error: undefined })]);
  });
});
