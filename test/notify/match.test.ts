/**
 * The matching engine as a specification: each way a rule follows messages, each filter, one
 * notification per destination with its reasons, updates as rules, ownership and membership change,
 * and inactive rules left out.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTopicError, type Message } from '../../src/message/index.js';
import { createSchemaRegistry } from '../../src/schemas/index.js';
import { Simulator } from '../../src/simulate/index.js';
import { DEFAULT_FILTERS, type Filters, type Match, type Rule, type Tracking } from '../../src/notify/model.js';
import { Because, MatchIndex, type MatchFacts } from '../../src/notify/match/index.js';

const NO_TRACKING: Tracking = { myEvents: false, myPackages: false, packages: [], users: [], groups: [], apps: [], topics: [] };

interface RuleSpec {
  id: string;
  owner?: string;
  name?: string;
  tracking?: Partial<Tracking>;
  filters?: Partial<Filters>;
  destinations?: string[];
  enabled?: boolean;
  disabledByAdmin?: string | null;
  createdAt?: number;
}

let clock = 1_000;
function rule(spec: RuleSpec): Rule {
  const owner = spec.owner ?? 'alice';
  const createdAt = spec.createdAt ?? clock++;
  return {
    id: spec.id,
    owner,
    name: spec.name ?? spec.id,
    enabled: spec.enabled ?? true,
    tracking: { ...NO_TRACKING, ...spec.tracking },
    filters: { ...DEFAULT_FILTERS, ...spec.filters },
    destinations: spec.destinations ?? [`${owner}-inbox`],
    disabledByAdmin: spec.disabledByAdmin ?? null,
    createdAt,
    updatedAt: createdAt,
  };
}

const BUILD_TOPIC = 'org.fedoraproject.prod.buildsys.build.state.change';

function facts(overrides: Partial<MatchFacts> = {}): MatchFacts {
  return { usernames: [], packages: [], groups: [], app: 'buildsys', agent: null, severity: 20, ...overrides };
}

function matchOf(index: MatchIndex, overrides: Partial<MatchFacts> = {}, topic = BUILD_TOPIC): Match[] {
  return index.match({ topic }, facts(overrides));
}

/** destination → the `because` phrases, for compact assertions. */
function summary(matches: readonly Match[]): Record<string, string[]> {
  return Object.fromEntries(matches.map((match) => [match.destinationId, match.reasons.map((reason) => reason.because)]));
}

