import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkMessage,
  createMessage,
  DEFAULT_MAX_BODY_BYTES,
  defineSchema,
  FactHeaderPrefix,
  Header,
  InvalidTopicError,
  MessageFormatError,
  MessageTooLargeError,
  MessageValidationError,
  SchemaRegistry,
  Severity,
} from '../../src/message/index.js';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const teamSchema = defineSchema({
  name: 'demo.team.changed.v1',
  bodySchema: { type: 'object', required: ['team'], properties: { team: { type: 'string' } } },
  severity: Severity.WARNING,
  usernames: () => ['bob', 'alice', 'bob'],
  groups: (m) => [String(m.body['team'])],
  packages: () => ['kernel'],
  containers: () => ['httpd'],
  modules: () => ['nodejs'],
  flatpaks: () => ['firefox'],
});
const registry = new SchemaRegistry([teamSchema]);

describe('createMessage', () => {
  test('fills the envelope for a base message', () => {
    const before = Date.now();
    const message = createMessage({ topic: 'demo.hello', body: { hello: 'world' } }, registry);
    assert.match(message.id, UUID4);
    assert.equal(message.topic, 'demo.hello');
    assert.deepEqual(message.body, { hello: 'world' });
    assert.equal(message.priority, undefined);
    assert.equal(message.headers[Header.schema], 'base.message');
    assert.equal(message.headers[Header.severity], Severity.INFO);
    assert.equal(message.headers[Header.priority], 0);
    const sentAt = message.headers[Header.sentAt];
    assert.equal(typeof sentAt, 'string');
    assert.match(sentAt as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    const sent = Date.parse(sentAt as string);
    assert.ok(sent >= Math.floor(before / 1000) * 1000 && sent <= Date.now());
  });

  test('gives each message a new id', () => {
    const a = createMessage({ topic: 'demo.hello', body: {} }, registry);
    const b = createMessage({ topic: 'demo.hello', body: {} }, registry);
    assert.notEqual(a.id, b.id);
  });

  test('adds one true header per derived fact, with fedora-messaging names', () => {
    const message = createMessage(
      { topic: 'demo.team.changed', body: { team: 'infra' }, schema: 'demo.team.changed.v1' },
      registry,
    );
    const prefixes = Object.values(FactHeaderPrefix);
    const factHeaders = Object.fromEntries(
      Object.entries(message.headers).filter(([name]) => prefixes.some((prefix) => name.startsWith(prefix))),
    );
    assert.deepEqual(factHeaders, {
      fedora_messaging_user_alice: true,
      fedora_messaging_user_bob: true,
      fedora_messaging_group_infra: true,
      fedora_messaging_rpm_kernel: true,
      fedora_messaging_container_httpd: true,
      fedora_messaging_module_nodejs: true,
      fedora_messaging_flatpak_firefox: true,
    });
    assert.equal(message.headers[Header.schema], 'demo.team.changed.v1');
    assert.equal(message.headers[Header.severity], Severity.WARNING, "the schema's default severity");
  });

  test('takes the schema, severity and sent-at from the given headers', () => {
    const message = createMessage(
      {
        topic: 'demo.team.changed',
        body: { team: 'qa' },
        headers: {
          [Header.schema]: 'demo.team.changed.v1',
          [Header.severity]: 40,
          [Header.sentAt]: '2024-07-30T21:12:22.5+02:00',
          custom: 'kept',
          fedora_messaging_user_carol: true,
        },
      },
      registry,
    );
    assert.equal(message.headers[Header.schema], 'demo.team.changed.v1');
    assert.equal(message.headers[Header.severity], Severity.ERROR);
    assert.equal(message.headers[Header.sentAt], '2024-07-30T19:12:22+00:00');
    assert.equal(message.headers['custom'], 'kept');
    assert.equal(message.headers['fedora_messaging_user_carol'], true, 'facts from the publisher are kept');
    assert.equal(message.headers['fedora_messaging_group_qa'], true);
  });

  test('prefers what the init gives over the headers', () => {
    const message = createMessage(
      {
        topic: 'demo.hello',
        body: {},
        id: '2019-1b3e3b51-6a0a-4b42-9e63-3d36a0a8ba17',
        severity: Severity.DEBUG,
        sentAt: new Date('2020-01-02T03:04:05.678Z'),
        priority: 5,
        headers: { [Header.severity]: 40, [Header.sentAt]: '2024-07-30T19:12:22+00:00', [Header.priority]: 9 },
      },
      registry,
    );
    assert.equal(message.id, '2019-1b3e3b51-6a0a-4b42-9e63-3d36a0a8ba17');
    assert.equal(message.headers[Header.severity], Severity.DEBUG);
    assert.equal(message.headers[Header.sentAt], '2020-01-02T03:04:05+00:00');
    assert.equal(message.headers[Header.priority], 5);
    assert.equal(message.priority, 5);
  });

  test('sends an unknown schema name as given, deriving facts with the base schema', () => {
    const message = createMessage({ topic: 'demo.hello', body: { agent: 'x' }, schema: 'python.only.v2' }, registry);
    assert.equal(message.headers[Header.schema], 'python.only.v2');
    assert.equal(Object.keys(message.headers).some((name) => name.startsWith('fedora_messaging_user_')), false);
  });

  test('does not validate the body against its schema', () => {
    const message = createMessage({ topic: 'demo.team.changed', body: {}, schema: teamSchema }, registry);
    assert.equal(message.headers[Header.schema], 'demo.team.changed.v1');
    assert.throws(() => checkMessage(message, { registry }), MessageValidationError);
  });

  const badInits: [what: string, init: Record<string, unknown>, error: new (...args: never[]) => Error, text: RegExp][] = [
    ['an invalid topic', { topic: 'demo..x', body: {} }, InvalidTopicError, /empty word/],
    ['a wildcard topic', { topic: 'demo.#', body: {} }, InvalidTopicError, /"\*" or "#"/],
    ['an array body', { topic: 'demo.x', body: [1] }, MessageFormatError, /must be a JSON object, got array/],
    ['a null body', { topic: 'demo.x', body: null }, MessageFormatError, /got null/],
    ['a string body', { topic: 'demo.x', body: 'hi' }, MessageFormatError, /got string/],
    ['a Date body', { topic: 'demo.x', body: new Date() }, MessageFormatError, /must be a JSON object/],
    ['an empty id', { topic: 'demo.x', body: {}, id: '' }, MessageFormatError, /non-empty string, got an empty string/],
    ['a numeric id', { topic: 'demo.x', body: {}, id: 7 }, MessageFormatError, /got number/],
    ['a bad severity', { topic: 'demo.x', body: {}, severity: 25 }, MessageFormatError, /severity/],
    ['a bad severity header', { topic: 'demo.x', body: {}, headers: { [Header.severity]: 'loud' } }, MessageFormatError, /severity/],
    ['a bad sent-at header', { topic: 'demo.x', body: {}, headers: { [Header.sentAt]: 'noon' } }, MessageFormatError, /sent-at/],
    ['a fractional priority', { topic: 'demo.x', body: {}, priority: 1.5 }, MessageFormatError, /priority/],
    ['a negative priority', { topic: 'demo.x', body: {}, priority: -1 }, MessageFormatError, /0 to 255/],
  ];
  for (const [what, init, errorClass, text] of badInits) {
    test(`rejects ${what}`, () => {
      assert.throws(
        () => createMessage(init as never, registry),
        (error: unknown) => error instanceof errorClass && text.test((error as Error).message),
      );
    });
  }
});

describe('checkMessage', () => {
  const valid = () => createMessage({ topic: 'demo.team.changed', body: { team: 'infra' }, schema: 'demo.team.changed.v1' }, registry);

  test('passes a valid message and returns its schema', () => {
    assert.deepEqual(checkMessage(valid(), { registry }), { schema: teamSchema, known: true });
  });

  test('rejects a body over the size limit with MessageTooLargeError', () => {
    const body = { team: 'infra', blob: 'x'.repeat(DEFAULT_MAX_BODY_BYTES) };
    const message = { ...valid(), body };
    assert.throws(
      () => checkMessage(message, { registry }),
      (error: unknown) =>
        error instanceof MessageTooLargeError &&
        error.code === 'MESSAGE_TOO_LARGE' &&
        error.limit === DEFAULT_MAX_BODY_BYTES &&
        error.size === JSON.stringify(body).length,
    );
  });

  test('counts the limit in UTF-8 bytes, not characters', () => {
    const body = { team: 'é'.repeat(40) }; // 51 characters of JSON, 91 bytes
    const message = { ...valid(), body };
    assert.equal(checkMessage(message, { registry, maxBodyBytes: 91 }).known, true);
    assert.throws(
      () => checkMessage(message, { registry, maxBodyBytes: 90 }),
      (error: unknown) => error instanceof MessageTooLargeError && error.size === 91,
    );
    assert.throws(() => checkMessage(message, { registry, maxBodyBytes: 60 }), MessageTooLargeError);
  });

  test('rejects a bad topic, body or id before anything else', () => {
    assert.throws(() => checkMessage({ ...valid(), topic: 'a b' }, { registry }), InvalidTopicError);
    assert.throws(() => checkMessage({ ...valid(), body: [] as never }, { registry }), MessageFormatError);
    assert.throws(() => checkMessage({ ...valid(), id: '' }, { registry }), MessageFormatError);
  });

  test('rejects a body that cannot be written as JSON', () => {
    const body: Record<string, unknown> = { team: 'x' };
    body['self'] = body;
    assert.throws(() => checkMessage({ ...valid(), body }, { registry }), /cannot be written as JSON/);
  });

  test('validates the body against its schema', () => {
    assert.throws(
      () => checkMessage({ ...valid(), body: { team: 3 } }, { registry }),
      (error: unknown) => error instanceof MessageValidationError && error.issues[0]?.path === '/team',
    );
  });
});
