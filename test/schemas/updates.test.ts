import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accepts, factsOf, legacy, named, rejects } from './helpers.js';

/** An update as bodhi-messages' UpdateV1 describes it. */
const update = {
  alias: 'FEDORA-2024-1a2b3c4d5e',
  builds: [{ nvr: 'python-httpx-0.27.0-1.fc40' }, { nvr: 'python-httpcore-1.0.5-1.fc40' }],
  user: { name: 'carol' },
  status: 'testing',
  request: 'stable',
  release: { name: 'F40' },
};
const URL = 'https://bodhi.fedoraproject.org/updates/FEDORA-2024-1a2b3c4d5e';

describe('update events', () => {
  test("a comment concerns its author, the update's submitter and everyone it @mentions (UpdateCommentV1)", () => {
    const message = named('bodhi.update.comment.v1', 'bodhi.update.comment', {
      comment: { karma: -1, text: 'Breaks login. @dave, @erin: see log; mail me at x@y.org', timestamp: '2024-06-28 09:12:44', update, user: { name: 'bob' } },
    });
    accepts(message, 'bodhi.update.comment.v1');
    assert.deepEqual(factsOf(message), {
      schema: 'bodhi.update.comment.v1',
      summary: 'bob commented on bodhi update python-httpx-0.27.0-1.fc40 python-httpco... (karma: -1)',
      url: URL,
      agent: 'bob',
      usernames: ['bob', 'carol', 'dave', 'erin'],
      groups: [],
      packages: ['python-httpcore', 'python-httpx'],
      containers: [],
    });
  });

  test('requests concern the agent and the submitter; stable/testing are "submitted to", the rest past tense', () => {
    const expected: Record<string, string> = {
      testing: 'alice submitted python-httpx-0.27.0-1.fc40 python-httpco... to testing',
      stable: 'alice submitted python-httpx-0.27.0-1.fc40 python-httpco... to stable',
      obsolete: 'alice obsoleted python-httpx-0.27.0-1.fc40 python-httpco...',
      revoke: 'alice revoked python-httpx-0.27.0-1.fc40 python-httpco...',
      unpush: 'alice unpushed python-httpx-0.27.0-1.fc40 python-httpco...',
    };
    for (const [request, summary] of Object.entries(expected)) {
      const message = named(`bodhi.update.request.${request}.v1`, `bodhi.update.request.${request}`, { agent: 'alice', update });
      accepts(message);
      const facts = factsOf(message);
      assert.deepEqual([facts.summary, facts.usernames, facts.url, facts.agent], [summary, ['alice', 'carol'], URL, 'alice']);
    }
  });

  test('old bodies name the update by title and its submitter as a string; packages come from the title', () => {
    const facts = factsOf(legacy('bodhi.update.request.testing', { agent: 'lmacken', update: { title: 'foo-1.0-1.fc18,bar-2.0-1.fc18', submitter: 'hadess' } }));
    assert.deepEqual([facts.packages, facts.usernames], [['bar', 'foo'], ['hadess', 'lmacken']]);
    assert.equal(facts.url, 'https://bodhi.fedoraproject.org/updates/foo-1.0-1.fc18,bar-2.0-1.fc18');
  });

  test('pushes completed, ejections, thresholds, requirements and errata', () => {
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['bodhi.update.complete.stable.v1', 'bodhi.update.complete.stable', { update: { ...update, status: 'stable' } }, "carol's python-httpx-0.27.0-1.fc40 python-httpco... bodhi update completed push to stable"],
      ['bodhi.update.eject.v1', 'bodhi.update.eject', { reason: 'no tag', repo: 'f40-updates', update }, `carol's python-httpx-0.27.0-1.fc40 python-httpco... bodhi update was ejected from the f40-updates mash.  Reason: "no tag"`],
      ['bodhi.update.karma.threshold.v1', 'bodhi.update.karma.threshold.reach', { status: 'unstable', update }, 'python-httpx-0.27.0-1.fc40 python-httpco... reached the unstable karma threshold'],
      ['bodhi.update.requirements_met.stable.v1', 'bodhi.update.requirements_met.stable', { update }, 'python-httpx-0.27.0-1.fc40 python-httpco... reached the stable testing threshold'],
      ['bodhi.errata.publish.v1', 'bodhi.errata.publish', { subject: 'Fedora 40 Update: python-httpx', body: '…', update }, 'Fedora 40 Update: python-httpx'],
    ];
    for (const [schema, topic, body, summary] of cases) {
      const message = named(schema, topic, body);
      accepts(message, schema);
      const facts = factsOf(message);
      assert.equal(facts.summary, summary, schema);
      assert.deepEqual(facts.usernames, ['carol'], schema);
      assert.deepEqual(facts.packages, ['python-httpcore', 'python-httpx'], schema);
      assert.equal(facts.url, URL, schema);
    }
  });

  test('edit v2 coexists with v1: both resolve by name, v2 requires the builds added and removed', () => {
    const v1 = { agent: 'alice', new_bugs: [1], update };
    accepts(named('bodhi.update.edit.v1', 'bodhi.update.edit', v1), 'bodhi.update.edit.v1');
    rejects(named('bodhi.update.edit.v2', 'bodhi.update.edit', v1), '', 'required');
    const v2 = { ...v1, new_builds: ['python-httpx-0.27.0-1.fc40'], removed_builds: [] };
    accepts(named('bodhi.update.edit.v2', 'bodhi.update.edit', v2), 'bodhi.update.edit.v2');
    assert.equal(factsOf(named('bodhi.update.edit.v2', 'bodhi.update.edit', v2)).summary, 'alice edited python-httpx-0.27.0-1.fc40 python-httpco... (1 build(s) added, 0 removed)');
  });

  test("ready for testing: v1/v2 concern the builds' issuers and components, v3 the update (as bodhi-messages says)", () => {
    const topic = 'bodhi.update.status.testing.koji-build-group.build.complete';
    const builds = [{ type: 'koji-build', id: 1, task_id: 2, nvr: 'python-httpx-0.27.0-1.fc40', component: 'python-httpx', issuer: 'frank', scratch: false }];
    const artifact = { id: update.alias, type: 'koji-build-group', builds, repository: 'https://example.org/repo', release: 'f40' };
    const contact = { name: 'Bodhi', team: 'CI', docs: 'https://example.org', email: 'ci@example.org' };
    const v1 = factsOf(named('bodhi.update.status.testing.v1', topic, { agent: 'bodhi', artifact, contact, generated_at: 'now', version: '0.2.2' }));
    assert.deepEqual([v1.usernames, v1.packages, v1.summary], [['bodhi', 'frank'], ['python-httpx'], "Bodhi's python-httpx-0.27.0-1.fc40 bodhi update is ready for testing"]);
    const v3 = factsOf(named('bodhi.update.status.testing.v3', topic, { agent: 'bodhi', artifact: { type: 'koji-build-group', builds }, update }));
    assert.deepEqual([v3.usernames, v3.packages, v3.url], [['bodhi', 'carol'], ['python-httpcore', 'python-httpx'], URL]);
  });

  test('refuses an update message without its update, or with a request Bodhi does not have', () => {
    rejects(named('bodhi.update.request.testing.v1', 'bodhi.update.request.testing', { agent: 'a' }), '', 'required');
    rejects(named('bodhi.update.request.testing.v1', 'bodhi.update.request.testing', { agent: 'a', update: { ...update, request: 'sideways' } }), '/update/request', 'anyOf');
    rejects(named('bodhi.update.comment.v1', 'bodhi.update.comment', { comment: { karma: 1 } }), '/comment', 'required');
    rejects(named('bodhi.update.karma.threshold.v1', 'bodhi.update.karma.threshold.reach', { status: 'great', update }), '/status', 'enum');
  });
});

