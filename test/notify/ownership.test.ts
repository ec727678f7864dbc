/**
 * Ownership and membership from the bus: what each package-database and account-system message
 * changes (read from the real corpus), and the tracker keeping the store current on the embedded bus.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import type { Bus } from '../../src/bus/index.js';
import { createSchemaRegistry } from '../../src/schemas/index.js';
import { openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { NotifyStore, OWNERSHIP_QUEUE, OwnershipTracker, ownershipChanges, type OwnershipChange } from '../../src/notify/index.js';
import { eventually } from '../helpers/deliveries.js';

interface Example {
  readonly app: string;
  readonly topic: string;
  readonly message: { readonly msg: Record<string, unknown> };
}

const CORPUS = new URL('../fixtures/corpus/fedmsg-legacy.jsonl', import.meta.url);
const examples: Example[] = readFileSync(CORPUS, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Example);

/** The corpus examples of a topic (relative to its prefix), in corpus order. */
function corpus(relative: string): Example[] {
  const found = examples.filter((example) => example.topic.split('.').slice(3).join('.') === relative);
  assert.ok(found.length > 0, `the corpus has ${relative}`);
  return found;
}

const changesOf = (example: Example): OwnershipChange[] => ownershipChanges({ topic: example.topic, body: example.message.msg });

/** A corpus body with its package listing moved to another branch (the corpus's are mostly EPEL/old releases). */
function onBranch(example: Example, branch: string, listingKey = 'package_listing'): Record<string, unknown> {
  const body = structuredClone(example.message.msg);
  const listing = body[listingKey] as { collection: { branchname: string } };
  listing.collection.branchname = branch;
  return body;
}

describe('what pkgdb and FAS messages change', () => {
  test('a new package on the development branch is owned by its point of contact', () => {
    const [example] = corpus('pkgdb.package.new');
    assert.deepEqual(changesOf(example!), [{ op: 'pointOfContact', package: 'php-zmq', user: 'lmacken', development: true }]);
  });

  test('a branch other than rawhide orphaned or retired leaves the package owned', () => {
    assert.deepEqual(changesOf(corpus('pkgdb.owner.update')[0]!), []);
    assert.deepEqual(changesOf(corpus('pkgdb.package.retire')[0]!), []);
    assert.deepEqual(changesOf(corpus('pkgdb.acl.user.remove')[0]!), []);
  });

  test('orphaning or retiring the development branch removes the owner or the whole package', () => {
    const owner = corpus('pkgdb.owner.update')[0]!;
    assert.deepEqual(ownershipChanges({ topic: owner.topic, body: onBranch(owner, 'rawhide') }), [{ op: 'removeOwner', package: 'php-zmq' }]);
    const retire = corpus('pkgdb.package.retire')[0]!;
    assert.deepEqual(ownershipChanges({ topic: retire.topic, body: onBranch(retire, 'master') }), [{ op: 'removePackage', package: 'php-zmq' }]);
    const retiredByStatus = corpus('pkgdb.package.update.status').find((example) => example.message.msg['status'] === 'Retired')!;
    assert.deepEqual(changesOf(retiredByStatus), [{ op: 'removePackage', package: 'libvmime07' }]);
  });

  test('an unretired package gets its point of contact back', () => {
    const unretired = corpus('pkgdb.package.update.status').find((example) => example.message.msg['status'] === 'Approved')!;
    assert.deepEqual(changesOf(unretired), [{ op: 'pointOfContact', package: 'guake', user: 'pingou', development: false }]);
  });

  test('commit or approveacls granted makes a co-maintainer, revoked on rawhide removes one; watching changes nothing', () => {
    const acl = corpus('pkgdb.acl.update')[0]!;
    assert.deepEqual(changesOf(acl), [], 'watchbugzilla is not maintaining');
    const granted = { ...acl.message.msg, acl: 'commit', status: 'Approved' };
    assert.deepEqual(ownershipChanges({ topic: acl.topic, body: granted }), [{ op: 'addComaintainer', package: 'python-sh', user: 'ralph' }]);
    const revokedOnEpel = { ...granted, status: 'Obsolete' };
    assert.deepEqual(ownershipChanges({ topic: acl.topic, body: revokedOnEpel }), []);
    const revoked = { ...onBranch(acl, 'rawhide'), acl: 'approveacls', status: 'Removed' };
    assert.deepEqual(ownershipChanges({ topic: acl.topic, body: revoked }), [{ op: 'removeComaintainer', package: 'python-sh', user: 'ralph' }]);
    const requested = { ...granted, status: 'Awaiting Review' };
    assert.deepEqual(ownershipChanges({ topic: acl.topic, body: requested }), []);
  });

  test('a deleted package is removed; a deleted watch ACL changes nothing', () => {
    assert.deepEqual(changesOf(corpus('pkgdb.package.delete')[0]!), [{ op: 'removePackage', package: 'pipelight' }]);
    assert.deepEqual(changesOf(corpus('pkgdb.acl.delete')[0]!), []);
  });

  test('FAS: sponsoring and a role make a member, removal ends it, applying is not membership — both body forms', () => {
    for (const example of corpus('fas.group.member.sponsor')) assert.deepEqual(changesOf(example), [{ op: 'addMember', group: 'ambassadors', user: 'ralph' }]);
    for (const example of corpus('fas.role.update')) assert.deepEqual(changesOf(example), [{ op: 'addMember', group: 'ambassadors', user: 'ralph' }]);
    for (const example of corpus('fas.group.member.remove')) assert.deepEqual(changesOf(example), [{ op: 'removeMember', group: 'ambassadors', user: 'ralph' }]);
    for (const example of corpus('fas.group.member.apply')) assert.deepEqual(changesOf(example), []);
  });

  test("Noggin's wrapped body is read too", () => {
    assert.deepEqual(ownershipChanges({ topic: 'org.fedoraproject.prod.fas.group.member.sponsor', body: { msg: { agent: 'toshio', user: 'ralph', group: 'packager' } } }), [
      { op: 'addMember', group: 'packager', user: 'ralph' },
    ]);
  });

  test('no other corpus message changes anything, and hostile names are ignored', () => {
    const ownershipTopics = /\.(pkgdb\.(package\.(new|retire|delete|update\.status)|owner\.update|acl\.(update|delete|user\.remove))|fas\.(group\.member\.(sponsor|remove)|role\.update))$/;
    for (const example of examples.filter((example) => !ownershipTopics.test(example.topic))) {
      assert.deepEqual(changesOf(example), [], example.topic);
    }
    assert.deepEqual(ownershipChanges({ topic: 'fas.group.member.sponsor', body: { agent: 'x', user: '../../etc', group: 'packager' } }), []);
    assert.deepEqual(ownershipChanges({ topic: 'pkgdb.package.delete', body: { agent: 'x', package: { name: 'a b' } } }), []);
  });
});