describe('tracking: what a rule follows', () => {
  test('my events: a message whose usernames include the owner, "it concerns you"', () => {
    const index = new MatchIndex({ rules: [rule({ id: 'r', tracking: { myEvents: true } })] });
    assert.deepEqual(summary(matchOf(index, { usernames: ['bob', 'alice'] })), { 'alice-inbox': [Because.concernsYou] });
    assert.equal(Because.concernsYou, 'it concerns you (you are in its users)');
    assert.deepEqual(matchOf(index, { usernames: ['bob'] }), []);
  });

  test('my packages: packages the owner owns or co-maintains, said as such', () => {
    const index = new MatchIndex({
      rules: [rule({ id: 'a', owner: 'alice', tracking: { myPackages: true } }), rule({ id: 'b', owner: 'bob', tracking: { myPackages: true } })],
      ownership: [
        { package: 'kernel', user: 'alice', role: 'owner' },
        { package: 'kernel', user: 'bob', role: 'comaintainer' },
      ],
    });
    assert.deepEqual(summary(matchOf(index, { packages: ['kernel'] })), {
      'alice-inbox': ['you own kernel'],
      'bob-inbox': ['you co-maintain kernel'],
    });
    assert.deepEqual(matchOf(index, { packages: ['glibc'] }), []);
  });

  test('followed packages, users and applications', () => {
    const index = new MatchIndex({
      rules: [
        rule({ id: 'p', tracking: { packages: ['kernel'] } }),
        rule({ id: 'u', owner: 'bob', tracking: { users: ['jsmith'] } }),
        rule({ id: 'a', owner: 'carol', tracking: { apps: ['bodhi'] } }),
      ],
    });
    assert.deepEqual(summary(matchOf(index, { packages: ['kernel'] })), { 'alice-inbox': ['you follow the package kernel'] });
    assert.deepEqual(summary(matchOf(index, { usernames: ['jsmith'] })), { 'bob-inbox': ['you follow the user jsmith'] });
    assert.deepEqual(summary(matchOf(index, { app: 'Bodhi' }, 'org.fedoraproject.prod.bodhi.update.comment')), {
      'carol-inbox': ['you follow the application bodhi'],
    });
    assert.deepEqual(matchOf(index, { packages: ['glibc'], usernames: ['someone'], app: 'buildsys' }), []);
  });

  test('followed groups; the reason names membership when the owner is a member, and membership alone does not match', () => {
    const index = new MatchIndex({
      rules: [
        rule({ id: 'follower', owner: 'alice', tracking: { groups: ['provenpackager'] } }),
        rule({ id: 'member', owner: 'bob', tracking: { groups: ['provenpackager'] } }),
        rule({ id: 'events', owner: 'carol', tracking: { myEvents: true } }),
      ],
      membership: [
        { group: 'provenpackager', user: 'bob' },
        { group: 'provenpackager', user: 'carol' },
      ],
    });
    assert.deepEqual(summary(matchOf(index, { groups: ['provenpackager'], app: 'fas' })), {
      'alice-inbox': ['you follow the group provenpackager'],
      'bob-inbox': ['you are a member of the group provenpackager'],
    });
  });

  test('topic patterns match the full topic or the topic without its environment prefix', () => {
    const index = new MatchIndex({
      rules: [
        rule({ id: 'full', owner: 'alice', tracking: { topics: ['org.fedoraproject.prod.buildsys.#'] } }),
        rule({ id: 'relative', owner: 'bob', tracking: { topics: ['buildsys.build.*.change'] } }),
        rule({ id: 'staging', owner: 'carol', tracking: { topics: ['org.fedoraproject.stg.#'] } }),
      ],
    });
    assert.deepEqual(summary(matchOf(index)), {
      'alice-inbox': ['the topic matches org.fedoraproject.prod.buildsys.#'],
      'bob-inbox': ['the topic matches buildsys.build.*.change'],
    });
    // A topic published without a prefix is matched as it is.
    assert.deepEqual(Object.keys(summary(matchOf(index, {}, 'buildsys.build.state.change'))), ['bob-inbox']);
    assert.deepEqual(matchOf(index, {}, 'org.fedoraproject.prod.bodhi.update.comment'), []);
  });
});

describe('filters: what a rule leaves out', () => {
  const following = (filters: Partial<Filters>): MatchIndex =>
    new MatchIndex({ rules: [rule({ id: 'r', tracking: { packages: ['kernel'] }, filters })] });
  const kernel = { packages: ['kernel'] };

  test('include and exclude applications, by the app fact or the topic category, without case', () => {
    assert.equal(matchOf(following({ includeApps: ['bodhi'] }), kernel).length, 0);
    assert.equal(matchOf(following({ includeApps: ['bodhi', 'buildsys'] }), kernel).length, 1);
    const koji = { ...kernel, app: 'Koji' };
    assert.equal(matchOf(following({ includeApps: ['koji'] }), koji).length, 1, 'the schema names the build system Koji');
    assert.equal(matchOf(following({ includeApps: ['BuildSys'] }), koji).length, 1, 'its topic calls it buildsys');
    assert.equal(matchOf(following({ excludeApps: ['KOJI'] }), koji).length, 0);
    assert.equal(matchOf(following({ excludeApps: ['buildsys'] }), kernel).length, 0);
    assert.equal(matchOf(following({ excludeApps: ['bodhi'] }), kernel).length, 1);
  });

  test('include and exclude topic patterns, in either form', () => {
    assert.equal(matchOf(following({ includeTopics: ['bodhi.#'] }), kernel).length, 0);
    assert.equal(matchOf(following({ includeTopics: ['bodhi.#', 'buildsys.build.#'] }), kernel).length, 1);
    assert.equal(matchOf(following({ includeTopics: ['org.fedoraproject.prod.#'] }), kernel).length, 1);
    assert.equal(matchOf(following({ excludeTopics: ['*.build.state.change'] }), kernel).length, 0);
    assert.equal(matchOf(following({ excludeTopics: ['org.fedoraproject.*.buildsys.#'] }), kernel).length, 0);
    assert.equal(matchOf(following({ excludeTopics: ['buildsys.tag'] }), kernel).length, 1);
  });

  test('minimum severity', () => {
    const index = following({ minSeverity: 30 });
    assert.equal(matchOf(index, { ...kernel, severity: 20 }).length, 0);
    assert.equal(matchOf(index, { ...kernel, severity: 30 }).length, 1);
    assert.equal(matchOf(index, { ...kernel, severity: 40 }).length, 1);
    assert.equal(matchOf(following({}), { ...kernel, severity: 10 }).length, 0, 'the default leaves out debug messages');
  });

  test('my own actions are left out by default, and can be let in', () => {
    assert.equal(matchOf(following({}), { ...kernel, agent: 'alice' }).length, 0);
    assert.equal(matchOf(following({}), { ...kernel, agent: 'bob' }).length, 1);
    assert.equal(matchOf(following({ excludeMyActions: false }), { ...kernel, agent: 'alice' }).length, 1);
  });
});

