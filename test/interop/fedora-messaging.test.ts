/**
 * Tidings against an independent fedora-messaging-format peer (fm_peer.py, pika) on the real
 * RabbitMQ: each side reads what the other writes, exactly as shared/WIRE.md describes the wire.
 */
import { afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from '../../src/connect.js';
import type { Bus, ReceivedMessage } from '../../src/bus/index.js';
import { defineSchema, SchemaRegistry, Severity, type Message } from '../../src/message/index.js';
import { withTimeout } from '../helpers/deliveries.js';
import { uniqueName } from '../helpers/messages.js';
import { ensureRabbitMq } from '../helpers/rabbitmq.js';
import { bodyBytes, peerAvailable, peerConsume, peerPublish, type PeerMessage, type PeerRecord } from './peer.js';

type Person = { name: string };
type CommentBody = { comment: { text: string; user: Person; update: { alias: string; user: Person; builds: Array<{ nvr: string }> } } };

const person = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };
const comment = (m: Message) => (m.body as CommentBody).comment;

/** A stand-in for bodhi-messages' UpdateCommentV1, deriving its facts from the body as that one does. */
const commentSchema = defineSchema({
  name: 'bodhi.update.comment.v1',
  bodySchema: {
    type: 'object',
    required: ['comment'],
    properties: {
      comment: {
        type: 'object',
        required: ['text', 'user', 'update'],
        properties: {
          text: { type: 'string' },
          user: person,
          update: {
            type: 'object',
            required: ['alias', 'user', 'builds'],
            properties: { alias: { type: 'string' }, user: person, builds: { type: 'array', items: { type: 'object', required: ['nvr'] } } },
          },
        },
      },
    },
  },
  summary: (m) => `${comment(m).user.name} commented on bodhi update ${comment(m).update.alias}`,
  url: (m) => `https://bodhi.fedoraproject.org/updates/${comment(m).update.alias}`,
  agent: (m) => comment(m).user.name,
  usernames: (m) => [comment(m).user.name, comment(m).update.user.name],
  packages: (m) => comment(m).update.builds.map((build) => build.nvr.split('-').slice(0, -2).join('-')),
});

function commentBody(commenter: string, submitter: string, text: string, nvrs: string[]): CommentBody {
  return { comment: { text, user: { name: commenter }, update: { alias: 'FEDORA-2024-7a1b2c3d4e', user: { name: submitter }, builds: nvrs.map((nvr) => ({ nvr })) } } };
}

/** What a handler receives, by id, with a wait for a given set of ids. */
function inbox() {
  const byId = new Map<string, ReceivedMessage>();
  let wake: () => void = () => undefined;
  return {
    byId,
    handler: (message: ReceivedMessage) => {
      byId.set(message.id, message);
      wake();
    },
    async waitFor(ids: readonly string[], timeoutMs = 20_000): Promise<void> {
      const missing = () => ids.filter((id) => !byId.has(id));
      await withTimeout(
        (async () => {
          while (missing().length > 0) await new Promise<void>((resolve) => (wake = resolve));
        })(),
        timeoutMs,
        () => `timed out waiting for ${missing().length} of ${ids.length} messages: ${missing().join(', ')}`,
      );
    },
  };
}

function header(record: PeerRecord, name: string) {
  const found = record.headers[name];
  assert.ok(found, `header ${name} is missing; headers: ${JSON.stringify(record.headers)}`);
  return found;
}

