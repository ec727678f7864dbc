/**
 * The simulated distribution: accounts (a few thousand, a few of them doing most of the work),
 * groups, packages with owners and co-maintainers on their branches, releases, builds and updates.
 * Every generated message reads and changes this one world, so the package of a commit is the one
 * built next, tagged, and shipped in an update, by the people who maintain it.
 */
import { makeMirrors, makePackageNames, makePeople, makeSummary } from './names.js';
import { Random, ZipfSampler } from './random.js';

export interface Person {
  readonly name: string;
  readonly fullName: string;
  readonly email: string;
}

export interface Release {
  /** The dist-git branch. */
  readonly branch: string;
  /** The Koji tag the release's builds end in (`f41`, `epel9`). */
  readonly tag: string;
  readonly dist: string;
  readonly version: string;
  /** Bodhi's release name, or null where Bodhi takes no updates (rawhide is gated automatically). */
  readonly bodhi: string | null;
  readonly product: 'fedora' | 'epel';
  readonly sigkey: string;
  readonly collection: { readonly name: string; readonly version: string; readonly branchname: string; readonly dist_tag: string };
}

export interface BranchState {
  version: string;
  release: number;
}

export interface Package {
  readonly name: string;
  readonly summary: string;
  owner: string;
  readonly maintainers: string[];
  readonly branches: Map<string, BranchState>;
  retired: boolean;
  critpath: boolean;
  monitored: boolean;
}

export type BuildState = 'building' | 'complete' | 'failed' | 'canceled';

export interface Build {
  readonly id: number;
  readonly taskId: number;
  readonly pkg: Package;
  readonly release: Release;
  readonly version: string;
  /** `3.fc41`. */
  readonly rel: string;
  readonly nvr: string;
  readonly owner: string;
  /** The commit it was built from. */
  readonly rev: string;
  readonly createdAt: string;
  state: BuildState;
}

export type UpdateStatus = 'pending' | 'testing' | 'stable' | 'obsolete' | 'unpushed';
export type UpdateRequest = 'testing' | 'stable' | 'obsolete' | 'revoke' | 'unpush' | null;

export interface Update {
  readonly alias: string;
  readonly builds: Build[];
  readonly user: string;
  readonly release: Release;
  readonly type: 'bugfix' | 'security' | 'enhancement' | 'newpackage';
  readonly severity: 'unspecified' | 'low' | 'medium' | 'high' | 'urgent';
  readonly bugs: number[];
  readonly notes: string;
  readonly submittedAt: string;
  status: UpdateStatus;
  request: UpdateRequest;
  karma: number;
  /** Accounts that gave karma (once each, as Bodhi counts it). */
  readonly voters: Set<string>;
  /** Set while a compose is pushing it. */
  locked: boolean;
}

export interface Group {
  readonly name: string;
  readonly members: Set<string>;
  readonly sponsors: Set<string>;
}

export interface Mirror {
  readonly id: number;
  readonly name: string;
  readonly country: string;
  readonly site: { readonly id: number; readonly name: string };
}

const RELEASES: readonly Release[] = [
  release('rawhide', 'f42', 'fc42', '42', null, 'fedora', '105ef944'),
  release('f41', 'f41', 'fc41', '41', 'F41', 'fedora', 'e99d6ad1'),
  release('f40', 'f40', 'fc40', '40', 'F40', 'fedora', 'a15b79cc'),
  release('epel9', 'epel9', 'el9', '9', 'EPEL-9', 'epel', '3228467c'),
];

function release(branch: string, tag: string, dist: string, version: string, bodhi: string | null, product: 'fedora' | 'epel', sigkey: string): Release {
  const name = product === 'epel' ? 'Fedora EPEL' : 'Fedora';
  return { branch, tag, dist, version: branch === 'rawhide' ? 'devel' : version, bodhi, product, sigkey, collection: { name, version: branch === 'rawhide' ? 'devel' : version, branchname: branch, dist_tag: `.${dist}` } };
}

