import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accepts, factsOf, legacy, named, rejects } from './helpers.js';

const commit = {
  repo: 'python-httpx', namespace: 'rpms', branch: 'rawhide', rev: '0f7c3e1d9b2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e',
  name: 'Alice Example', email: 'alice@example.org', username: 'alice',
  committer: { name: 'Bob Example', email: 'bob@example.org', date: '2024-06-28T10:15:00+02:00' },
  summary: 'Update to 0.27.0', message: 'Update to 0.27.0\n\nFixes rhbz#2291234\n',
  stats: { files: { 'python-httpx.spec': { insertions: 3, deletions: 2, lines: 5 } }, total: { files: 1, insertions: 3, deletions: 2, lines: 5 } },
};

describe('git.receive.v1', () => {
  test('one commit: the pusher is the user, an rpms repository is the package, the commit is linked on its branch', () => {
    const message = named('git.receive.v1', 'git.receive', { agent: 'alice', commit });
    accepts(message, 'git.receive.v1');
    assert.deepEqual(factsOf(message), {
      schema: 'git.receive.v1',
      summary: 'alice pushed to rpms/python-httpx (rawhide).  "Update to 0.27.0 (..more)"',
      url: 'https://src.fedoraproject.org/rpms/python-httpx/c/0f7c3e1d9b2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e?branch=rawhide',
      agent: 'alice',
      usernames: ['alice'],
      groups: [],
      packages: ['python-httpx'],
      containers: [],
    });
  });

  test("old messages put repository and branch in the topic, and may name the author only by e-mail", () => {
    const { repo: _repo, namespace: _namespace, username: _username, ...old } = commit;
    const facts = factsOf(legacy('git.receive.python-httpx.rawhide', { commit: { ...old, message: 'Update to 0.27.0' } }));
    assert.deepEqual([facts.packages, facts.usernames, facts.agent], [['python-httpx'], [], null]);
    assert.equal(facts.summary, 'alice@example.org pushed to python-httpx (rawhide).  "Update to 0.27.0"');
  });

  test("the git hook's body (fedora_messaging_git_hook.commit.v1) is this schema; its url and a null namespace are taken as stated", () => {
    const hook = { ...commit, namespace: null, url: null, stats: { files: { 'a.c': { additions: 1, deletions: 0, lines: 1, binary: false } }, total: { additions: 1, deletions: 0, lines: 1, files: 1 } } };
    const message = named('fedora_messaging_git_hook.commit.v1', 'git.receive', { agent: 'alice', forced: false, commit: hook });
    accepts(message, 'git.receive.v1');
    const facts = factsOf(message);
    assert.deepEqual([facts.url, facts.packages, facts.summary], [null, [], 'alice pushed to python-httpx (rawhide).  "Update to 0.27.0 (..more)"']);
    const linked = factsOf(named('fedora_messaging_git_hook.commit.v1', 'git.receive', { agent: 'alice', commit: { ...hook, url: 'https://git.example.org/c/1' } }));
    assert.equal(linked.url, 'https://git.example.org/c/1');
  });

  test('repositories outside rpms are not packages: tests/ember concerns no package, a container repository is a container', () => {
    assert.deepEqual(factsOf(legacy('git.receive', { commit: { ...commit, namespace: 'tests' } })).packages, []);
    const container = factsOf(legacy('git.receive', { commit: { ...commit, namespace: 'container' } }));
    assert.deepEqual([container.packages, container.containers], [[], ['python-httpx']]);
  });

  test('refuses a commit without its revision, or with line counts that are not numbers', () => {
    rejects(named('git.receive.v1', 'git.receive', { commit: { ...commit, rev: undefined } }), '/commit', 'required');
    rejects(named('git.receive.v1', 'git.receive', { commit: { ...commit, stats: { files: {}, total: { lines: 'many' } } } }), '/commit/stats/total/lines', 'type');
  });
});

describe('branches, lookaside uploads, branching runs', () => {
  test('a branch creation links the branch, from the body or from an old topic', () => {
    const now = factsOf(named('git.branch.v1', 'git.branch', { agent: 'alice', namespace: 'rpms', name: 'foo', branch: 'epel10' }));
    assert.deepEqual([now.summary, now.url, now.packages], ["alice created branch 'epel10' for the 'rpms/foo' package", 'https://src.fedoraproject.org/rpms/foo/commits/epel10', ['foo']]);
    assert.equal(factsOf(legacy('git.branch.foo.f41', { agent: 'alice' })).url, 'https://src.fedoraproject.org/rpms/foo/commits/f41');
  });

  test('a lookaside upload links the file by its md5 (old) or by hash type and hash (today)', () => {
    const md5 = factsOf(legacy('git.lookaside.new', { agent: 'a', name: 'foo', filename: 'foo.tar.gz', md5sum: 'abc' }));
    assert.equal(md5.url, 'https://src.fedoraproject.org/lookaside/pkgs/foo/foo.tar.gz/abc/foo.tar.gz');
    const sha = factsOf(named('git.lookaside.new.v1', 'git.lookaside.new', { agent: 'a', name: 'foo', filename: 'foo.tar.gz', hashtype: 'sha512', hash: 'def' }));
    assert.equal(sha.url, 'https://src.fedoraproject.org/lookaside/pkgs/rpms/foo/foo.tar.gz/sha512/def/foo.tar.gz');
    assert.deepEqual([sha.summary, sha.packages, sha.usernames], ['a uploaded foo.tar.gz for foo', ['foo'], ['a']]);
    rejects(named('git.lookaside.new.v1', 'git.lookaside.new', { agent: 'a', name: 'foo' }), '', 'required');
  });

  test('a pkgdb2branch run counts its errors and concerns every package it handled', () => {
    const facts = factsOf(legacy('git.pkgdb2branch.complete', { agent: 'releng', branchedPackages: ['a'], unbranchedPackages: ['b', 'c'] }));
    assert.deepEqual([facts.summary, facts.packages], ['run of pkgdb2branch started by releng completed with 2 errors', ['a', 'b', 'c']]);
  });
});

describe('mirror manager', () => {
  test('crawls count the mirrors and their outcome; netblock fetches say which list and whether it worked', () => {
    const complete = factsOf(legacy('mirrormanager.crawler.complete', { results: [{ host: { name: 'a' }, rc: 0 }, { host: { name: 'b' }, rc: 3 }] }));
    assert.deepEqual([complete.summary, complete.url, complete.usernames], ["mirrormanager's crawler finished a crawl of 2 mirrors (1 succeeded, 1 failed)", 'https://mirrors.fedoraproject.org', []]);
    assert.equal(factsOf(legacy('mirrormanager.crawler.start', { hosts: [{ name: 'a' }] })).summary, "mirrormanager's crawler started a crawl of 1 mirrors");
    assert.equal(factsOf(legacy('mirrormanager.netblocks.get', { type: 'internet2', success: false })).summary, "mirrormanager's backend failed to update its internet2 netblocks file");
  });

  test('refuses a crawl result without its return code', () => {
    rejects(named('mirrormanager.crawler.complete.v1', 'mirrormanager.crawler.complete', { results: [{ host: { name: 'a' } }] }), '/results/0', 'required');
    rejects(named('mirrormanager.netblocks.get.v1', 'mirrormanager.netblocks.get', { type: 'global', success: 'yes' }), '/success', 'type');
  });
});
