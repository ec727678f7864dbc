import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accepts, catalog, factsOf, legacy, named, rejects } from './helpers.js';

const listing = (name: string, namespace?: string, branch = 'f41') => ({
  package: { name, ...(namespace ? { namespace } : {}), summary: 'a package' },
  collection: { branchname: branch, name: 'Fedora', version: '41' },
  point_of_contact: 'alice',
  status: 'Approved',
});

describe('package database schemas', () => {
  test('cover the events the issue lists: package new/update/retire, owner, ACLs, branches, critical path', () => {
    for (const topic of [
      'pkgdb.package.new', 'pkgdb.package.update', 'pkgdb.package.retire', 'pkgdb.owner.update', 'pkgdb.acl.update',
      'pkgdb.acl.request.toggle', 'pkgdb.branch.clone', 'pkgdb.package.branch.new', 'pkgdb.critpath.update', 'pkgdb.package.critpath.update',
    ]) {
      assert.equal(catalog.forTopic(`org.fedoraproject.prod.${topic}`)[0]?.schema.name, `${topic}.v1`);
    }
  });

  test('an ACL change concerns the agent and the account whose ACL changed, and links the package', () => {
    const message = named('pkgdb.acl.update.v1', 'pkgdb.acl.update', { agent: 'alice', username: 'bob', acl: 'commit', status: 'Approved', package_listing: listing('foo') });
    accepts(message);
    assert.deepEqual(factsOf(message), {
      schema: 'pkgdb.acl.update.v1',
      summary: "alice changed bob's 'commit' permission on rpms/foo (f41) to 'Approved'",
      url: 'https://admin.fedoraproject.org/pkgdb/package/rpms/foo/',
      agent: 'alice',
      usernames: ['alice', 'bob'],
      groups: [],
      packages: ['foo'],
      containers: [],
    });
  });

  test('"orphan" is a placeholder, not a user; a list-valued agent (pkgdb1) is its first name', () => {
    const facts = factsOf(legacy('pkgdb.owner.update', { agent: ['alice'], username: 'orphan', package_listing: { ...listing('foo'), point_of_contact: 'orphan' } }));
    assert.deepEqual(facts.usernames, ['alice']);
    assert.equal(facts.summary, "alice changed owner of rpms/foo (f41) to 'orphan'");
  });

  test('finds the package wherever the body keeps it: listings, a name, an ACL, a request, an admin action', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['pkgdb.acl.user.remove', { agent: 'a', username: 'b', package_listings: [listing('one', undefined, 'f40'), listing('one')] }, 'a removed b from rpms/one (f40, f41)'],
      ['pkgdb.branch.clone', { agent: 'a', package: 'two', branch: 'f41', master: 'rawhide' }, 'a branched rpms/two f41 from rawhide'],
      ['pkgdb.acl.delete', { agent: 'a', acl: { acl: 'commit', fas_name: 'b', packagelist: listing('three') } }, "a deleted b's commit rights from rpms/three (f41)"],
      ['pkgdb.package.new.request', { agent: 'a', info: { pkg_name: 'four' }, collection: { branchname: 'rawhide' }, package: null }, 'a requested package rpms/four on branch rawhide'],
      ['pkgdb.admin.action.status.update', { agent: 'a', old_status: 'Awaiting Review', new_status: 'Denied', action: { id: 2, action: 'request.branch', user: 'b', message: 'no', collection: { branchname: 'epel9' }, info: {}, package: { name: 'five' } } }, "a changed b's branch request for rpms/five in epel9 from Awaiting Review to Denied with message: no"],
    ];
    for (const [topic, body, summary] of cases) {
      const message = legacy(topic, body);
      accepts(message, `${topic}.v1`);
      const facts = factsOf(message);
      assert.equal(facts.summary, summary, topic);
      assert.equal(facts.packages.length, 1, topic);
    }
  });

  test('namespaces decide the fact: rpms are packages, docker images are containers', () => {
    const rpm = factsOf(legacy('pkgdb.package.branch.new', { agent: 'a', package: { name: 'foo', namespace: 'rpms' }, package_listing: listing('foo', 'rpms') }));
    assert.deepEqual([rpm.packages, rpm.containers], [['foo'], []]);
    const image = factsOf(legacy('pkgdb.package.branch.new', { agent: 'a', package: { name: 'foo', namespace: 'docker' }, package_listing: listing('foo', 'docker') }));
    assert.deepEqual([image.packages, image.containers], [[], ['foo']]);
    assert.equal(image.summary, "a created the branch 'f41' for the package 'docker/foo'");
    assert.equal(image.url, 'https://admin.fedoraproject.org/pkgdb/package/docker/foo/');
  });

  test('status changes say orphaned, retired and their undoing in words', () => {
    const status = (prev_status: string, status: string) =>
      factsOf(legacy('pkgdb.package.update.status', { agent: 'a', prev_status, status, package_listing: listing('foo') })).summary;
    assert.equal(status('Approved', 'Orphaned'), 'a orphaned rpms/foo in f41');
    assert.equal(status('Orphaned', 'Approved'), 'a unorphaned rpms/foo in f41');
    assert.equal(status('Approved', 'Retired'), 'a retired rpms/foo in f41');
    assert.equal(status('Retired', 'Approved'), 'a unretired rpms/foo in f41');
  });

  test('events about collections or many listings concern no package and link nowhere', () => {
    const facts = factsOf(legacy('pkgdb.critpath.update', { agent: 'a', critpath: true, package_listing_ids: [1, 2] }));
    assert.deepEqual([facts.packages, facts.url, facts.summary], [[], null, 'a altered the critpath status for some packages']);
    assert.equal(factsOf(legacy('pkgdb.package.monitor.update', { agent: 'a', package: { name: 'foo' }, status: false })).summary, 'a set the monitor flag of rpms/foo to False');
  });

  test('refuses bodies without an agent or without what the event is about', () => {
    rejects(named('pkgdb.package.new.v1', 'pkgdb.package.new', { package_listing: listing('foo') }), '', 'required');
    rejects(named('pkgdb.acl.update.v1', 'pkgdb.acl.update', { agent: 'a', username: 'b', acl: 'commit', status: 'Approved', package_listing: { package: {} } }), '/package_listing/package', 'required');
    rejects(named('pkgdb.critpath.update.v1', 'pkgdb.critpath.update', { agent: 'a', critpath: 'yes' }), '/critpath', 'type');
  });
});