describe('one notification per (message, destination)', () => {
  test('rules sharing a destination give one match with every reason, oldest rule first', () => {
    const index = new MatchIndex({
      rules: [
        rule({ id: 'newer', name: 'Kernel', tracking: { packages: ['kernel'] }, createdAt: 20 }),
        rule({ id: 'older', name: 'My packages', tracking: { myPackages: true, myEvents: true }, createdAt: 10 }),
      ],
      ownership: [{ package: 'kernel', user: 'alice', role: 'owner' }],
    });
    const matches = matchOf(index, { packages: ['kernel'], usernames: ['alice'] });
    assert.deepEqual(matches, [
      {
        destinationId: 'alice-inbox',
        owner: 'alice',
        reasons: [
          { ruleId: 'older', ruleName: 'My packages', because: Because.concernsYou },
          { ruleId: 'older', ruleName: 'My packages', because: 'you own kernel' },
          { ruleId: 'newer', ruleName: 'Kernel', because: 'you follow the package kernel' },
        ],
      },
    ]);
  });

  test('a rule with two destinations notifies both; a rule order tie is broken by id', () => {
    const index = new MatchIndex({
      rules: [
        rule({ id: 'b', tracking: { packages: ['kernel'] }, destinations: ['email', 'inbox'], createdAt: 5 }),
        rule({ id: 'a', tracking: { apps: ['buildsys'] }, destinations: ['inbox'], createdAt: 5 }),
      ],
    });
    const matches = matchOf(index, { packages: ['kernel'] });
    assert.deepEqual(
      matches.map((match) => [match.destinationId, match.reasons.map((reason) => reason.ruleId)]),
      [
        ['inbox', ['a', 'b']],
        ['email', ['b']],
      ],
    );
  });

  test('a message naming the same package or user twice gives the reason once', () => {
    const index = new MatchIndex({ rules: [rule({ id: 'r', tracking: { packages: ['kernel'], users: ['bob'] } })] });
    assert.deepEqual(summary(matchOf(index, { packages: ['kernel', 'kernel'], usernames: ['bob', 'bob'] })), {
      'alice-inbox': ['you follow the package kernel', 'you follow the user bob'],
    });
  });
});