describe('the ownership tracker on the embedded bus', () => {
  let dir: string;
  let database: StoreDatabase;
  let store: NotifyStore;
  let bus: Bus;
  let tracker: OwnershipTracker;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidings-ownership-'));
    database = await openDatabase({ dataDir: dir });
    store = new NotifyStore(database);
    bus = await connect('memory:', { registry: createSchemaRegistry() });
    tracker = new OwnershipTracker(store);
    await tracker.start(bus);
  });
  after(async () => {
    await tracker.stop();
    await bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const roles = async (pkg: string): Promise<string[]> => (await store.ownersOf(pkg)).map((entry) => `${entry.user}:${entry.role}`).sort();

  test('consumes the durable queue tidings.notify.ownership', () => {
    assert.equal(OWNERSHIP_QUEUE, 'tidings.notify.ownership');
  });

  test('package owners follow the package database: new, ACL granted, owner changed, ACL revoked, retired', async () => {
    const created = corpus('pkgdb.package.new')[0]!;
    await bus.publish({ topic: created.topic, body: created.message.msg });
    await eventually(async () => (await roles('php-zmq')).join() === 'lmacken:owner', 'lmacken owns php-zmq');

    const acl = corpus('pkgdb.acl.update')[0]!;
    const granted: Record<string, unknown> = { ...onBranch(acl, 'rawhide'), acl: 'commit', status: 'Approved' };
    (granted['package_listing'] as { package: { name: string } }).package.name = 'php-zmq';
    await bus.publish({ topic: acl.topic, body: granted });
    await eventually(async () => (await roles('php-zmq')).join() === 'lmacken:owner,ralph:comaintainer', 'ralph co-maintains php-zmq');

    const owner = corpus('pkgdb.owner.update')[0]!;
    const handedOver = onBranch(owner, 'rawhide');
    (handedOver['package_listing'] as { point_of_contact: string }).point_of_contact = 'ralph';
    await bus.publish({ topic: owner.topic, body: handedOver });
    await eventually(async () => (await roles('php-zmq')).join() === 'lmacken:comaintainer,ralph:owner', 'ralph owns php-zmq, lmacken stays on');

    await bus.publish({ topic: acl.topic, body: { ...granted, username: 'lmacken', status: 'Obsolete' } });
    await eventually(async () => (await roles('php-zmq')).join() === 'ralph:owner', "lmacken's commit ACL is gone");
    assert.deepEqual((await store.packagesOf('ralph')).map((entry) => entry.package), ['php-zmq']);

    const retire = corpus('pkgdb.package.retire')[0]!;
    await bus.publish({ topic: retire.topic, body: onBranch(retire, 'rawhide') });
    await eventually(async () => (await roles('php-zmq')).length === 0, 'php-zmq retired: nobody owns it');
  });

  test('group members follow the account system: sponsored, then removed', async () => {
    const sponsor = corpus('fas.group.member.sponsor')[0]!;
    await bus.publish({ topic: sponsor.topic, body: sponsor.message.msg });
    await bus.publish({ topic: 'org.fedoraproject.prod.fas.group.member.sponsor', body: { msg: { agent: 'toshio', user: 'bob', group: 'ambassadors' } } });
    const members = async (): Promise<string> => (await store.membersOf('ambassadors')).map((entry) => entry.user).join();
    await eventually(async () => (await members()) === 'bob,ralph', 'ralph and bob are ambassadors');
    const remove = corpus('fas.group.member.remove')[0]!;
    await bus.publish({ topic: remove.topic, body: remove.message.msg });
    await eventually(async () => (await members()) === 'bob', 'ralph is no longer an ambassador');
  });

  test('messages of other applications leave ownership alone and do not stop the tracker', async () => {
    const before = tracker.applied;
    const bodhi = examples.find((example) => example.app === 'bodhi')!;
    await bus.publish({ topic: bodhi.topic, body: bodhi.message.msg });
    const sponsor = corpus('fas.group.member.sponsor')[0]!;
    await bus.publish({ topic: sponsor.topic, body: { ...sponsor.message.msg, group: 'packager' } });
    await eventually(async () => (await store.membersOf('packager')).length === 1, 'the next ownership message is applied');
    assert.equal(tracker.applied, before + 1);
  });
});