describe('fedora-messaging interop (pika peer, RabbitMQ)', () => {
  let url: string;
  const buses: Bus[] = [];
  const queues: string[] = [];

  /** A bus that the test's cleanup closes, after deleting the queues it made. */
  async function open(options: { topicPrefix?: string } = {}): Promise<Bus> {
    const bus = await connect(url, { registry: new SchemaRegistry([commentSchema]), name: 'tidings-interop', ...options });
    buses.push(bus);
    return bus;
  }

  before(async () => {
    url = await ensureRabbitMq();
    if (!(await peerAvailable())) throw new Error('/usr/bin/python3 cannot import pika: apt-get install -y python3-pika');
  });
  afterEach(async () => {
    const [bus] = buses;
    for (const queue of queues.splice(0)) await bus?.transport.deleteQueue(queue).catch(() => undefined);
    for (const open of buses.splice(0)) await open.close();
  });

  test('a Tidings consumer reads what a fedora-messaging publisher sends, and dead-letters what it cannot read', async () => {
    const base = `org.fedoraproject.test.${uniqueName('py2ts')}`;
    const queue = uniqueName('interop-py2ts');
    const mirror = `${queue}-mirror`;
    queues.push(queue, `${queue}.dlq`, mirror, `${mirror}.dlq`);
    const bus = await open();
    const received = inbox();
    await bus.consume({ queue, bindings: [`${base}.#`] }, received.handler);
    // A second queue on the same topics, read by the peer: what the Python publisher put on the wire.
    await bus.transport.declareQueue({ name: mirror });
    await bus.transport.bindQueue(mirror, 'amq.topic', `${base}.#`);

    const text = 'Zoë dit « ça marche » — 你好 🎉';
    const legacyId = `2019-${randomUUID()}`;
    const good: PeerMessage[] = [
      { topic: `${base}.unicode.escaped`, body: { text, nested: { list: ['ü', 1, null] } } },
      { topic: `${base}.unicode.raw`, body: { text }, ensure_ascii: false },
      { topic: `${base}.no.severity`, body: { n: 1 }, severity: null },
      {
        topic: `${base}.unknown.schema`,
        body: { what: 'from a newer publisher' },
        schema: 'fedora.unknown.thing.v3',
        schema_package: 'fedora-unknown-messages',
        severity: 40,
        usernames: ['alice', 'zoë'],
        groups: ['packager'],
        packages: ['kernel', 'python-requests'],
      },
      { topic: `${base}.legacy.id`, body: { bridged: true }, id: legacyId, priority: 5 },
      {
        topic: `${base}.bodhi.update.comment`,
        body: commentBody('zoë', 'bob', text, ['kernel-6.9.7-200.fc40', 'kernel-headers-6.9.7-200.fc40']),
        schema: 'bodhi.update.comment.v1',
        schema_package: 'bodhi-messages',
        usernames: ['bob', 'zoë'],
        packages: ['kernel', 'kernel-headers'],
      },
      // The same schema from a publisher that declared no routing facts: they come from the body.
      { topic: `${base}.bodhi.update.comment`, body: commentBody('carol', 'dave', 'LGTM', ['python-requests-2.32.3-1.fc41']), schema: 'bodhi.update.comment.v1' },
    ];
    const invalidUtf8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"\xff\xfe"}
    const broken: Array<PeerMessage & { reason: RegExp }> = [
      { topic: `${base}.broken.not.json`, raw_body: 'this is not JSON {', reason: /not JSON/ },
      { topic: `${base}.broken.array`, raw_body: '[1, 2, 3]', reason: /must be a JSON object, got array/ },
      {
        topic: `${base}.broken.schema`,
        body: { comment: { text: 5 } },
        schema: 'bodhi.update.comment.v1',
        reason: /fails schema "bodhi\.update\.comment\.v1"/,
      },
      { topic: `${base}.broken.utf8`, raw_body_base64: invalidUtf8.toString('base64'), reason: /not UTF-8/ },
    ];
    const last: PeerMessage = { topic: `${base}.after.broken`, body: { still: 'consuming' } };
    const ids = await peerPublish(url, [...good, ...broken.map(({ reason: _, ...message }) => message), last]);
    const goodIds = [...ids.slice(0, good.length), ids.at(-1)!];
    const brokenIds = ids.slice(good.length, good.length + broken.length);
    await received.waitFor(goodIds);

    const got = (index: number) => received.byId.get(ids[index]!)!;
    for (const [index, message] of good.entries()) {
      assert.equal(got(index).topic, message.topic);
      assert.deepEqual(got(index).body, message.body, `body of ${message.topic}`);
    }
    assert.equal((got(0).body as { text: string }).text, text);
    assert.ok(brokenIds.every((id) => !received.byId.has(id)), 'no broken message reaches the handler');
    assert.ok(received.byId.has(ids.at(-1)!), 'the message sent after the broken ones arrives');

    // Headers as Tidings decodes them, and the facts read from them.
    const escaped = got(0);
    assert.equal(escaped.headers['fedora_messaging_severity'], 20);
    assert.equal(escaped.headers['priority'], 0);
    assert.equal(escaped.facts.severity, Severity.INFO);
    assert.ok(escaped.facts.sentAt && Math.abs(escaped.facts.sentAt.getTime() - Date.now()) < 5 * 60_000, 'sent-at is read');
    assert.equal(got(2).headers['fedora_messaging_severity'], undefined);
    assert.equal(got(2).facts.severity, Severity.INFO, 'a missing severity means INFO');

    const unknown = got(3);
    assert.equal(unknown.facts.schemaKnown, false);
    assert.equal(unknown.facts.schema, 'fedora.unknown.thing.v3');
    assert.equal(unknown.facts.severity, Severity.ERROR);
    assert.equal(unknown.headers['fedora_messaging_schema_package'], 'fedora-unknown-messages');
    assert.equal(unknown.headers['fedora_messaging_user_zoë'], true);
    assert.deepEqual(unknown.facts.usernames, ['alice', 'zoë']);
    assert.deepEqual(unknown.facts.groups, ['packager']);
    assert.deepEqual(unknown.facts.packages, ['kernel', 'python-requests']);

    assert.equal(got(4).id, legacyId);
    assert.equal(got(4).priority, 5);
    assert.equal(got(4).headers['priority'], 5);

    const known = got(5);
    assert.equal(known.facts.schemaKnown, true);
    assert.equal(known.facts.schema, 'bodhi.update.comment.v1');
    assert.equal(known.facts.summary, 'zoë commented on bodhi update FEDORA-2024-7a1b2c3d4e');
    assert.equal(known.facts.url, 'https://bodhi.fedoraproject.org/updates/FEDORA-2024-7a1b2c3d4e');
    assert.equal(known.facts.agent, 'zoë');
    assert.deepEqual(known.facts.usernames, ['bob', 'zoë']);
    assert.deepEqual(known.facts.packages, ['kernel', 'kernel-headers']);
    assert.deepEqual(got(6).facts.usernames, ['carol', 'dave']);
    assert.deepEqual(got(6).facts.packages, ['python-requests']);

    // The peer really wrote \uXXXX escapes (json.dumps' default), and raw UTF-8 when asked not to.
    const wire = new Map((await peerConsume(url, mirror, ids.length)).map((record) => [record.properties.message_id, record]));
    const escapedBytes = bodyBytes(wire.get(ids[0]!)!);
    assert.ok(escapedBytes.every((byte) => byte < 0x80), 'json.dumps(ensure_ascii=True) sends ASCII only');
    assert.match(escapedBytes.toString('latin1'), /Zo\\u00eb .* \\ud83c\\udf89/);
    assert.ok(bodyBytes(wire.get(ids[1]!)!).includes(Buffer.from('Zoë', 'utf8')));

    // Dead letters: the original bytes and properties, with the reason in x-tidings-death-reason.
    const dead = new Map((await peerConsume(url, `${queue}.dlq`, broken.length)).map((record) => [record.properties.message_id, record]));
    for (const [index, message] of broken.entries()) {
      const record = dead.get(brokenIds[index]!);
      assert.ok(record, `${message.topic} (${brokenIds[index]}) is in ${queue}.dlq`);
      const reason = header(record, 'x-tidings-death-reason');
      assert.equal(reason.type, 'S');
      assert.match(String(reason.value), message.reason, `reason for ${message.topic}`);
      assert.equal(header(record, 'x-tidings-death-routing-key').value, message.topic);
      assert.equal(header(record, 'x-first-death-queue').value, queue);
      assert.equal(record.properties.content_type, 'application/json');
      assert.equal(record.properties.delivery_mode, 2);
      // The dead letter's headers keep the publisher's, with their AMQP types.
      assert.deepEqual(header(record, 'sent-at'), header(wire.get(brokenIds[index]!)!, 'sent-at'));
      assert.deepEqual(header(record, 'fedora_messaging_severity'), { value: 20, type: 'I', inferred_type: 'I', python_type: 'int' });
      assert.deepEqual(bodyBytes(record), bodyBytes(wire.get(brokenIds[index]!)!), `the dead letter keeps the body of ${message.topic}`);
    }
    assert.deepEqual(bodyBytes(dead.get(brokenIds[3]!)!), invalidUtf8);
  });

  test('a fedora-messaging consumer reads what Tidings publishes, with the headers and types it expects', async () => {
    const word = uniqueName('ts2py');
    const queue = uniqueName('interop-ts2py');
    queues.push(queue, `${queue}.dlq`);
    const bus = await open({ topicPrefix: 'org.fedoraproject.test' });
    await bus.transport.declareQueue({ name: queue });
    await bus.transport.bindQueue(queue, 'amq.topic', `org.fedoraproject.test.${word}.#`);

    const body = commentBody('zoë', 'bob', 'Ça marche — 👍 «ok»', ['kernel-6.9.7-200.fc40', 'python-requests-2.32.3-1.fc41']);
    const first = await bus.publish({ topic: `${word}.bodhi.update.comment`, schema: commentSchema, severity: Severity.WARNING, priority: 3, body });
    const second = await bus.publish({ topic: `${word}.plain`, body: { 'ünï': '✓' } });
    const [one, two] = await peerConsume(url, queue, 2);
    assert.ok(one && two);

    assert.equal(one.routing_key, `org.fedoraproject.test.${word}.bodhi.update.comment`);
    assert.equal(first.topic, one.routing_key);
    assert.equal(one.exchange, 'amq.topic');
    assert.deepEqual(one.properties, { content_type: 'application/json', content_encoding: 'utf-8', delivery_mode: 2, message_id: first.id, priority: 3 });
    assert.deepEqual(one.other_properties, {}, 'no timestamp, type, app_id… (fedora-messaging sets none)');
    assert.deepEqual(header(one, 'fedora_messaging_severity'), { value: 30, type: 'I', inferred_type: 'I', python_type: 'int' });
    assert.deepEqual(header(one, 'fedora_messaging_schema'), { value: 'bodhi.update.comment.v1', type: 'S', inferred_type: 'S', python_type: 'str' });
    assert.deepEqual(header(one, 'priority'), { value: 3, type: 'I', inferred_type: 'I', python_type: 'int' });
    const sentAt = header(one, 'sent-at');
    assert.equal(sentAt.type, 'S');
    assert.equal(sentAt.python_type, 'str');
    assert.match(String(sentAt.value), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    const flag = { value: true, type: 't', inferred_type: 't', python_type: 'bool' };
    assert.deepEqual(header(one, 'fedora_messaging_user_bob'), flag);
    assert.deepEqual(header(one, 'fedora_messaging_user_zoë'), flag);
    assert.deepEqual(header(one, 'fedora_messaging_rpm_kernel'), flag);
    assert.deepEqual(header(one, 'fedora_messaging_rpm_python-requests'), flag);
    assert.deepEqual(Object.keys(one.headers).sort(), [
      'fedora_messaging_rpm_kernel',
      'fedora_messaging_rpm_python-requests',
      'fedora_messaging_schema',
      'fedora_messaging_severity',
      'fedora_messaging_user_bob',
      'fedora_messaging_user_zoë',
      'priority',
      'sent-at',
    ]);
    assert.deepEqual(one.body_json, body);
    assert.deepEqual(JSON.parse(bodyBytes(one).toString('utf8')), body, 'the body is UTF-8 JSON');

    assert.equal(two.routing_key, `org.fedoraproject.test.${word}.plain`);
    assert.equal(two.properties.message_id, second.id);
    assert.equal(two.properties.priority, null, 'no priority property when none is configured');
    assert.deepEqual(header(two, 'priority'), { value: 0, type: 'I', inferred_type: 'I', python_type: 'int' });
    assert.deepEqual(header(two, 'fedora_messaging_severity'), { value: 20, type: 'I', inferred_type: 'I', python_type: 'int' });
    assert.equal(header(two, 'fedora_messaging_schema').value, 'base.message');
    assert.deepEqual(Object.keys(two.headers).filter((name) => /_(user|rpm|group)_/.test(name)), []);
    assert.deepEqual(two.body_json, { 'ünï': '✓' });
  });

  test('a topic prefix ending in dots is joined with exactly one dot, as fedora-messaging joins it', async () => {
    const word = uniqueName('prefix');
    const queue = uniqueName('interop-prefix');
    queues.push(queue, `${queue}.dlq`);
    const bus = await open({ topicPrefix: 'org.fedoraproject.test..' });
    await bus.transport.declareQueue({ name: queue });
    await bus.transport.bindQueue(queue, 'amq.topic', `org.fedoraproject.test.${word}.#`);
    const sent = await bus.publish({ topic: `${word}.done`, body: {} });
    const [record] = await peerConsume(url, queue, 1);
    assert.equal(record?.routing_key, `org.fedoraproject.test.${word}.done`);
    assert.equal(record?.properties.message_id, sent.id);
  });
});
