/**
 * The notify bench's synthetic population: users of 3 rules each, package ownership and group
 * membership, defined for 100,000 users so that any smaller population is a prefix of it (the
 * 1,000-user population is the same first 1,000 people with the same rules and packages).
 *
 * The first users are the simulated world's people (the simulator's accounts, most active first),
 * so the messages' usernames and packages meet real rules; the rest are `userN` accounts that own
 * and follow things in the long tail. Everyone has "My events" (to the inbox) and "My packages" (to
 * email); the third rule differs. The active core — the first CORE people, the contributors who
 * build, review and watch a lot — follows packages (45%), people (25%), a group (10%), a whole
 * application (10%) or a topic pattern (10%); everyone after them follows a few packages or people
 * spread over everything — one narrow interest each, as most accounts of a distribution have.
 *
 * Why the core is the 1,000-user population itself: the people with broad interests are a
 * distribution's heavily involved contributors, who number in the low thousands at most whatever its
 * count of accounts; growing from 1,000 to 100,000 accounts adds casual ones. (An earlier model put
 * the core at 2,000, so that the 100,000-user population also doubled the broad followers: each
 * message then concerned 2.3× as many people — 25.8 → 60.4 destinations — and the cost per message
 * grew with that output, at a flat cost per match. The bench prints the core's and the others' share
 * of the matches, so the growth in output stays visible.)
 */
import type { GroupMembership, PackageOwnership, Rule, Tracking } from '../src/notify/model.js';
import { DEFAULT_FILTERS, type Filters } from '../src/notify/model.js';
import type { Simulator } from '../src/simulate/index.js';
import { mulberry32 } from '../test/helpers/random.js';

/** The population's seeded generator. */
export const generator = mulberry32;

type World = Simulator['world'];

export const MAX_USERS = 100_000;
export const PACKAGES = 20_000;
/** The active core's size: see above. */
export const CORE = 1_000;
const APPS = ['buildsys', 'bodhi', 'git', 'pkgdb', 'fas', 'mirrormanager'];
const TOPIC_PATTERNS = [
  'org.fedoraproject.prod.buildsys.build.state.change',
  'bodhi.update.comment',
  'bodhi.update.request.*',
  'org.fedoraproject.*.pkgdb.#',
  'git.receive.#',
  'buildsys.tag',
  'fas.group.member.#',
  'org.fedoraproject.prod.bodhi.update.complete.stable',
];


/** An index in [0, n), log-uniform: rank k about as likely as 1/k, a zipf of exponent 1. */
function zipfish(next: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(Math.exp(next() * Math.log(n + 1))) - 1);
}

export interface Population {
  readonly users: readonly string[];
  readonly rules: readonly Rule[];
  readonly ownership: readonly PackageOwnership[];
  readonly membership: readonly GroupMembership[];
}

/** Everything defined once for MAX_USERS; `populationOf` cuts a prefix. */
export interface Universe {
  readonly names: readonly string[];
  readonly packages: readonly string[];
  /** With the owner's rank, to cut by population size. */
  readonly ownership: readonly (PackageOwnership & { readonly rank: number })[];
  readonly membership: readonly (GroupMembership & { readonly rank: number })[];
  readonly seed: number;
}

export function makeUniverse(world: World, seed: number): Universe {
  const names = world.people.slice(0, MAX_USERS).map((person) => person.name);
  for (let rank = names.length; rank < MAX_USERS; rank++) names.push(`user${rank}`);
  const rankOf = new Map(names.map((name, rank) => [name, rank]));

  const packages = world.packages.map((pkg) => pkg.name);
  for (let i = packages.length; i < PACKAGES; i++) packages.push(`pkg${i}`);

  const ownership: (PackageOwnership & { rank: number })[] = [];
  const own = (pkg: string, user: string, role: PackageOwnership['role']): void => {
    const rank = rankOf.get(user);
    if (rank !== undefined) ownership.push({ package: pkg, user, role, rank });
  };
  for (const pkg of world.packages) {
    own(pkg.name, pkg.owner, 'owner');
    for (const user of new Set(pkg.maintainers)) if (user !== pkg.owner) own(pkg.name, user, 'comaintainer');
  }
  // The long tail's packages: zipf-ish owners over everybody, up to two co-maintainers.
  const next = generator(seed ^ 0x0ae5);
  for (let i = world.packages.length; i < PACKAGES; i++) {
    const owner = names[zipfish(next, MAX_USERS)]!;
    own(packages[i]!, owner, 'owner');
    for (let c = Math.floor(next() * 3); c > 0; c--) {
      const user = names[zipfish(next, MAX_USERS)]!;
      if (user !== owner) own(packages[i]!, user, 'comaintainer');
    }
  }

  const membership: (GroupMembership & { rank: number })[] = [];
  for (const group of world.groups.values()) {
    for (const user of group.members) {
      const rank = rankOf.get(user);
      if (rank !== undefined) membership.push({ group: group.name, user, rank });
    }
  }
  return { names, packages, ownership, membership, seed };
}

