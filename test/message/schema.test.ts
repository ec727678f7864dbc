import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseSchema,
  defineSchema,
  deriveFacts,
  type Message,
  SchemaDefinitionError,
  Severity,
  summarizeBody,
} from '../../src/message/index.js';

function message(body: Record<string, unknown>, topic = 'org.fedoraproject.prod.bodhi.update.comment'): Message {
  return { id: 'id-1', topic, headers: {}, body };
}

describe('base schema', () => {
  test('is named base.message and accepts any object body', () => {
    assert.equal(baseSchema.name, 'base.message');
    assert.deepEqual(baseSchema.bodySchema, { type: 'object' });
    assert.equal(baseSchema.severity, Severity.INFO);
  });

  test('summarises the body as key=value pairs on one line', () => {
    assert.equal(
      baseSchema.summary(message({ build: 42, owner: 'alice', ok: true, tags: ['a', 'b'], text: 'two\nlines' })),
      'build=42 owner=alice ok=true tags=["a","b"] text=two lines',
    );
    assert.equal(baseSchema.summary(message({})), '');
  });

  test('cuts the summary to 160 characters with an ellipsis', () => {
    const summary = summarizeBody({ text: 'x'.repeat(500), more: 1 });
    assert.equal(summary.length, 160);
    assert.ok(summary.endsWith('…'));
    assert.ok(summary.startsWith('text=xxx'));
  });

  test('derives the app from the topic', () => {
    assert.equal(baseSchema.app(message({})), 'bodhi');
    assert.equal(baseSchema.app(message({}, 'buildsys.build.state.change')), 'buildsys');
  });

  test('takes the agent from body.agent, then body.username, then body.user', () => {
    assert.equal(baseSchema.agent(message({ agent: 'alice', username: 'bob' })), 'alice');
    assert.equal(baseSchema.agent(message({ username: 'bob', user: 'carol' })), 'bob');
    assert.equal(baseSchema.agent(message({ user: 'carol' })), 'carol');
    assert.equal(baseSchema.agent(message({ user: { name: 'carol' } })), null);
    assert.equal(baseSchema.agent(message({})), null);
  });

  test('has no url and empty lists', () => {
    const m = message({ user: 'x' });
    assert.equal(baseSchema.url(m), null);
    const { usernames, groups, packages, containers, modules, flatpaks } = baseSchema;
    for (const list of [usernames, groups, packages, containers, modules, flatpaks]) assert.deepEqual(list(m), []);
  });
});

describe('defineSchema', () => {
  test('fills what the definition leaves out from the base schema', () => {
    const schema = defineSchema({ name: 'demo.thing.happened.v1', bodySchema: { type: 'object' } });
    assert.equal(schema.name, 'demo.thing.happened.v1');
    assert.deepEqual(schema.aliases, []);
    assert.equal(schema.description, '');
    assert.equal(schema.severity, Severity.INFO);
    assert.equal(schema.summary(message({ a: 1 })), 'a=1');
    assert.equal(schema.agent(message({ agent: 'alice' })), 'alice');
  });

  test('keeps what the definition gives', () => {
    const schema = defineSchema({
      name: 'demo.thing.failed.v1',
      aliases: ['demo_messages.ThingFailedV1'],
      description: 'A thing failed.',
      bodySchema: { type: 'object', required: ['thing'] },
      severity: Severity.ERROR,
      summary: (m) => `thing ${String(m.body['thing'])} failed`,
      url: (m) => `https://demo.example/things/${String(m.body['thing'])}`,
      packages: (m) => [String(m.body['thing'])],
    });
    const m = message({ thing: 'kernel' });
    assert.deepEqual(schema.aliases, ['demo_messages.ThingFailedV1']);
    assert.equal(schema.severity, Severity.ERROR);
    assert.equal(schema.summary(m), 'thing kernel failed');
    assert.equal(schema.url(m), 'https://demo.example/things/kernel');
    assert.deepEqual(schema.packages(m), ['kernel']);
    assert.deepEqual(schema.usernames(m), []);
  });

  test('rejects a definition without a name, body schema or valid severity', () => {
    assert.throws(() => defineSchema({ name: '', bodySchema: {} }), SchemaDefinitionError);
    assert.throws(() => defineSchema({ name: 'x.v1', bodySchema: null as never }), SchemaDefinitionError);
    assert.throws(() => defineSchema({ name: 'x.v1', bodySchema: {}, severity: 25 as never }), {
      code: 'SCHEMA_INVALID',
    });
    assert.throws(() => defineSchema({ name: 'x.v1', bodySchema: {}, aliases: [''] }), SchemaDefinitionError);
  });
});

describe('deriveFacts', () => {
  test('de-duplicates and sorts lists, dropping values that are not non-empty strings', () => {
    const schema = defineSchema({
      name: 'demo.lists.v1',
      bodySchema: {},
      usernames: () => ['carol', 'alice', 'carol', '', 7 as never, 'bob'],
    });
    assert.deepEqual(deriveFacts(schema, message({})).usernames, ['alice', 'bob', 'carol']);
  });

  test('treats a function that throws, or returns the wrong type, as returning the default', () => {
    const explode = (): never => {
      throw new Error('body from a stranger');
    };
    const schema = defineSchema({
      name: 'demo.broken.v1',
      bodySchema: {},
      summary: explode,
      url: () => 42 as never,
      app: explode,
      agent: explode,
      usernames: explode,
      groups: () => 'not-a-list' as never,
      packages: explode,
      containers: explode,
      modules: explode,
      flatpaks: explode,
    });
    const facts = deriveFacts(schema, message({ a: 1 }));
    assert.deepEqual(facts, {
      summary: 'a=1', // the base summary stands in for a broken one
      url: null,
      app: null,
      agent: null,
      usernames: [],
      groups: [],
      packages: [],
      containers: [],
      modules: [],
      flatpaks: [],
    });
  });
});
