/**
 * The index against the definition: over thousands of random rules, ownerships, memberships,
 * messages and incremental changes (seeded, so a failure replays), `MatchIndex.match` gives exactly
 * what a brute-force matcher gives — it reads every rule, every time, straight from the model's words.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryOf, topicMatches } from '../../src/message/index.js';
import { relativeTopic } from '../../src/schemas/index.js';
import type { Match, MatchReason, PackageOwnership, Rule } from '../../src/notify/model.js';
import { MatchIndex, type MatchFacts } from '../../src/notify/match/index.js';
import { mulberry32 as random } from '../helpers/random.js';


const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
const PACKAGES = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
const GROUPS = ['g0', 'g1', 'g2'];
const APPS = ['a0', 'a1', 'a2'];
/** Schema-given app names: other spellings, other names (`Koji` for `buildsys`). */
const APP_FACTS = ['A0', 'A1', 'k'];
const WORDS = ['x', 'y'];
const SEVERITIES = [10, 20, 30, 40] as const;

interface World {
  rules: Map<string, Rule>;
  owners: Map<string, Map<string, PackageOwnership['role']>>;
  members: Set<string>;
}

class Generator {
  constructor(private readonly next: () => number) {}
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  some<T>(items: readonly T[], p: number): T[] {
    return items.filter(() => this.chance(p));
  }
  topic(): string {
    const tail = Array.from({ length: Math.floor(this.next() * 3) }, () => this.pick(WORDS));
    const relative = [this.pick(APPS), ...tail].join('.');
    return this.chance(0.6) ? `org.fedoraproject.${this.pick(['prod', 'stg'])}.${relative}` : relative;
  }
  pattern(): string {
    const pool = ['org', 'fedoraproject', 'prod', 'stg', ...APPS, ...WORDS];
    const length = 1 + Math.floor(this.next() * 5);
    return Array.from({ length }, () => (this.chance(0.2) ? '#' : this.chance(0.2) ? '*' : this.pick(pool))).join('.');
  }
  rule(id: string, createdAt: number): Rule {
    const owner = this.pick(USERS);
    const destinations = this.some([`${owner}-inbox`, `${owner}-email`, `${owner}-irc`], 0.5);
    return {
      id,
      owner,
      name: `rule ${id}`,
      enabled: this.chance(0.9),
      disabledByAdmin: this.chance(0.05) ? 'spam' : null,
      destinations: this.chance(0.05) ? [] : destinations.length > 0 ? destinations : [`${owner}-inbox`],
      tracking: {
        myEvents: this.chance(0.4),
        myPackages: this.chance(0.4),
        packages: this.some(PACKAGES, 0.15),
        users: this.some(USERS, 0.15),
        groups: this.some(GROUPS, 0.15),
        apps: this.some([...APPS, ...APP_FACTS], 0.08),
        topics: this.chance(0.3) ? [this.pattern(), ...(this.chance(0.3) ? [this.pattern()] : [])] : [],
      },
      filters: {
        includeApps: this.chance(0.15) ? this.some([...APPS, 'K'], 0.5) : [],
        excludeApps: this.chance(0.15) ? this.some([...APPS, 'K'], 0.4) : [],
        includeTopics: this.chance(0.15) ? [this.pattern()] : [],
        excludeTopics: this.chance(0.15) ? [this.pattern()] : [],
        minSeverity: this.pick(SEVERITIES),
        excludeMyActions: this.chance(0.7),
      },
      // Ties on createdAt happen, so the id tie-break is exercised.
      createdAt: Math.floor(createdAt / 2),
      updatedAt: createdAt,
    };
  }
  facts(): MatchFacts {
    return {
      usernames: this.some(USERS, 0.25),
      packages: this.some(PACKAGES, 0.25),
      groups: this.some(GROUPS, 0.2),
      app: this.chance(0.2) ? null : this.chance(0.5) ? this.pick(APP_FACTS) : this.pick(APPS),
      agent: this.chance(0.6) ? this.pick(USERS) : null,
      severity: this.pick(SEVERITIES),
    };
  }
}

