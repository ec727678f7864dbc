import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { baseSchema, Header, MessageValidationError, type Message } from '../../src/message/index.js';
import { appSchemas, createSchemaCatalog, createSchemaRegistry, knownSchemas, relativeTopic } from '../../src/schemas/index.js';

const catalog = createSchemaCatalog();

function message(topic: string, body: Record<string, unknown>, schema?: string): Message {
  return { id: 'id-1', topic, headers: schema === undefined ? {} : { [Header.schema]: schema }, body };
}

describe('the application schemas', () => {
  test('every schema has a versioned name, a description, topics and an example its body schema accepts and its topic finds', () => {
    assert.ok(appSchemas.length >= 70, `only ${appSchemas.length} schemas`);
    for (const app of knownSchemas) {
      assert.match(app.schema.name, /^[a-z0-9_]+(\.[a-z0-9_]+)+\.v\d+$/, app.schema.name);
      assert.ok(app.schema.description.length > 10, `${app.schema.name} needs a description`);
      assert.ok(app.topics.length > 0);
      const example = message(`org.fedoraproject.prod.${app.example.topic}`, app.example.body, app.schema.name);
      assert.doesNotThrow(() => catalog.registry.validate(example), `${app.schema.name}'s example fails its own schema`);
      // Unnamed, the example finds this schema, or a newer version of it that accepts the same body.
      const chosen = catalog.choose({ ...example, headers: {} }).schema.name;
      const family = (name: string): string => name.replace(/\.v\d+$/, '');
      assert.ok(chosen === app.schema.name || (family(chosen) === family(app.schema.name) && chosen > app.schema.name), `${app.schema.name}'s example finds ${chosen}`);
    }
  });

  test("every example's facts are derived by the schema itself, not the base schema's fallback", () => {
    for (const app of knownSchemas) {
      const facts = catalog.facts(message(`org.fedoraproject.prod.${app.example.topic}`, app.example.body, app.schema.name));
      assert.equal(facts.schema, app.schema.name);
      assert.doesNotMatch(facts.summary, /^\w+=/, `${app.schema.name}: summary fell back to key=value: ${facts.summary}`);
      assert.ok(facts.app, `${app.schema.name} names its application`);
    }
  });

  test('names and aliases are unique across all applications (the registry would refuse a clash)', () => {
    const registry = createSchemaRegistry();
    assert.equal(registry.schemas().length, knownSchemas.length + 1);
    for (const app of knownSchemas) {
      for (const alias of app.schema.aliases) assert.equal(registry.get(alias), app.schema, alias);
    }
  });

  test('docs/schemas.md lists every schema with its topics and other names', () => {
    const docs = readFileSync(new URL('../../docs/schemas.md', import.meta.url), 'utf8');
    for (const app of knownSchemas) {
      for (const name of [app.schema.name, ...app.schema.aliases, ...app.topics]) assert.ok(docs.includes(`\`${name}\``), `${name} is not in docs/schemas.md`);
    }
  });

  test("the Python schema packages' names are all known", () => {
    const python = [
      'koji_fedoramessaging.build.BuildStateChangeV1',
      'koji_fedoramessaging.package.ListChangeV1',
      'koji_fedoramessaging.repo.DoneV1',
      'koji_fedoramessaging.repo.InitV1',
      'koji_fedoramessaging.rpm.SignV1',
      'koji_fedoramessaging.tag.TagV1',
      'koji_fedoramessaging.tag.UntagV1',
      'koji_fedoramessaging.task.TaskStateChangeV1',
      'bodhi.buildroot_override.tag.v1',
      'bodhi.buildroot_override.untag.v1',
      'bodhi.errata.publish.v1',
      'bodhi.compose.complete.v1',
      'bodhi.compose.composing.v1',
      'bodhi.compose.start.v1',
      'bodhi.compose.sync.done.v1',
      'bodhi.compose.sync.wait.v1',
      'bodhi.repo.done.v1',
      'bodhi.update.comment.v1',
      'bodhi.update.complete.stable.v1',
      'bodhi.update.complete.testing.v1',
      'bodhi.update.status.testing.v1',
      'bodhi.update.status.testing.v2',
      'bodhi.update.status.testing.v3',
      'bodhi.update.edit.v1',
      'bodhi.update.edit.v2',
      'bodhi.update.eject.v1',
      'bodhi.update.karma.threshold.v1',
      'bodhi.update.request.revoke.v1',
      'bodhi.update.request.stable.v1',
      'bodhi.update.request.testing.v1',
      'bodhi.update.request.unpush.v1',
      'bodhi.update.request.obsolete.v1',
      'bodhi.update.requirements_met.stable.v1',
      'noggin.group.member.sponsor.v1',
      'noggin.user.create.v1',
      'noggin.user.update.v1',
      'bodhi.messages.schemas.update:UpdateCommentV1',
      'koji_fedoramessaging_messages.build:BuildStateChangeV1',
      'noggin_messages:UserCreateV1',
    ];
    for (const name of python) assert.ok(catalog.find(name), `${name} is unknown`);
  });
});

