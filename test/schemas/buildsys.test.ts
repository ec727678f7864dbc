import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Severity } from '../../src/message/index.js';
import { accepts, catalog, factsOf, legacy, named, rejects } from './helpers.js';

/** A build state change as koji-fedoramessaging sends it today. */
const build = {
  name: 'python-requests', version: '2.32.3', release: '1.fc41', epoch: null, attribute: 'state',
  build_id: 2500001, task_id: 120000001, task: null, request: [], old: 0, new: 1, owner: 'alice',
  instance: 'primary', url: 'https://koji.fedoraproject.org/koji/buildinfo?buildID=2500001',
  creation_time: '2024-06-27T14:02:11+00:00', completion_time: '2024-06-27T14:20:00+00:00',
};

describe('buildsys.build.state.change.v1', () => {
  test("is koji-fedoramessaging's BuildStateChangeV1: the owner is the user and agent, the build's name the package", () => {
    const message = named('koji_fedoramessaging.build.BuildStateChangeV1', 'buildsys.build.state.change', build);
    accepts(message, 'buildsys.build.state.change.v1');
    assert.deepEqual(factsOf(message), {
      schema: 'buildsys.build.state.change.v1',
      summary: "alice's python-requests-2.32.3-1.fc41 completed",
      url: build.url,
      agent: 'alice',
      usernames: ['alice'],
      groups: [],
      packages: ['python-requests'],
      containers: [],
    });
  });

  test('says each Koji build state in words, and which secondary hub sent it', () => {
    const states = ['started building', 'completed', 'was deleted', 'failed to build', 'was cancelled'];
    states.forEach((words, state) => {
      const summary = factsOf(legacy('buildsys.build.state.change', { ...build, url: undefined, new: state, instance: 's390' })).summary;
      assert.equal(summary, `alice's python-requests-2.32.3-1.fc41 ${words} (s390)`);
    });
  });

  test('without a stated url, links the build on the hub that built it (staging on staging)', () => {
    const { url: _url, ...old } = build;
    assert.equal(factsOf(legacy('buildsys.build.state.change', old)).url, 'http://koji.fedoraproject.org/koji/buildinfo?buildID=2500001');
    assert.equal(factsOf(legacy('buildsys.build.state.change', { ...old, instance: 'arm' })).url, 'http://arm.koji.fedoraproject.org/koji/buildinfo?buildID=2500001');
    assert.equal(factsOf(legacy('org.fedoraproject.stg.buildsys.build.state.change', old)).url, 'http://koji.stg.fedoraproject.org/koji/buildinfo?buildID=2500001');
  });

  test('a build without an owner concerns nobody and says so without a possessive', () => {
    const facts = factsOf(legacy('buildsys.build.state.change', { ...build, owner: null }));
    assert.deepEqual(facts.usernames, []);
    assert.equal(facts.agent, null);
    assert.equal(facts.summary, 'python-requests-2.32.3-1.fc41 completed');
  });

  test('refuses a body without a name or whose state is not a number; a state Koji may add later is said as a number', () => {
    rejects(named('buildsys.build.state.change.v1', 'buildsys.build.state.change', { ...build, name: undefined }), '', 'required');
    rejects(named('buildsys.build.state.change.v1', 'buildsys.build.state.change', { ...build, new: 'COMPLETE' }), '/new', 'type');
    assert.equal(factsOf(legacy('buildsys.build.state.change', { ...build, new: 7 })).summary, "alice's python-requests-2.32.3-1.fc41 changed to state 7");
    rejects(named('buildsys.build.state.change.v1', 'buildsys.build.state.change', { ...build, owner: 5 }), '/owner', 'anyOf');
  });
});

describe('buildsys.task.state.change.v1', () => {
  const task = {
    id: 120000002, method: 'build', attribute: 'state', old: 'OPEN', new: 'FAILED', owner: 'bob', srpm: 'foo-1.0-1.fc41.src.rpm',
    base_url: 'https://koji.fedoraproject.org', files_base_url: 'https://kojipkgs.fedoraproject.org', instance: 'primary',
    info: { id: 120000002, method: 'build', arch: 'noarch', url: 'https://koji.fedoraproject.org/koji/taskinfo?taskID=120000002', request: ['cli-build/1/foo-1.0-1.fc41.src.rpm', 'f41-candidate', { scratch: true }] },
  };

  test("is TaskStateChangeV1: the owner is the user; a scratch build concerns no package", () => {
    assert.deepEqual(factsOf(named('koji_fedoramessaging.task.TaskStateChangeV1', 'buildsys.task.state.change', task)), {
      schema: 'buildsys.task.state.change.v1',
      summary: "bob's scratch build of foo-1.0-1.fc41.src.rpm for f41-candidate failed",
      url: task.info.url,
      agent: 'bob',
      usernames: ['bob'],
      groups: [],
      packages: [],
      containers: [],
    });
  });

  test("tells a regular build's task and other tasks apart from scratch builds", () => {
    const regular = { ...task, new: 'CLOSED', info: { ...task.info, request: ['git+https://src.fedoraproject.org/rpms/foo.git#abc', 'f41-candidate', {}] } };
    assert.equal(factsOf(legacy('buildsys.task.state.change', regular)).summary, "bob's build of foo-1.0-1.fc41.src.rpm for f41-candidate completed");
    const newRepo = { ...task, method: 'newRepo', new: 'OPEN', srpm: null, info: { ...task.info, method: 'newRepo', request: ['f41-build'] } };
    assert.equal(factsOf(legacy('buildsys.task.state.change', newRepo)).summary, "bob's newRepo task 120000002 started");
  });

  test('refuses a task without its id', () => {
    rejects(named('buildsys.task.state.change.v1', 'buildsys.task.state.change', { ...task, id: undefined }), '', 'required');
  });
});