/** Straight from the definitions: every rule, every tracking kind, every filter. */
function bruteForce(world: World, topic: string, facts: MatchFacts): Match[] {
  const relative = relativeTopic(topic);
  const matchesTopic = (pattern: string): boolean => topicMatches(pattern, topic) || topicMatches(pattern, relative);
  // An application goes by its app fact and by its topic's category, compared without case.
  const apps = [...new Set([facts.app, categoryOf(topic)].filter((app): app is string => app !== null && app !== '').map((app) => app.toLowerCase()))];
  const lower = (names: readonly string[]): string[] => names.map((name) => name.toLowerCase());
  const active = [...world.rules.values()]
    .filter((rule) => rule.enabled && rule.disabledByAdmin === null && rule.destinations.length > 0)
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  const byDestination = new Map<string, { owner: string; reasons: MatchReason[] }>();
  for (const rule of active) {
    const { tracking, filters, owner } = rule;
    const because: string[] = [];
    if (tracking.myEvents && facts.usernames.includes(owner)) because.push('it concerns you (you are in its users)');
    if (tracking.myPackages) {
      for (const pkg of facts.packages) {
        const role = world.owners.get(pkg)?.get(owner);
        if (role !== undefined) because.push(role === 'owner' ? `you own ${pkg}` : `you co-maintain ${pkg}`);
      }
    }
    for (const pkg of facts.packages) if (tracking.packages.includes(pkg)) because.push(`you follow the package ${pkg}`);
    for (const user of facts.usernames) if (tracking.users.includes(user)) because.push(`you follow the user ${user}`);
    for (const group of facts.groups) {
      if (!tracking.groups.includes(group)) continue;
      because.push(world.members.has(`${group}/${owner}`) ? `you are a member of the group ${group}` : `you follow the group ${group}`);
    }
    for (const app of apps) if (lower(tracking.apps).includes(app)) because.push(`you follow the application ${app}`);
    for (const pattern of tracking.topics) if (matchesTopic(pattern)) because.push(`the topic matches ${pattern}`);
    if (because.length === 0) continue;

    if (facts.severity < filters.minSeverity) continue;
    if (filters.excludeMyActions && facts.agent === owner) continue;
    if (filters.includeApps.length > 0 && !apps.some((app) => lower(filters.includeApps).includes(app))) continue;
    if (apps.some((app) => lower(filters.excludeApps).includes(app))) continue;
    if (filters.includeTopics.length > 0 && !filters.includeTopics.some(matchesTopic)) continue;
    if (filters.excludeTopics.some(matchesTopic)) continue;

    const reasons = [...new Set(because)].map((text) => ({ ruleId: rule.id, ruleName: rule.name, because: text }));
    for (const destinationId of rule.destinations) {
      const existing = byDestination.get(destinationId);
      if (existing) existing.reasons.push(...reasons);
      else byDestination.set(destinationId, { owner, reasons: [...reasons] });
    }
  }
  return [...byDestination].map(([destinationId, { owner, reasons }]) => ({ destinationId, owner, reasons }));
}

test('MatchIndex.match equals a brute-force matcher over random rules, messages and changes', () => {
  let compared = 0;
  let nonEmpty = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const generate = new Generator(random(seed));
    const world: World = { rules: new Map(), owners: new Map(), members: new Set() };
    const index = new MatchIndex();
    let made = 0;
    const setOwnership = (pkg: string, user: string, role: PackageOwnership['role'] | null): void => {
      index.setOwnership(pkg, user, role);
      const users = world.owners.get(pkg) ?? new Map<string, PackageOwnership['role']>();
      if (role === null) users.delete(user);
      else users.set(user, role);
      world.owners.set(pkg, users);
    };
    for (let i = 0; i < 10; i++) setOwnership(generate.pick(PACKAGES), generate.pick(USERS), generate.pick(['owner', 'comaintainer'] as const));
    for (let i = 0; i < 12; i++) {
      const rule = generate.rule(`r${made}`, made++);
      world.rules.set(rule.id, rule);
      index.upsertRule(rule);
    }

    for (let step = 0; step < 60; step++) {
      // Change something, then compare on a few messages.
      const change = generate.pick([0, 1, 2, 3, 4, 5]);
      if (change === 0) {
        const rule = generate.rule(`r${made}`, made++);
        world.rules.set(rule.id, rule);
        index.upsertRule(rule);
      } else if (change === 1 && world.rules.size > 0) {
        const id = generate.pick([...world.rules.keys()]);
        const replacement = { ...generate.rule(id, made++), id };
        world.rules.set(id, replacement);
        index.upsertRule(replacement);
      } else if (change === 2 && world.rules.size > 0) {
        const id = generate.pick([...world.rules.keys()]);
        const removed = world.rules.get(id)!;
        world.rules.delete(id);
        const wasActive = removed.enabled && removed.disabledByAdmin === null && removed.destinations.length > 0;
        assert.equal(index.removeRule(id), wasActive, 'removeRule says whether the rule was in the index');
      } else if (change === 3) {
        setOwnership(generate.pick(PACKAGES), generate.pick(USERS), generate.pick(['owner', 'comaintainer', null] as const));
      } else {
        const group = generate.pick(GROUPS);
        const user = generate.pick(USERS);
        const member = generate.chance(0.6);
        index.setMembership(group, user, member);
        if (member) world.members.add(`${group}/${user}`);
        else world.members.delete(`${group}/${user}`);
      }
      for (let m = 0; m < 3; m++) {
        const topic = generate.topic();
        const facts = generate.facts();
        const expected = bruteForce(world, topic, facts);
        const actual = index.match({ topic }, facts);
        assert.deepEqual(actual, expected, `seed ${seed}, step ${step}: topic ${topic}, facts ${JSON.stringify(facts)}`);
        compared++;
        if (expected.length > 0) nonEmpty++;
      }
    }
  }
  assert.ok(compared >= 10_000, `compared ${compared} cases`);
  // The generator must make matches often enough for the comparison to mean something.
  assert.ok(nonEmpty > compared / 4, `${nonEmpty} of ${compared} cases matched something`);
});
