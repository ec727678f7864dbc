/**
 * Source control: a maintainer pushes commits to a package's branch (one `git.receive` per commit, as
 * the fedora-messaging git hook sends them), uploading the new tarball to the lookaside cache first
 * when the version changes; the push is then built, and a completed build of a stable branch becomes
 * an update. A failed build is often followed by a fix and another build.
 */
import type { Body } from '../message/index.js';
import { startBuild } from './buildsys.js';
import type { Draft, Simulation, Story } from './story.js';
import { proposeUpdate } from './updates.js';
import type { Package, Person, Release } from './world.js';

const SRC = 'https://src.fedoraproject.org';

const MAINTENANCE = [
  'Fix FTBFS with GCC 15',
  'Rebuilt for Python 3.13',
  'Add missing BuildRequires on python3-setuptools',
  'Drop patch merged upstream',
  'Enable the test suite',
  'Convert License tag to SPDX',
  'Rebuild for ICU 76',
  'Fix build on s390x',
  'Use %autorelease and %autochangelog',
  'Backport upstream fix for a crash on startup',
  'Remove obsolete Obsoletes',
];

const PREPARATION = ['Update sources', 'Clean up the spec file', 'Add upstream patch', 'Refresh patches', 'Update .gitignore'];

interface CommitPlan {
  readonly pkg: Package;
  readonly release: Release;
  readonly author: Person;
  readonly pusher: string;
  readonly summary: string;
  readonly message: string;
  readonly files: Record<string, { additions: number; deletions: number }>;
  readonly patch: string;
}

function commitDraft(plan: CommitPlan, rev: string): Draft {
  const files: Record<string, { additions: number; deletions: number; lines: number }> = {};
  let additions = 0;
  let deletions = 0;
  for (const [path, counts] of Object.entries(plan.files)) {
    files[path] = { ...counts, lines: counts.additions + counts.deletions };
    additions += counts.additions;
    deletions += counts.deletions;
  }
  const { pkg, release } = plan;
  const body: Body = {
    agent: plan.pusher,
    commit: {
      name: plan.author.fullName,
      email: plan.author.email,
      username: plan.pusher,
      summary: plan.summary,
      message: plan.message,
      stats: { files, total: { additions, deletions, files: Object.keys(files).length, lines: additions + deletions } },
      rev,
      path: `/srv/git/repositories/rpms/${pkg.name}.git`,
      repo: pkg.name,
      namespace: 'rpms',
      branch: release.branch,
      agent: plan.pusher,
      seen: false,
      url: `${SRC}/rpms/${pkg.name}/c/${rev}?branch=${release.branch}`,
      patch: plan.patch,
    },
  };
  return { topic: 'git.receive', schema: 'fedora_messaging_git_hook.commit.v1', body };
}

function specPatch(pkg: Package, lines: readonly [string, string][]): string {
  const changes = lines.map(([old, now]) => `-${old}\n+${now}`).join('\n');
  return `diff --git a/${pkg.name}.spec b/${pkg.name}.spec\n--- a/${pkg.name}.spec\n+++ b/${pkg.name}.spec\n@@ -1,6 +1,6 @@\n Name:           ${pkg.name}\n${changes}\n`;
}

function nextVersion(version: string, sim: Simulation): string {
  const parts = version.split('.').map((part) => Number(part) || 0);
  while (parts.length < 3) parts.push(0);
  if (sim.random.chance(0.7)) parts[2]! += 1;
  else {
    parts[1]! += 1;
    parts[2] = 0;
  }
  return parts.join('.');
}

export function branchDraft(pkg: Package, branch: string, agent: string): Draft {
  return { topic: 'git.branch', schema: 'git.branch.v1', body: { agent, namespace: 'rpms', name: pkg.name, branch } };
}

/**
 * A maintainer's push to a package's branch (one to three commits), then its build, then — for a
 * stable branch — an update. Returns the first message: the lookaside upload or the first commit.
 */