describe('buildsys.tag.v1 and buildsys.untag.v1', () => {
  const tag = { name: 'foo', version: '1.0', release: '1.fc41', build_id: 1, tag: 'f41-updates-candidate', tag_id: 7, user: 'bodhi', owner: 'alice', instance: 'primary' };

  test('is TagV1/UntagV1: the tagger and the owner are the users, the tagger the agent; DEBUG by default', () => {
    const facts = factsOf(named('koji_fedoramessaging.tag.TagV1', 'buildsys.tag', tag));
    assert.deepEqual([facts.usernames, facts.agent, facts.packages], [['alice', 'bodhi'], 'bodhi', ['foo']]);
    assert.equal(facts.summary, "alice's foo-1.0-1.fc41 tagged into f41-updates-candidate by bodhi");
    assert.equal(facts.url, 'http://koji.fedoraproject.org/koji/taginfo?tagID=7');
    assert.equal(factsOf(named('koji_fedoramessaging.tag.UntagV1', 'buildsys.untag', tag)).summary, "alice's foo-1.0-1.fc41 untagged from f41-updates-candidate by bodhi");
    assert.equal(catalog.find('koji_fedoramessaging.tag.TagV1')!.schema.severity, Severity.DEBUG);
  });

  test('accepts what koji-fedoramessaging-messages accepts (it requires no field), refuses wrong types', () => {
    accepts(named('koji_fedoramessaging.tag.TagV1', 'buildsys.tag', {}), 'buildsys.tag.v1');
    rejects(named('buildsys.tag.v1', 'buildsys.tag', { ...tag, tag_id: 'seven' }), '/tag_id', 'type');
  });
});

describe('buildsys.repo.*, buildsys.package.list.change.v1, buildsys.rpm.sign.v1', () => {
  test('repository events concern nobody and link their tag', () => {
    const facts = factsOf(named('koji_fedoramessaging.repo.DoneV1', 'buildsys.repo.done', { repo_id: 3, tag: 'f41-build', tag_id: 9, instance: 'primary' }));
    assert.deepEqual([facts.summary, facts.url, facts.usernames, facts.packages], ['Repo done:  f41-build', 'http://koji.fedoraproject.org/koji/taginfo?tagID=9', [], []]);
    assert.equal(factsOf(named('koji_fedoramessaging.repo.InitV1', 'buildsys.repo.init', {})).summary, 'Repo initialized:  unknown');
  });

  test("a package list change concerns its package and the owner (ListChangeV1's agent)", () => {
    const facts = factsOf(named('koji_fedoramessaging.package.ListChangeV1', 'buildsys.package.list.change', { package: 'foo', tag: 'f41', action: 'add', owner: 'alice' }));
    assert.deepEqual([facts.packages, facts.usernames, facts.summary], [['foo'], ['alice'], "Package list change for foo:  'f41'"]);
    rejects(named('buildsys.package.list.change.v1', 'buildsys.package.list.change', { package: 'foo', block: 'yes' }), '/block', 'anyOf');
  });

  test("a signature concerns the build's package and owner (SignV1), or the rpm's name in fedmsg's bodies", () => {
    const current = {
      instance: 'primary', sigkey: 'a15b79cc', sighash: 'x',
      rpm: { name: 'foo-devel', version: '1.0', release: '1.fc41', arch: 'x86_64', build_id: 42 },
      build: { id: 42, name: 'foo', owner_name: 'alice' },
    };
    const facts = factsOf(named('koji_fedoramessaging.rpm.SignV1', 'buildsys.rpm.sign', current));
    assert.deepEqual([facts.packages, facts.usernames, facts.agent], [['foo'], ['alice'], 'alice']);
    assert.equal(facts.summary, "Koji build foo-devel-1.0-1.fc41.x86_64.rpm signed with sigkey 'a15b79cc'");
    assert.equal(facts.url, 'http://koji.fedoraproject.org/koji/buildinfo?buildID=42');
    const old = { attribute: 'sighash', instance: 'primary', old: null, new: 'x', info: { ...current.rpm, sigkey: 'a15b79cc' } };
    accepts(legacy('buildsys.rpm.sign', old), 'buildsys.rpm.sign.v1');
    assert.deepEqual(factsOf(legacy('buildsys.rpm.sign', old)).packages, ['foo-devel']);
    rejects(named('buildsys.rpm.sign.v1', 'buildsys.rpm.sign', { rpm: { name: 'foo', build_id: 'forty-two' } }), '/rpm/build_id', 'type');
  });
});