/** The first `size` users of the universe, with their rules, ownership and membership. */
export function populationOf(universe: Universe, size: number, groups: readonly string[]): Population {
  const users = universe.names.slice(0, size);
  const rules: Rule[] = [];
  for (let rank = 0; rank < size; rank++) rules.push(...rulesOf(universe, rank, groups));
  return {
    users,
    rules,
    ownership: universe.ownership.filter((entry) => entry.rank < size),
    membership: universe.membership.filter((entry) => entry.rank < size),
  };
}

const NOTHING: Tracking = { myEvents: false, myPackages: false, packages: [], users: [], groups: [], apps: [], topics: [] };

/** A user's three rules: the same for a given rank and seed whatever the population's size. */
function rulesOf(universe: Universe, rank: number, groups: readonly string[]): Rule[] {
  const next = generator((universe.seed * 0x9e3779b1) ^ (rank * 0x85ebca6b));
  const owner = universe.names[rank]!;
  const inbox = `${owner}/inbox`;
  const email = `${owner}/email`;
  const createdAt = rank * 3;
  const make = (suffix: string, name: string, tracking: Partial<Tracking>, destinations: string[], filters: Partial<Filters> = {}, order = 0): Rule => ({
    id: `${owner}/${suffix}`,
    owner,
    name,
    enabled: true,
    tracking: { ...NOTHING, ...tracking },
    filters: { ...DEFAULT_FILTERS, ...filters },
    destinations,
    disabledByAdmin: null,
    createdAt: createdAt + order,
    updatedAt: createdAt + order,
  });
  const pickPackages = (count: number, pool: number, skewed: boolean): string[] =>
    Array.from({ length: count }, () => universe.packages[skewed ? zipfish(next, pool) : Math.floor(next() * pool)]!);
  const pickUsers = (count: number, pool: number, skewed: boolean): string[] =>
    Array.from({ length: count }, () => universe.names[skewed ? zipfish(next, pool) : Math.floor(next() * pool)]!);

  const rules = [
    make('events', 'My events', { myEvents: true }, [inbox]),
    make('packages', 'My packages', { myPackages: true }, [email], next() < 0.5 ? { includeApps: ['buildsys', 'bodhi', 'git'] } : {}, 1),
  ];
  const destinations = next() < 0.7 ? [inbox] : [email];
  const roll = next();
  let third: Rule;
  if (rank < CORE) {
    const count = 1 + Math.floor(next() * 3);
    if (roll < 0.45) third = make('follow', 'Packages I watch', { packages: pickPackages(count, 2500, true) }, destinations, {}, 2);
    else if (roll < 0.7) third = make('follow', 'People', { users: pickUsers(Math.min(2, count), CORE, true) }, destinations, {}, 2);
    else if (roll < 0.8) third = make('follow', 'Groups', { groups: [groups[Math.floor(next() * groups.length)]!] }, destinations, {}, 2);
    else if (roll < 0.9) {
      // Whole applications are loud: most who follow one keep only warnings and errors.
      const filters: Partial<Filters> = next() < 0.6 ? { minSeverity: 30 } : { excludeTopics: ['#.comment'] };
      third = make('follow', 'An application', { apps: [APPS[Math.floor(next() * APPS.length)]!] }, destinations, filters, 2);
    } else third = make('follow', 'Topics', { topics: [TOPIC_PATTERNS[Math.floor(next() * TOPIC_PATTERNS.length)]!] }, destinations, {}, 2);
  } else if (roll < 0.6) {
    third = make('follow', 'Packages I watch', { packages: pickPackages(1 + Math.floor(next() * 3), PACKAGES, false) }, destinations, {}, 2);
  } else {
    third = make('follow', 'People', { users: pickUsers(1 + Math.floor(next() * 2), MAX_USERS, false) }, destinations, {}, 2);
  }
  rules.push(third);
  return rules;
}