export function push(sim: Simulation, pkg: Package, release: Release, pusher: string, fixing = false): Draft {
  const { random, world } = sim;
  const state = pkg.branches.get(release.branch) ?? { version: '1.0.0', release: 0 };
  pkg.branches.set(release.branch, state);
  const author = random.chance(0.9) ? world.personNamed(pusher) : world.personNamed(random.pick(pkg.maintainers));
  const bump = !fixing && random.chance(0.3);
  const oldVersion = state.version;
  const oldRelease = state.release;
  const version = bump ? nextVersion(oldVersion, sim) : oldVersion;
  const releaseNumber = bump ? 1 : oldRelease + 1;
  state.version = version;
  state.release = releaseNumber;

  const plans: CommitPlan[] = [];
  const extra = fixing ? 0 : random.weighted([[0, 6], [1, 3], [2, 1]] as const);
  for (let i = 0; i < extra; i++) {
    const summary = random.pick(PREPARATION);
    plans.push({ pkg, release, author, pusher, summary, message: `${summary}\n`, files: { [`${pkg.name}.spec`]: { additions: random.int(1, 12), deletions: random.int(0, 8) } }, patch: '' });
  }
  const bug = world.nextBug();
  const summary = fixing ? 'Fix the build' : bump ? `Update to ${version}` : random.pick(MAINTENANCE);
  const files: Record<string, { additions: number; deletions: number }> = {
    [`${pkg.name}.spec`]: { additions: random.int(2, 20), deletions: random.int(1, 10) },
  };
  if (bump) {
    files['sources'] = { additions: 1, deletions: 1 };
    files['.gitignore'] = { additions: 1, deletions: 0 };
  }
  plans.push({
    pkg,
    release,
    author,
    pusher,
    summary,
    message: bump ? `${summary}\n\nResolves: rhbz#${bug}\n` : `${summary}\n`,
    files,
    patch: specPatch(pkg, [
      [`Version:        ${oldVersion}`, `Version:        ${version}`],
      [`Release:        ${oldRelease}%{?dist}`, `Release:        ${releaseNumber}%{?dist}`],
    ]),
  });

  const revs = plans.map(() => random.hex(40));
  let delay = 0;
  plans.forEach((plan, index) => {
    if (index === 0 && !bump) return;
    sim.later(delay, () => commitDraft(plan, revs[index]!));
    delay += random.int(0, 1);
  });
  sim.later(delay + random.int(1, 4), () =>
    startBuild(sim, {
      pkg,
      release,
      owner: pusher,
      rev: revs[revs.length - 1]!,
      version,
      releaseNumber,
      onComplete: (build) => {
        if (random.chance(0.85)) proposeUpdate(sim, build);
      },
      onFailure: () => {
        if (random.chance(0.5)) sim.later(random.int(5, 30), () => push(sim, pkg, release, pusher, true));
      },
    }),
  );
  if (bump) {
    const stem = pkg.name.replace(/^(python|rust|golang-github|perl|nodejs|R|ghc|texlive)-/, '');
    return {
      topic: 'git.lookaside.new',
      schema: 'git.lookaside.new.v1',
      body: { agent: pusher, namespace: 'rpms', name: pkg.name, filename: `${stem}-${version}.tar.gz`, hashtype: 'sha512', hash: random.hex(128) },
    };
  }
  return commitDraft(plans[0]!, revs[0]!);
}

/** A maintainer (now and then a proven packager) pushes to one of their packages. */
const maintainerPush: Story = {
  apps: ['git', 'buildsys', 'bodhi'],
  weight: 30,
  start(sim) {
    const { world, random } = sim;
    const pkg = world.pkg();
    const pusher = random.chance(0.85) ? random.pick(pkg.maintainers) : random.pick(world.packagers.slice(0, 60)).name;
    return push(sim, pkg, world.branchOf(pkg), pusher);
  },
};

export const gitStories: readonly Story[] = [maintainerPush];
