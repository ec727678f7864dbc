import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseSchema,
  defaultRegistry,
  defineSchema,
  Header,
  type Message,
  MessageValidationError,
  SchemaConflictError,
  SchemaDefinitionError,
  SchemaRegistry,
  Severity,
  TidingsError,
} from '../../src/message/index.js';

const commentSchema = defineSchema({
  name: 'bodhi.update.comment.v1',
  aliases: ['bodhi.messages.schemas.update:UpdateCommentV1'],
  bodySchema: {
    type: 'object',
    required: ['user', 'comment'],
    properties: {
      user: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
      comment: { type: 'object', properties: { text: { type: 'string' }, timestamp: { type: 'string', format: 'date-time' } } },
    },
    additionalProperties: false,
  },
  agent: (m) => (m.body['user'] as { name: string }).name,
  usernames: (m) => [(m.body['user'] as { name: string }).name],
});

function message(body: Record<string, unknown>, headers: Message['headers'] = {}): Message {
  return { id: 'id-1', topic: 'org.fedoraproject.prod.bodhi.update.comment', headers, body };
}

describe('SchemaRegistry', () => {
  test('always knows the base schema', () => {
    const registry = defaultRegistry();
    assert.equal(registry.get('base.message'), baseSchema);
    assert.equal(registry.has('base.message'), true);
    assert.deepEqual(registry.schemas(), [baseSchema]);
  });

  test('finds a schema by name and by alias', () => {
    const registry = new SchemaRegistry([commentSchema]);
    assert.equal(registry.get('bodhi.update.comment.v1'), commentSchema);
    assert.equal(registry.get('bodhi.messages.schemas.update:UpdateCommentV1'), commentSchema);
    assert.equal(registry.has('bodhi.update.comment.v2'), false);
    assert.deepEqual(registry.resolve('bodhi.messages.schemas.update:UpdateCommentV1'), { schema: commentSchema, known: true });
  });

  test('resolves a missing or unknown name to the base schema, marked unknown', () => {
    const registry = new SchemaRegistry([commentSchema]);
    for (const name of [undefined, null, '', 'bodhi.update.comment.v9']) {
      assert.deepEqual(registry.resolve(name), { schema: baseSchema, known: false }, String(name));
    }
    assert.deepEqual(registry.resolve('base.message'), { schema: baseSchema, known: true });
  });

  test('registering the same schema twice is harmless', () => {
    const registry = new SchemaRegistry([commentSchema]).register(commentSchema);
    assert.equal(registry.schemas().length, 2);
  });

  test('a name taken by a different schema is a conflict, and nothing is registered', () => {
    const registry = new SchemaRegistry([commentSchema]);
    const other = defineSchema({ name: 'other.v1', aliases: ['bodhi.update.comment.v1'], bodySchema: {} });
    assert.throws(
      () => registry.register(other),
      (error: unknown) =>
        error instanceof SchemaConflictError &&
        error instanceof TidingsError &&
        error.code === 'SCHEMA_CONFLICT' &&
        error.message.includes('"bodhi.update.comment.v1" is taken by schema "bodhi.update.comment.v1"'),
    );
    assert.equal(registry.has('other.v1'), false);
    const impostor = defineSchema({ name: 'base.message', bodySchema: {} });
    assert.throws(() => new SchemaRegistry([impostor]), SchemaConflictError);
  });
});