export interface WorldOptions {
  readonly users?: number;
  readonly packages?: number;
}

export class World {
  readonly releases = RELEASES;
  readonly people: Person[] = [];
  private readonly byName = new Map<string, Person>();
  readonly packagers: Person[] = [];
  readonly packages: Package[] = [];
  readonly groups = new Map<string, Group>();
  readonly mirrors: readonly Mirror[];
  /** Completed builds, newest last, for buildroot overrides. */
  readonly recentBuilds: Build[] = [];
  /** The update of each package on each release that is still on its way to stable. */
  readonly openUpdates = new Map<string, Update>();
  /** Names of packages requested but not yet in the package database. */
  readonly requestedPackages = new Set<string>();

  private readonly personSampler: ZipfSampler;
  private readonly packagerSampler: ZipfSampler;
  private readonly packageSampler: ZipfSampler;
  private readonly tagIds = new Map<string, number>();
  private readonly counters = { build: 2_610_000, task: 126_400_000, repo: 6_120_000, bug: 2_310_000, rpm: 41_000_000, action: 2_400, comment: 3_400_000 };

  constructor(
    private readonly random: Random,
    options: WorldOptions = {},
  ) {
    const people = makePeople(random, options.users ?? 3000);
    for (const person of people) {
      const email = `${person.name}@${random.chance(0.6) ? 'fedoraproject.org' : random.pick(['gmail.com', 'redhat.com', 'posteo.de', 'proton.me', 'example.org'])}`;
      this.remember({ ...person, email });
    }
    // The most active accounts are packagers; a third of everybody maintains something.
    this.people.forEach((person, rank) => {
      if (random.chance(rank < 200 ? 0.9 : 0.3)) this.packagers.push(person);
    });
    this.personSampler = new ZipfSampler(this.people.length, 1.0);
    this.packagerSampler = new ZipfSampler(this.packagers.length, 1.1);

    for (const [name, members] of [
      ['packager', this.packagers],
      ['provenpackager', this.packagers.slice(0, 60)],
      ['sponsors', this.packagers.slice(0, 40)],
      ['python-packagers-sig', random.sample(this.packagers, 80)],
      ['rust-sig', random.sample(this.packagers, 40)],
      ['go-sig', random.sample(this.packagers, 40)],
      ['kde-sig', random.sample(this.packagers, 30)],
      ['gnome-sig', random.sample(this.packagers, 30)],
      ['qa', random.sample(this.people, 120)],
      ['infra-sig', random.sample(this.packagers, 25)],
    ] as const) {
      this.addGroup(name, members.map((person) => person.name), members.slice(0, Math.max(2, Math.floor(members.length / 10))).map((person) => person.name));
    }

    for (const name of makePackageNames(random, options.packages ?? 2500)) this.packages.push(this.makePackage(name));
    this.packageSampler = new ZipfSampler(this.packages.length, 0.9);
    this.mirrors = makeMirrors(random, 160);
  }

  private makePackage(name: string, owner = this.packager().name): Package {
    const random = this.random;
    const version = name === 'kernel' ? '6.11.4' : `${random.int(0, 5)}.${random.int(0, 30)}.${random.int(0, 12)}`;
    const branches = new Map<string, BranchState>();
    for (const release of this.releases) {
      const has = release.branch === 'rawhide' || (release.product === 'epel' ? random.chance(0.3) : random.chance(0.9));
      if (has) branches.set(release.branch, { version, release: random.int(1, 6) });
    }
    const maintainers = [owner, ...this.packagers.length > 1 ? random.sample(this.packagers, random.int(0, 3)).map((person) => person.name) : []];
    return {
      name,
      summary: makeSummary(random, name),
      owner,
      maintainers: [...new Set(maintainers)],
      branches,
      retired: false,
      critpath: this.packages.length < 60,
      monitored: random.chance(0.6),
    };
  }