describe('composes, overrides, stacks and syncs', () => {
  test('compose messages concern the agent (ComposeCompleteV1) and no package; the old masher topics read the same', () => {
    const facts = factsOf(named('bodhi.compose.complete.v1', 'bodhi.compose.complete', { agent: 'releng', repo: 'f40-updates', success: false, ctype: 'rpm' }));
    assert.deepEqual([facts.usernames, facts.packages, facts.summary, facts.url], [['releng'], [], 'bodhi rpm compose of repo f40-updates failed', 'https://bodhi.fedoraproject.org']);
    const masher = legacy('bodhi.mashtask.complete', { repo: 'f20-updates', success: true });
    accepts(masher, 'bodhi.compose.complete.v1');
    assert.equal(factsOf(masher).summary, 'bodhi masher successfully mashed f20-updates');
  });

  test('an override concerns its submitter and the overridden package, and links the override', () => {
    const current = factsOf(named('bodhi.buildroot_override.tag.v1', 'bodhi.buildroot_override.tag', { override: { nvr: 'foo-1.0-1.fc40', submitter: { name: 'alice' } } }));
    assert.deepEqual(current, {
      schema: 'bodhi.buildroot_override.tag.v1',
      summary: 'alice submitted a buildroot override for foo-1.0-1.fc40',
      url: 'https://bodhi.fedoraproject.org/overrides/foo-1.0-1.fc40',
      agent: 'alice',
      usernames: ['alice'],
      groups: [],
      packages: ['foo'],
      containers: [],
    });
    const old = factsOf(legacy('bodhi.buildroot_override.untag', { override: { build: 'foo-1.0-1.fc40', submitter: 'alice' } }));
    assert.equal(old.summary, 'alice expired a buildroot override for foo-1.0-1.fc40');
    rejects(named('bodhi.buildroot_override.tag.v1', 'bodhi.buildroot_override.tag', { override: { nvr: 'foo-1.0-1.fc40' } }), '/override', 'required');
  });

  test('a sync links the synced tree: updates, testing, the Everything and Modular trees since Fedora 28, EPEL', () => {
    const link = (topic: string, body: Record<string, unknown>) => factsOf(legacy(topic, body)).url;
    assert.equal(link('bodhi.updates.fedora.sync', { release: '20', repo: 'updates' }), 'https://download.fedoraproject.org/pub/fedora/linux/updates/20/');
    assert.equal(link('bodhi.updates.fedora.sync', { release: '40', repo: 'updates-testing' }), 'https://download.fedoraproject.org/pub/fedora/linux/updates/testing/40/Everything/');
    assert.equal(link('bodhi.updates.fedora.sync', { release: '30m', repo: 'updates' }), 'https://download.fedoraproject.org/pub/fedora/linux/updates/30/Modular/');
    assert.equal(link('bodhi.updates.epel.sync', { release: '9', repo: 'epel-testing' }), 'https://download.fedoraproject.org/pub/epel/testing/9/');
    rejects(legacy('bodhi.updates.fedora.sync', { repo: 'updates' }), '', 'required');
  });

  test('a masher run concerns the packages it was asked to push', () => {
    const facts = factsOf(legacy('bodhi.masher.start', { agent: 'releng', updates: ['foo-1-1.fc40', 'bar-2-1.fc40,baz-3-1.fc40'] }));
    assert.deepEqual([facts.packages, facts.summary], [['bar', 'baz', 'foo'], 'releng requested a mash of 2 updates']);
  });
});