describe('choosing the schema of a message', () => {
  test('a message naming a schema (or an alias) gets it, whatever its topic', () => {
    const body = { agent: 'alice', user: 'alice' };
    assert.deepEqual(catalog.choose(message('x.y', body, 'noggin.user.create.v1')), { schema: catalog.find('fas.user.create.v1')!.schema, how: 'named' });
  });

  test('a message naming an unknown schema is read with the base schema, as on fedora-messaging', () => {
    assert.deepEqual(catalog.choose(message('org.fedoraproject.prod.fas.user.create', { agent: 'a', user: 'b' }, 'noggin.user.create.v9')), {
      schema: baseSchema,
      how: 'base',
    });
  });

  test('a message naming no schema finds it by topic, with or without the <tld>.<org>.<env> prefix', () => {
    for (const topic of ['org.fedoraproject.prod.buildsys.tag', 'org.fedoraproject.stg.buildsys.tag', 'buildsys.tag']) {
      assert.equal(catalog.choose(message(topic, { name: 'a', version: '1', release: '1', tag: 't' })).schema.name, 'buildsys.tag.v1', topic);
    }
    assert.equal(catalog.choose(message('org.fedoraproject.prod.git.receive.valgrind.master', { commit: { rev: 'a', branch: 'b' } })).schema.name, 'git.receive.v1');
    assert.equal(catalog.choose(message('org.fedoraproject.prod.bodhi.updates.epel.sync', { release: '9', repo: 'epel' })).schema.name, 'bodhi.updates.sync.v1');
    assert.equal(catalog.forTopic('com.example.buildsys.tag')[0]?.schema.name, 'buildsys.tag.v1', 'a two-word prefix');
    assert.deepEqual(catalog.forTopic('org.fedoraproject.prod.tag'), [], 'a word of a topic is not a topic');
    assert.equal(relativeTopic('org.fedoraproject.prod.buildsys.tag'), 'buildsys.tag');
    assert.equal(relativeTopic('buildsys.tag'), 'buildsys.tag');
  });

  test('of versions coexisting on one topic, the newest whose body schema the body satisfies wins', () => {
    const update = { alias: 'FEDORA-2024-1', builds: [{ nvr: 'a-1-1' }], user: { name: 'u' }, status: 'pending', request: null, release: { name: 'F40' } };
    const v1 = { agent: 'alice', update, new_bugs: [] };
    const v2 = { ...v1, new_builds: ['a-1-1'], removed_builds: [] };
    assert.equal(catalog.choose(message('org.fedoraproject.prod.bodhi.update.edit', v2)).schema.name, 'bodhi.update.edit.v2');
    assert.equal(catalog.choose(message('org.fedoraproject.prod.bodhi.update.edit', v1)).schema.name, 'bodhi.update.edit.v1');
    const topic = 'org.fedoraproject.prod.bodhi.update.status.testing.koji-build-group.build.complete';
    const artifact = { type: 'koji-build-group', builds: [{ type: 'koji-build', id: 1, task_id: 2, nvr: 'a-1-1', component: 'a', issuer: 'i', scratch: false }] };
    const contact = { name: 'Bodhi', team: 't', docs: 'd', email: 'e' };
    assert.equal(catalog.choose(message(topic, { agent: 'bodhi', artifact, update })).schema.name, 'bodhi.update.status.testing.v3');
    assert.equal(catalog.choose(message(topic, { agent: 'bodhi', artifact, contact, update })).schema.name, 'bodhi.update.status.testing.v3');
    assert.equal(catalog.choose(message(topic, { agent: 'bodhi', artifact, contact })).schema.name, 'bodhi.update.status.testing.v1');
  });

  test("a body that fits none of its topic's schemas keeps the oldest when unnamed, the base schema when labelled base", () => {
    assert.deepEqual(catalog.choose(message('org.fedoraproject.prod.bodhi.update.comment', { surprise: true })), { schema: catalog.find('bodhi.update.comment.v1')!.schema, how: 'topic' });
    assert.deepEqual(catalog.choose(message('org.fedoraproject.prod.bodhi.update.comment', { surprise: true }, 'base.message')), { schema: baseSchema, how: 'base' });
    assert.deepEqual(catalog.choose(message('org.fedoraproject.prod.nobody.knows', { a: 1 })), { schema: baseSchema, how: 'base' });
  });

  test('a message labelled with the base schema whose body fits its topic schema is read with that schema', () => {
    const facts = catalog.facts(message('org.fedoraproject.prod.buildsys.tag', { name: 'kernel', version: '6', release: '1', tag: 'f40', user: 'bodhi', owner: 'jf' }, 'base.message'));
    assert.equal(facts.schema, 'buildsys.tag.v1');
    assert.deepEqual(facts.usernames, ['bodhi', 'jf']);
  });

  test('validate names the schema chosen and every failing path', () => {
    assert.throws(
      () => catalog.validate(message('org.fedoraproject.prod.buildsys.build.state.change', { name: 'kernel', new: 'done' })),
      (error: unknown) =>
        error instanceof MessageValidationError &&
        error.message.includes('fails schema "buildsys.build.state.change.v1"') &&
        error.issues.some((issue) => issue.path === '/new' && issue.rule === 'type') &&
        error.issues.some((issue) => issue.rule === 'required'),
    );
  });
});
