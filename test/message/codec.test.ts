import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createMessage,
  decodeBody,
  defaultRegistry,
  encodeBody,
  formatMessageLine,
  Header,
  MessageFormatError,
  parseMessageLine,
} from '../../src/message/index.js';

const registry = defaultRegistry();

describe('JSON Lines codec', () => {
  test('writes one line with the fedora-messaging keys in order', () => {
    const message = createMessage(
      { topic: 'demo.hello', id: 'id-1', body: { text: 'line\nbreak' }, sentAt: new Date('2024-07-30T19:12:22Z') },
      registry,
    );
    const line = formatMessageLine(message);
    assert.equal(line.includes('\n'), false);
    assert.deepEqual(Object.keys(JSON.parse(line) as object), ['topic', 'headers', 'id', 'body', 'queue']);
    assert.equal(
      line,
      '{"topic":"demo.hello","headers":{"fedora_messaging_schema":"base.message","fedora_messaging_severity":20,' +
        '"sent-at":"2024-07-30T19:12:22+00:00","priority":0},"id":"id-1","body":{"text":"line\\nbreak"},"queue":null}',
    );
  });

  test('writes priority and queue when the message has them', () => {
    const message = { ...createMessage({ topic: 'demo.hello', body: {}, priority: 3 }, registry), queue: 'q1' };
    const parsed = JSON.parse(formatMessageLine(message)) as Record<string, unknown>;
    assert.equal(parsed['priority'], 3);
    assert.equal(parsed['queue'], 'q1');
  });

  test('round-trips a message through a line and createMessage', () => {
    const original = createMessage(
      { topic: 'org.fedoraproject.prod.demo.hello', body: { name: 'Zoë', n: [1, { deep: true }] }, priority: 2, queue: 'inbox' },
      registry,
    );
    const parsed = parseMessageLine(formatMessageLine(original));
    assert.deepEqual(parsed, {
      topic: original.topic,
      headers: original.headers,
      id: original.id,
      body: original.body,
      queue: 'inbox',
      priority: 2,
    });
    const rebuilt = createMessage(parsed, registry);
    assert.deepEqual(rebuilt, original);
  });

  test('reads a line as fedora-messaging writes it: nulls, \\u escapes, no priority', () => {
    const line =
      '{"topic": "org.fedoraproject.prod.bodhi.update.comment", "headers": {"fedora_messaging_schema": "base.message", ' +
      '"sent-at": "2024-07-30T19:12:22+00:00", "fedora_messaging_severity": 20}, ' +
      '"id": "5f4f1b0c-0c7a-4c6b-9c3b-7b8a1b2c3d4e", "body": {"comment": "caf\\u00e9 \\ud83d\\ude00"}, "queue": null}';
    const parsed = parseMessageLine(line);
    assert.equal(parsed.body['comment'], 'café 😀');
    assert.equal(parsed.queue, undefined);
    assert.equal(parsed.priority, undefined);
    assert.equal(parsed.headers[Header.sentAt], '2024-07-30T19:12:22+00:00');
  });

  test('accepts a line without id or headers', () => {
    assert.deepEqual(parseMessageLine('{"topic": "a.b", "body": {}}'), { topic: 'a.b', headers: {}, body: {} });
    assert.deepEqual(parseMessageLine('{"topic": "a.b", "body": {}, "id": null, "headers": null}'), {
      topic: 'a.b',
      headers: {},
      body: {},
    });
  });

  test('tolerates a byte-order mark and a trailing newline', () => {
    assert.equal(parseMessageLine('\ufeff{"topic": "a.b", "body": {}}\r\n').topic, 'a.b');
  });

  const malformed: [line: string, message: RegExp][] = [
    ['', /^line is not JSON: /],
    ['{"topic": "a.b", "body": {}', /^line is not JSON: /],
    ['not json', /^line is not JSON: /],
    ['[1, 2]', /^line must be a JSON object with "topic" and "body", got array$/],
    ['null', /got null$/],
    ['{"body": {}}', /^"topic" is missing/],
    ['{"topic": 7, "body": {}}', /^"topic" must be a string, got number$/],
    ['{"topic": "a.b"}', /^"body" is missing in the message on "a.b"$/],
    ['{"topic": "a.b", "msg": {}}', /fedmsg envelope, whose body is "msg"/],
    ['{"topic": "a.b", "body": [1]}', /^"body" must be a JSON object, got array$/],
    ['{"topic": "a.b", "body": "text"}', /^"body" must be a JSON object, got string$/],
    ['{"topic": "a.b", "body": null}', /^"body" must be a JSON object, got null$/],
    ['{"topic": "a.b", "body": {}, "headers": []}', /^"headers" must be a JSON object, got array$/],
    ['{"topic": "a.b", "body": {}, "id": ""}', /^"id" must be a non-empty string, got an empty string$/],
    ['{"topic": "a.b", "body": {}, "id": 12}', /^"id" must be a non-empty string, got number$/],
    ['{"topic": "a.b", "body": {}, "queue": 1}', /^"queue" must be a string or null, got number$/],
    ['{"topic": "a.b", "body": {}, "priority": "high"}', /^"priority" must be a whole number or null, got "high"$/],
    ['{"topic": "a.b", "body": {}, "priority": 1.5}', /^"priority" must be a whole number or null, got 1.5$/],
  ];
  for (const [line, message] of malformed) {
    test(`rejects ${JSON.stringify(line)}`, () => {
      assert.throws(
        () => parseMessageLine(line),
        (error: unknown) => error instanceof MessageFormatError && error.code === 'MESSAGE_MALFORMED' && message.test(error.message),
      );
    });
  }
});

describe('bodies', () => {
  test('decodeBody reads a JSON object, \\u escapes included', () => {
    assert.deepEqual(decodeBody('{"owner": "j\\u00f6rg", "n": 1}', 'demo.x'), { owner: 'jörg', n: 1 });
  });

  test('encodeBody and decodeBody round-trip', () => {
    const body = { text: 'ünïcödé 😀', list: [1, null, { a: false }] };
    assert.deepEqual(decodeBody(encodeBody(body), 'demo.x'), body);
    assert.equal(encodeBody(body), JSON.stringify(body));
  });

  const bad: [text: string, message: RegExp][] = [
    ['', /^the body of "demo.x" is not JSON: /],
    ['{oops}', /^the body of "demo.x" is not JSON: /],
    ['[1]', /^the body of "demo.x" must be a JSON object, got array$/],
    ['"text"', /got string$/],
    ['42', /got number$/],
    ['null', /got null$/],
  ];
  for (const [text, message] of bad) {
    test(`decodeBody rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => decodeBody(text, 'demo.x'),
        (error: unknown) => error instanceof MessageFormatError && message.test(error.message),
      );
    });
  }
});