describe('SchemaRegistry.validate', () => {
  const registry = new SchemaRegistry([commentSchema]);
  const named = { [Header.schema]: 'bodhi.update.comment.v1' };

  test('accepts a body that satisfies its schema and returns the schema used', () => {
    const result = registry.validate(message({ user: { name: 'alice' }, comment: { text: 'LGTM' } }, named));
    assert.deepEqual(result, { schema: commentSchema, known: true });
  });

  test('names every failing path and the rule it breaks', () => {
    try {
      registry.validate(message({ comment: { text: 5, timestamp: 'noon' }, extra: true }, named));
      assert.fail('expected a validation error');
    } catch (error) {
      assert.ok(error instanceof MessageValidationError);
      assert.equal(error.code, 'MESSAGE_INVALID');
      assert.deepEqual(
        error.issues.map((issue) => [issue.path, issue.rule]),
        [
          ['', 'required'],
          ['', 'additionalProperties'],
          ['/comment/text', 'type'],
          ['/comment/timestamp', 'format'],
        ],
      );
      assert.equal(
        error.message,
        'body of "org.fedoraproject.prod.bodhi.update.comment" fails schema "bodhi.update.comment.v1": ' +
          "/ must have required property 'user' (required); " +
          '/ must NOT have additional properties: "extra" (additionalProperties); ' +
          '/comment/text must be string (type); ' +
          '/comment/timestamp must match format "date-time" (format)',
      );
    }
  });

  test('validates a message of an unknown schema against the base schema', () => {
    const unknown = { [Header.schema]: 'somebody.else.v3' };
    assert.deepEqual(registry.validate(message({ anything: 1 }, unknown)), { schema: baseSchema, known: false });
  });

  test('compiles each body schema once, on first use', () => {
    let reads = 0;
    const counted = new Proxy(
      { type: 'object', required: ['n'] },
      {
        get(target, key, receiver) {
          reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      },
    );
    const schema = defineSchema({ name: 'demo.counted.v1', bodySchema: counted });
    const local = new SchemaRegistry([schema]);
    assert.equal(reads, 0, 'registering does not compile');
    const m = message({ n: 1 }, { [Header.schema]: 'demo.counted.v1' });
    local.validate(m);
    const afterFirst = reads;
    assert.ok(afterFirst > 0);
    local.validate(m);
    assert.throws(() => local.validate(message({}, { [Header.schema]: 'demo.counted.v1' })), MessageValidationError);
    assert.equal(reads, afterFirst);
  });

  test('a body schema that is not JSON Schema fails with SchemaDefinitionError when first used', () => {
    const broken = defineSchema({ name: 'demo.broken.v1', bodySchema: { type: 'no-such-type' } });
    const local = new SchemaRegistry([broken]);
    assert.throws(() => local.validate(message({}, { [Header.schema]: 'demo.broken.v1' })), SchemaDefinitionError);
  });

  test('lists at most ten issues in the message of a very wrong body', () => {
    const many = defineSchema({
      name: 'demo.many.v1',
      bodySchema: { type: 'object', additionalProperties: { type: 'string' } },
    });
    const local = new SchemaRegistry([many]);
    const body = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    assert.throws(
      () => local.validate(message(body, { [Header.schema]: 'demo.many.v1' })),
      (error: unknown) =>
        error instanceof MessageValidationError && error.issues.length === 50 && error.message.endsWith('; and 90 more'),
    );
  });
});

describe('SchemaRegistry.facts', () => {
  const registry = new SchemaRegistry([commentSchema]);

  test('derives every fact from the headers and the schema', () => {
    const facts = registry.facts(
      message(
        { user: { name: 'alice' }, comment: { text: 'LGTM' } },
        {
          [Header.schema]: 'bodhi.messages.schemas.update:UpdateCommentV1',
          [Header.severity]: 30,
          [Header.sentAt]: '2024-07-30T19:12:22+00:00',
        },
      ),
    );
    assert.equal(facts.schema, 'bodhi.update.comment.v1'); // the alias resolves to the name
    assert.equal(facts.schemaKnown, true);
    assert.equal(facts.severity, Severity.WARNING);
    assert.equal(facts.sentAt?.toISOString(), '2024-07-30T19:12:22.000Z');
    assert.equal(facts.agent, 'alice');
    assert.deepEqual(facts.usernames, ['alice']);
    assert.equal(facts.app, 'bodhi');
  });

  test('reads bad headers leniently: INFO, no sent-at, the unknown schema name as sent', () => {
    const facts = registry.facts(
      message({ user: 'bob' }, { [Header.schema]: 'new.thing.v7', [Header.severity]: 'loud', [Header.sentAt]: 'noon' }),
    );
    assert.equal(facts.schema, 'new.thing.v7');
    assert.equal(facts.schemaKnown, false);
    assert.equal(facts.severity, Severity.INFO);
    assert.equal(facts.sentAt, null);
    assert.equal(facts.agent, 'bob'); // the base schema's agent
  });

  test('a body that breaks the schema functions does not crash facts()', () => {
    // commentSchema's agent and usernames read body.user.name, which throws when user is missing.
    const facts = registry.facts(message({ comment: {} }, { [Header.schema]: 'bodhi.update.comment.v1' }));
    assert.equal(facts.agent, null);
    assert.deepEqual(facts.usernames, []);
    assert.equal(facts.summary, 'comment={}');
    assert.equal(facts.schemaKnown, true);
  });

  test('a message with no schema header uses the base schema', () => {
    const facts = registry.facts(message({ a: 1 }));
    assert.equal(facts.schema, 'base.message');
    assert.equal(facts.schemaKnown, false);
    assert.equal(facts.severity, Severity.INFO);
  });
});

describe('facts of messages whose schema is not known here', () => {
  test('the base schema reads the routing facts the publisher declared in its headers', () => {
    const registry = new SchemaRegistry();
    const facts = registry.facts({
      id: 'x',
      topic: 'org.fedoraproject.prod.bodhi.update.comment',
      headers: {
        fedora_messaging_schema: 'bodhi.update.comment.v1',
        fedora_messaging_user_alice: true,
        fedora_messaging_user_bob: true,
        fedora_messaging_rpm_kernel: true,
        fedora_messaging_group_packager: true,
        fedora_messaging_user_: true,
        fedora_messaging_user_mallory: false,
      },
      body: {},
    });
    assert.equal(facts.schemaKnown, false);
    assert.deepEqual(facts.usernames, ['alice', 'bob']);
    assert.deepEqual(facts.packages, ['kernel']);
    assert.deepEqual(facts.groups, ['packager']);
    assert.deepEqual(facts.containers, []);
  });
});