describe('updates', () => {
  test('an ownership change moves the notifications to the new owner', () => {
    const index = new MatchIndex({
      rules: [rule({ id: 'a', owner: 'alice', tracking: { myPackages: true } }), rule({ id: 'b', owner: 'bob', tracking: { myPackages: true } })],
      ownership: [{ package: 'kernel', user: 'alice', role: 'owner' }],
    });
    assert.deepEqual(Object.keys(summary(matchOf(index, { packages: ['kernel'] }))), ['alice-inbox']);
    index.setOwnership('kernel', 'bob', 'owner');
    index.setOwnership('kernel', 'alice', 'comaintainer');
    assert.deepEqual(summary(matchOf(index, { packages: ['kernel'] })), { 'alice-inbox': ['you co-maintain kernel'], 'bob-inbox': ['you own kernel'] });
    index.setOwnership('kernel', 'alice', null);
    assert.deepEqual(Object.keys(summary(matchOf(index, { packages: ['kernel'] }))), ['bob-inbox']);
    index.setOwnership('kernel', 'bob', null);
    assert.deepEqual(matchOf(index, { packages: ['kernel'] }), []);
    assert.equal(index.stats().ownedPackages, 0);
  });

  test('replacing a rule replaces what it follows; removing it stops it', () => {
    const index = new MatchIndex({ rules: [rule({ id: 'r', tracking: { packages: ['kernel'], topics: ['buildsys.#'] } })] });
    index.upsertRule(rule({ id: 'r', tracking: { packages: ['glibc'] } }));
    assert.deepEqual(matchOf(index, { packages: ['kernel'] }), []);
    assert.equal(matchOf(index, { packages: ['glibc'] }).length, 1);
    assert.equal(index.stats().topicPatterns, 0);
    assert.equal(index.stats().topicTrieNodes, 1, 'the old pattern is pruned from the trie');
    assert.equal(index.removeRule('r'), true);
    assert.equal(index.removeRule('r'), false);
    assert.deepEqual(matchOf(index, { packages: ['glibc'] }), []);
  });

  test('membership changes change the reason', () => {
    const index = new MatchIndex({ rules: [rule({ id: 'r', tracking: { groups: ['qa'] } })] });
    const because = (): string[] => matchOf(index, { groups: ['qa'] }).flatMap((match) => match.reasons.map((reason) => reason.because));
    assert.deepEqual(because(), ['you follow the group qa']);
    index.setMembership('qa', 'alice', true);
    assert.deepEqual(because(), ['you are a member of the group qa']);
    index.setMembership('qa', 'alice', false);
    assert.deepEqual(because(), ['you follow the group qa']);
  });

  test('an invalid topic pattern is refused and leaves the previous version of the rule in place', () => {
    const index = new MatchIndex({ rules: [rule({ id: 'r', tracking: { packages: ['kernel'] } })] });
    assert.throws(() => index.upsertRule(rule({ id: 'r', tracking: { topics: ['buildsys.#x'] } })), InvalidTopicError);
    assert.throws(() => index.upsertRule(rule({ id: 'r', filters: { excludeTopics: ['a..b'] } })), InvalidTopicError);
    assert.equal(matchOf(index, { packages: ['kernel'] }).length, 1);
  });
});

describe('inactive rules', () => {
  test('disabled, admin-disabled and destination-less rules never match, and come back when re-enabled', () => {
    const tracking = { packages: ['kernel'] };
    const index = new MatchIndex({
      rules: [
        rule({ id: 'off', tracking, enabled: false }),
        rule({ id: 'admin', owner: 'bob', tracking, disabledByAdmin: 'sends to a list' }),
        rule({ id: 'nowhere', owner: 'carol', tracking, destinations: [] }),
      ],
    });
    assert.deepEqual(matchOf(index, { packages: ['kernel'] }), []);
    assert.equal(index.stats().rules, 0);
    index.upsertRule(rule({ id: 'off', tracking }));
    assert.equal(matchOf(index, { packages: ['kernel'] }).length, 1);
    index.upsertRule(rule({ id: 'off', tracking, enabled: false }));
    assert.deepEqual(matchOf(index, { packages: ['kernel'] }), []);
  });
});

describe('with facts from the real schemas', () => {
  test('simulated build-system messages reach the owners of their packages', () => {
    const simulator = new Simulator({ seed: 11, apps: ['buildsys'], warmUp: 200 });
    const registry = createSchemaRegistry();
    const ownership = simulator.world.packages.flatMap((pkg) => [
      { package: pkg.name, user: pkg.owner, role: 'owner' as const },
      ...pkg.maintainers.filter((user) => user !== pkg.owner).map((user) => ({ package: pkg.name, user, role: 'comaintainer' as const })),
    ]);
    const owners = [...new Set(ownership.map((entry) => entry.user))];
    const index = new MatchIndex({
      rules: owners.map((owner) => rule({ id: `mine-${owner}`, owner, tracking: { myPackages: true }, filters: { excludeMyActions: false } })),
      ownership,
    });
    let reached = 0;
    for (const made of simulator.take(50)) {
      const message: Message = { id: made.id, topic: `org.fedoraproject.prod.${made.topic}`, headers: { fedora_messaging_schema: made.schema }, body: made.body };
      const derived = registry.facts(message);
      if (derived.severity < 20) continue;
      for (const match of index.match(message, derived)) {
        const because = match.reasons[0]!.because;
        assert.match(because, /^you (own|co-maintain) /);
        assert.ok(derived.packages.includes(because.replace(/^you (own|co-maintain) /, '')));
        reached++;
      }
    }
    assert.ok(reached > 0, 'some build messages reached their owners');
  });
});
