/**
 * The notifier's storage conformance suite: SQLite and PostgreSQL run exactly these tests.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, type StoreDatabase, type StoreOptions } from '../../src/store/index.js';
import {
  DEFAULT_RULE_NAME,
  MAX_CODE_ATTEMPTS,
  NotifyAccessError,
  NotifyConflictError,
  NotifyStore,
  RuleValidationError,
  VerificationError,
  type Rule,
} from '../../src/notify/index.js';

export interface NotifyStoreUnderTest {
  readonly options: StoreOptions;
  close(): Promise<void>;
}

const email = (address: string) => ({ kind: 'email', address, label: 'work mail' });

/** A confirmed email destination of `owner`. */
async function confirmedEmail(store: NotifyStore, owner: string, address = `${owner}@example.org`): Promise<string> {
  const { destination, code } = await store.addDestination(owner, email(address));
  await store.verifyDestination(owner, destination.id, code);
  return destination.id;
}

const names = (rules: readonly Rule[]): string[] => rules.map((rule) => `${rule.owner}:${rule.name}`).sort();

export function runNotifyStoreConformance(name: string, setup: () => Promise<NotifyStoreUnderTest>): void {
  describe(`notify storage conformance: ${name}`, () => {
    let subject: NotifyStoreUnderTest;
    let database: StoreDatabase;
    let store: NotifyStore;

    before(async () => {
      subject = await setup();
      database = await openDatabase(subject.options);
      store = new NotifyStore(database);
    });
    after(async () => {
      await database.close();
      await subject.close();
    });

    test('a new user starts with a confirmed web inbox and one rule "My events and packages" to it', async () => {
      const user = await store.ensureUser('newcomer', { email: 'newcomer@example.org' });
      assert.equal(user.name, 'newcomer');
      assert.equal(user.email, 'newcomer@example.org');
      assert.equal(user.isAdmin, false);
      const destinations = await store.destinations('newcomer');
      assert.equal(destinations.length, 1);
      assert.equal(destinations[0]!.kind, 'inbox');
      assert.ok(destinations[0]!.verifiedAt !== null);
      const rules = await store.rules('newcomer');
      assert.equal(rules.length, 1);
      const rule = rules[0]!;
      assert.equal(rule.name, DEFAULT_RULE_NAME);
      assert.equal(rule.enabled, true);
      assert.equal(rule.tracking.myEvents, true);
      assert.equal(rule.tracking.myPackages, true);
      assert.equal(rule.filters.excludeMyActions, true);
      assert.deepEqual(rule.destinations, [destinations[0]!.id]);
    });

    test('ensuring a user again, even at once from several requests, creates nothing more', async () => {
      await Promise.all([store.ensureUser('racer'), store.ensureUser('racer'), store.ensureUser('racer')]);
      await store.ensureUser('racer');
      assert.equal((await store.destinations('racer')).length, 1);
      assert.equal((await store.rules('racer')).length, 1);
    });

    test('a destination is usable only after its code is entered; the code is stored hashed', async () => {
      await store.ensureUser('verifier');
      const { destination, code } = await store.addDestination('verifier', email('verifier@example.org'));
      assert.equal(destination.verifiedAt, null);
      assert.match(code, /^[A-Z2-9]{8}$/);
      const row = await store.db.selectFrom('notify_destinations').selectAll().where('id', '=', destination.id).executeTakeFirstOrThrow();
      assert.ok(row.code_hash && !row.code_hash.includes(code), 'only a hash of the code is kept');

      const unconfirmed = { name: 'Builds', tracking: { myPackages: true }, destinations: [destination.id] };
      await assert.rejects(store.createRule('verifier', unconfirmed), (error: unknown) => {
        assert.ok(error instanceof RuleValidationError);
        assert.equal(error.issues[0]!.field, 'destinations');
        assert.match(error.issues[0]!.reason, /not confirmed/);
        return true;
      });
      await assert.rejects(store.verifyDestination('verifier', destination.id, 'AAAAAAAA'), (error: unknown) => error instanceof VerificationError && error.reason === 'wrong-code');
      // Lower case and spaces around are how people type codes.
      const verified = await store.verifyDestination('verifier', destination.id, ` ${code.toLowerCase()} `);
      assert.ok(verified.verifiedAt !== null);
      const rule = await store.createRule('verifier', unconfirmed);
      assert.deepEqual(rule.destinations, [destination.id]);
    });

    test('after too many wrong codes even the right one is refused, until a new code is asked for', async () => {
      const { destination, code } = await store.addDestination('guesser', email('guesser@example.org'));
      for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS; attempt++) {
        await assert.rejects(store.verifyDestination('guesser', destination.id, 'WRONG222'), { code: 'NOTIFY_VERIFICATION_FAILED' });
      }
      await assert.rejects(store.verifyDestination('guesser', destination.id, code), (error: unknown) => error instanceof VerificationError && error.reason === 'too-many-attempts');
      const fresh = await store.renewCode('guesser', destination.id);
      await assert.rejects(store.verifyDestination('guesser', destination.id, code), { code: 'NOTIFY_VERIFICATION_FAILED' });
      assert.ok((await store.verifyDestination('guesser', destination.id, fresh)).verifiedAt !== null);
    });

    test('an expired code is refused', async () => {
      const { destination, code } = await store.addDestination('sleeper', email('sleeper@example.org'));
      await store.db.updateTable('notify_destinations').set({ code_expires_at: Date.now() - 1 }).where('id', '=', destination.id).execute();
      await assert.rejects(store.verifyDestination('sleeper', destination.id, code), (error: unknown) => error instanceof VerificationError && error.reason === 'expired');
    });

    test("nobody sees, confirms, changes or deletes another user's destinations or rules", async () => {
      const { destination, code } = await store.addDestination('victim', email('victim@example.org'));
      const rule = (await store.rules('victim'))[0]!;
      const refused = { code: 'NOTIFY_ACCESS_DENIED' };
      await assert.rejects(store.getDestination('mallory', destination.id), refused);
      await assert.rejects(store.verifyDestination('mallory', destination.id, code), refused);
      await assert.rejects(store.renewCode('mallory', destination.id), refused);
      await assert.rejects(store.setDestinationDisabled('mallory', destination.id, true), refused);
      await assert.rejects(store.deleteDestination('mallory', destination.id), refused);
      await assert.rejects(store.getRule('mallory', rule.id), NotifyAccessError);
      await assert.rejects(store.updateRule('mallory', rule.id, { name: 'mine now' }), refused);
      await assert.rejects(store.setRuleEnabled('mallory', rule.id, false), refused);
      await assert.rejects(store.deleteRule('mallory', rule.id), refused);
      // Nor use them in a rule of one's own.
      const theirs = await confirmedEmail(store, 'victim', 'victim2@example.org');
      await assert.rejects(store.createRule('mallory', { name: 'x', tracking: { myEvents: true }, destinations: [theirs] }), RuleValidationError);
      assert.equal((await store.getDestination('victim', destination.id)).verifiedAt, null);
      assert.equal((await store.getRule('victim', rule.id)).name, DEFAULT_RULE_NAME);
    });

    test('rules are created, changed, switched off and on, and deleted by their owner', async () => {
      const mail = await confirmedEmail(store, 'editor');
      const created = await store.createRule('editor', {
        name: 'Kernel builds',
        tracking: { packages: ['kernel', 'kernel'], topics: ['*.*.*.buildsys.build.state.change'] },
        filters: { minSeverity: 30, excludeApps: ['bodhi'] },
        destinations: [mail],
      });
      assert.deepEqual(created.tracking.packages, ['kernel']);
      assert.equal(created.filters.minSeverity, 30);
      assert.equal(created.filters.excludeMyActions, true);
      const changed = await store.updateRule('editor', created.id, { name: 'Kernel and glibc', tracking: { packages: ['kernel', 'glibc'] } });
      assert.equal(changed.name, 'Kernel and glibc');
      assert.deepEqual(changed.tracking.packages, ['kernel', 'glibc']);
      assert.deepEqual(changed.tracking.topics, [], 'tracking is replaced as a whole');
      assert.equal(changed.filters.minSeverity, 30, 'fields not given are kept');
      assert.ok(changed.updatedAt >= created.updatedAt);
      await assert.rejects(store.updateRule('editor', created.id, { tracking: {} }), (error: unknown) => error instanceof RuleValidationError && error.issues[0]!.field === 'tracking');
      assert.equal((await store.setRuleEnabled('editor', created.id, false)).enabled, false);
      assert.equal((await store.setRuleEnabled('editor', created.id, true)).enabled, true);
      assert.deepEqual(names(await store.rules('editor')), ['editor:Kernel and glibc', `editor:${DEFAULT_RULE_NAME}`]);
      await store.deleteRule('editor', created.id);
      assert.deepEqual(names(await store.rules('editor')), [`editor:${DEFAULT_RULE_NAME}`]);
      assert.equal((await store.rulesTracking({ package: 'glibc' })).some((rule) => rule.id === created.id), false);
    });

    test('a destination in use or the inbox is not deleted; a free one is', async () => {
      const mail = await confirmedEmail(store, 'cleaner');
      const rule = await store.createRule('cleaner', { name: 'Mine', tracking: { myEvents: true }, destinations: [mail] });
      await assert.rejects(store.deleteDestination('cleaner', mail), (error: unknown) => error instanceof NotifyConflictError && /rule 'Mine'/.test(error.message));
      const inbox = (await store.destinations('cleaner')).find((destination) => destination.kind === 'inbox')!;
      await assert.rejects(store.deleteDestination('cleaner', inbox.id), NotifyConflictError);
      await store.updateRule('cleaner', rule.id, { destinations: [inbox.id] });
      await store.deleteDestination('cleaner', mail);
      assert.deepEqual((await store.destinations('cleaner')).map((destination) => destination.kind), ['inbox']);
      const disabled = await store.setDestinationDisabled('cleaner', inbox.id, true);
      assert.equal(disabled.disabled, true);
    });

    test('admins list every rule and switch one off with a reason its owner sees; others may not', async () => {
      await store.ensureUser('noisy');
      await store.setAdmin('boss', true);
      const rule = (await store.rules('noisy'))[0]!;
      await assert.rejects(store.adminListRules('noisy'), NotifyAccessError);
      await assert.rejects(store.adminDisableRule('noisy', rule.id, 'no'), NotifyAccessError);
      const all = await store.adminListRules('boss');
      assert.ok(all.some((entry) => entry.id === rule.id));
      assert.deepEqual(names(await store.adminListRules('boss', { owner: 'noisy' })), [`noisy:${DEFAULT_RULE_NAME}`]);
      await store.adminDisableRule('boss', rule.id, 'sent 10,000 mails an hour to a bouncing address');
      assert.equal((await store.getRule('noisy', rule.id)).disabledByAdmin, 'sent 10,000 mails an hour to a bouncing address');
      await store.adminDisableRule('boss', rule.id, null);
      assert.equal((await store.getRule('noisy', rule.id)).disabledByAdmin, null);
    });

    test('rules tracking a package, user, group or application are found, including "my packages" and "my events"', async () => {
      const mail = await confirmedEmail(store, 'follower');
      const byPackage = await store.createRule('follower', { name: 'systemd', tracking: { packages: ['systemd'] }, destinations: [mail] });
      const byUser = await store.createRule('follower', { name: 'pingou', tracking: { users: ['pingou'] }, destinations: [mail] });
      const byGroup = await store.createRule('follower', { name: 'python-sig', tracking: { groups: ['python-sig'] }, destinations: [mail] });
      const byApp = await store.createRule('follower', { name: 'bodhi', tracking: { apps: ['bodhi'] }, destinations: [mail] });
      await store.ensureUser('sdowner');
      await store.setOwner('systemd', 'sdowner');
      const ids = async (query: Parameters<NotifyStore['rulesTracking']>[0]) => (await store.rulesTracking(query)).map((rule) => `${rule.owner}:${rule.name}`).sort();
      assert.deepEqual(await ids({ package: 'systemd' }), ['follower:systemd', `sdowner:${DEFAULT_RULE_NAME}`]);
      assert.deepEqual(await ids({ user: 'pingou' }), ['follower:pingou']);
      assert.deepEqual(await ids({ user: 'follower' }), [`follower:${DEFAULT_RULE_NAME}`]);
      assert.deepEqual(await ids({ group: 'python-sig' }), ['follower:python-sig']);
      assert.deepEqual(await ids({ app: 'bodhi' }), ['follower:bodhi']);
      assert.deepEqual(await ids({ package: 'no-such-package' }), []);
      const all = await store.allRules();
      for (const rule of [byPackage, byUser, byGroup, byApp]) assert.ok(all.some((entry) => entry.id === rule.id && entry.destinations[0] === mail));
    });

    test('the change feed names each changed rule, destination, package and group, in order', async () => {
      const start = await store.version();
      const mail = await confirmedEmail(store, 'watcher');
      const rule = await store.createRule('watcher', { name: 'feed', tracking: { myEvents: true }, destinations: [mail] });
      await store.setRuleEnabled('watcher', rule.id, false);
      await store.addComaintainer('feedpkg', 'watcher');
      await store.addMember('feedgroup', 'watcher');
      await store.deleteRule('watcher', rule.id);
      const changes = await store.changesSince(start);
      const seen = changes.map((change) => `${change.kind}:${change.key}`);
      assert.deepEqual(seen.slice(-7), ['user:watcher', `destination:${mail}`, `rule:${rule.id}`, `rule:${rule.id}`, 'package:feedpkg', 'group:feedgroup', `rule:${rule.id}`]);
      assert.equal(await store.version(), changes.at(-1)!.seq);
      assert.deepEqual(await store.changesSince(await store.version()), []);
      assert.deepEqual(await store.rulesById([rule.id]), [], 'a deleted rule is gone');
    });

    test('ownership: a new owner demotes the old one to co-maintainer; orphaning and retiring remove', async () => {
      await store.setOwner('php-zmq', 'lmacken');
      await store.addComaintainer('php-zmq', 'ralph');
      await store.addComaintainer('php-zmq', 'lmacken'); // the owner stays owner
      const roles = async () => (await store.ownersOf('php-zmq')).map((entry) => `${entry.user}:${entry.role}`).sort();
      assert.deepEqual(await roles(), ['lmacken:owner', 'ralph:comaintainer']);
      await store.setOwner('php-zmq', 'ralph');
      assert.deepEqual(await roles(), ['lmacken:comaintainer', 'ralph:owner']);
      await store.removeComaintainer('php-zmq', 'ralph'); // not a co-maintainer: the owner is untouched
      assert.deepEqual(await roles(), ['lmacken:comaintainer', 'ralph:owner']);
      assert.deepEqual((await store.packagesOf('ralph')).map((entry) => entry.package), ['php-zmq']);
      await store.removeOwner('php-zmq');
      assert.deepEqual(await roles(), ['lmacken:comaintainer']);
      await store.removePackage('php-zmq');
      assert.deepEqual(await roles(), []);
    });

    test('membership: members are added once and removed', async () => {
      await store.addMember('ambassadors', 'ralph');
      await store.addMember('ambassadors', 'ralph');
      await store.addMember('ambassadors', 'toshio');
      assert.deepEqual((await store.membersOf('ambassadors')).map((entry) => entry.user), ['ralph', 'toshio']);
      assert.deepEqual((await store.groupsOf('ralph')).map((entry) => entry.group), ['ambassadors']);
      await store.removeMember('ambassadors', 'ralph');
      assert.deepEqual((await store.membersOf('ambassadors')).map((entry) => entry.user), ['toshio']);
    });

    test('replacing ownership in bulk sets exactly the listed packages and groups, and again changes nothing', async () => {
      await store.setOwner('untouched', 'someone');
      await store.addComaintainer('kernel', 'leaving');
      const entries = {
        packages: [{ package: 'kernel', owner: 'jforbes', comaintainers: ['jwboyer', 'jforbes', 'jwboyer'] }, { package: 'orphaned', owner: null, comaintainers: ['helper'] }],
        groups: [{ group: 'packager', members: ['alice', 'bob'] }],
      };
      await store.replaceOwnership(entries);
      await store.replaceOwnership(entries);
      assert.deepEqual((await store.ownersOf('kernel')).map((entry) => `${entry.user}:${entry.role}`), ['jforbes:owner', 'jwboyer:comaintainer']);
      assert.deepEqual((await store.ownersOf('orphaned')).map((entry) => `${entry.user}:${entry.role}`), ['helper:comaintainer']);
      assert.deepEqual((await store.ownersOf('untouched')).map((entry) => entry.user), ['someone']);
      assert.deepEqual((await store.membersOf('packager')).map((entry) => entry.user), ['alice', 'bob']);
    });

    test('a pending notification is kept once per (destination, message) and cleared after sending', async () => {
      await store.ensureUser('digester');
      const inbox = (await store.destinations('digester'))[0]!.id;
      const reasons = [{ ruleId: 'r-1', ruleName: 'My packages', because: 'you own kernel' }];
      assert.equal(await store.addPending(inbox, 'msg-1', reasons), true);
      assert.equal(await store.addPending(inbox, 'msg-1', reasons), false);
      assert.equal(await store.addPending(inbox, 'msg-2', reasons), true);
      const waiting = await store.pending(inbox);
      assert.deepEqual(waiting.map((entry) => entry.messageId).sort(), ['msg-1', 'msg-2']);
      assert.deepEqual(waiting[0]!.reasons, reasons);
      assert.equal(await store.clearPending(inbox, ['msg-1', 'msg-2']), 2);
      assert.deepEqual(await store.pending(inbox), []);
    });
  });
}