  addGroup(name: string, members: readonly string[], sponsors: readonly string[]): Group {
    const group = { name, members: new Set(members), sponsors: new Set(sponsors) };
    this.groups.set(name, group);
    return group;
  }

  /** Anybody, the active ones more often. */
  person(): Person {
    return this.people[this.personSampler.index(this.random)]!;
  }

  /** A packager, the prolific ones more often. */
  packager(): Person {
    return this.packagers[this.packagerSampler.index(this.random)]!;
  }

  personNamed(name: string): Person {
    return this.byName.get(name) ?? { name, fullName: name, email: `${name}@fedoraproject.org` };
  }

  hasPerson(name: string): boolean {
    return this.byName.has(name);
  }

  private remember(person: Person): void {
    this.people.push(person);
    this.byName.set(person.name, person);
  }

  /** A package that is not retired, the popular ones more often. */
  pkg(): Package {
    for (;;) {
      const found = this.packages[this.packageSampler.index(this.random)]!;
      if (!found.retired) return found;
    }
  }

  addPerson(name: string, fullName: string): Person {
    const person = { name, fullName, email: `${name}@fedoraproject.org` };
    this.remember(person);
    this.personSampler.grow(this.people.length);
    return person;
  }

  addPackager(person: Person): void {
    if (this.packagers.includes(person)) return;
    this.packagers.push(person);
    this.packagerSampler.grow(this.packagers.length);
    this.groups.get('packager')?.members.add(person.name);
  }

  addPackage(name: string, owner: string): Package {
    const pkg = this.makePackage(name, owner);
    this.packages.push(pkg);
    this.packageSampler.grow(this.packages.length);
    return pkg;
  }

  releaseOf(branch: string): Release {
    return this.releases.find((release) => release.branch === branch) ?? this.releases[0]!;
  }

  /** A branch of the package, rawhide most often. */
  branchOf(pkg: Package): Release {
    const weights: [Release, number][] = this.releases
      .filter((release) => pkg.branches.has(release.branch))
      .map((release) => [release, release.branch === 'rawhide' ? 5 : release.product === 'epel' ? 1 : 2]);
    return this.random.weighted(weights);
  }

  tagId(tag: string): number {
    let id = this.tagIds.get(tag);
    if (id === undefined) {
      id = 6000 + this.tagIds.size * 7 + this.random.int(0, 6);
      this.tagIds.set(tag, id);
    }
    return id;
  }

  nextBuildId(): number {
    return (this.counters.build += this.random.int(1, 4));
  }

  nextTaskId(): number {
    return (this.counters.task += this.random.int(1, 40));
  }

  nextRepoId(): number {
    return (this.counters.repo += 1);
  }

  nextBug(): number {
    return (this.counters.bug += this.random.int(1, 300));
  }

  nextRpmId(): number {
    return (this.counters.rpm += this.random.int(1, 30));
  }

  nextActionId(): number {
    return (this.counters.action += 1);
  }

  nextCommentId(): number {
    return (this.counters.comment += this.random.int(1, 20));
  }

  /** A completed build goes to the (bounded) list overrides pick from. */
  completed(build: Build): void {
    this.recentBuilds.push(build);
    if (this.recentBuilds.length > 500) this.recentBuilds.shift();
  }

  /** An update still on its way (pending or in testing) and not being pushed, or undefined. */
  activeUpdate(): Update | undefined {
    const candidates = [...this.openUpdates.values()].filter((update) => !update.locked);
    return candidates.length === 0 ? undefined : this.random.pick(candidates);
  }

  forgetUpdate(update: Update): void {
    const key = openKey(update.builds[0]!.pkg, update.release);
    if (this.openUpdates.get(key) === update) this.openUpdates.delete(key);
  }
}

export function openKey(pkg: Package, release: Release): string {
  return `${pkg.name}@${release.branch}`;
}

/** `2024-06-27T14:02:11+00:00`, as Python's isoformat writes a UTC time. */
export function isoTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** `2024-06-27 14:02:11`, as Bodhi writes its times. */
export function bodhiTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
}
