/**
 * The build system's traffic, as the koji-fedoramessaging plugin sends it: a build's task opens, the
 * build starts (BUILDING), the task closes and the build completes or fails, its rpms are signed and
 * it is tagged into its release's candidate tag. Scratch builds are tasks only; kojira regenerates
 * the build tags' repositories.
 */
import type { Body } from '../message/index.js';
import type { Draft, Simulation, Story } from './story.js';
import { isoTime, type Build, type Package, type Release } from './world.js';

const KOJI = 'https://koji.fedoraproject.org';
const KOJI_FILES = 'https://kojipkgs.fedoraproject.org';

/** Koji's build states by number; `old` of a new build is null. */
const BUILD_STATE = { building: 0, complete: 1, failed: 3, canceled: 4 } as const;

const NOARCH = /^(python|perl|nodejs|texlive|R|fedora)-/;

export function candidateTag(release: Release): string {
  return release.product === 'epel' ? `${release.tag}-candidate` : `${release.tag}-updates-candidate`;
}

function buildTarget(release: Release): string {
  return release.branch === 'rawhide' ? 'rawhide' : `${release.tag}-candidate`;
}

function sourceUrl(pkg: Package, rev: string): string {
  return `git+https://src.fedoraproject.org/rpms/${pkg.name}.git#${rev}`;
}

function buildStateChange(build: Build, old: number | null, state: number, sim: Simulation): Draft {
  const now = isoTime(sim.now());
  return {
    topic: 'buildsys.build.state.change',
    schema: 'koji_fedoramessaging.build.BuildStateChangeV1',
    body: {
      attribute: 'state',
      old,
      new: state,
      name: build.pkg.name,
      version: build.version,
      release: build.rel,
      epoch: null,
      owner: build.owner,
      build_id: build.id,
      task_id: build.taskId,
      request: [sourceUrl(build.pkg, build.rev), buildTarget(build.release), {}],
      instance: 'primary',
      url: `${KOJI}/koji/buildinfo?buildID=${build.id}`,
      creation_time: build.createdAt,
      completion_time: state === BUILD_STATE.building ? null : now,
    },
  };
}

function taskStateChange(id: number, method: string, old: string | null, state: string, owner: string, request: unknown[], arch: string, srpm: string | null): Draft {
  return {
    topic: 'buildsys.task.state.change',
    schema: 'koji_fedoramessaging.task.TaskStateChangeV1',
    body: {
      id,
      method,
      attribute: 'state',
      old,
      new: state,
      owner,
      srpm,
      instance: 'primary',
      base_url: KOJI,
      files_base_url: KOJI_FILES,
      info: { id, method, arch, url: `${KOJI}/koji/taskinfo?taskID=${id}`, request },
    },
  };
}

/** A build tagged into (or untagged from) a tag by `user`. */
export function tagDraft(build: Build, tag: string, user: string, sim: Simulation, untag = false): Draft {
  return {
    topic: untag ? 'buildsys.untag' : 'buildsys.tag',
    schema: untag ? 'koji_fedoramessaging.tag.UntagV1' : 'koji_fedoramessaging.tag.TagV1',
    body: {
      name: build.pkg.name,
      version: build.version,
      release: build.rel,
      build_id: build.id,
      tag,
      tag_id: sim.world.tagId(tag),
      user,
      owner: build.owner,
      instance: 'primary',
    },
  };
}

function signDraft(build: Build, rpmName: string, arch: string, sim: Simulation): Draft {
  return {
    topic: 'buildsys.rpm.sign',
    schema: 'koji_fedoramessaging.rpm.SignV1',
    body: {
      instance: 'primary',
      attribute: 'sighash',
      sigkey: build.release.sigkey,
      sighash: sim.random.hex(32),
      rpm: { id: sim.world.nextRpmId(), name: rpmName, version: build.version, release: build.rel, arch, build_id: build.id },
      build: { id: build.id, name: build.pkg.name, nvr: build.nvr, owner_name: build.owner },
    },
  };
}

export function packageListDraft(pkg: Package, tag: string, action: 'add' | 'block' | 'unblock', owner: string): Draft {
  return {
    topic: 'buildsys.package.list.change',
    schema: 'koji_fedoramessaging.package.ListChangeV1',
    body: { package: pkg.name, tag, action, owner, block: action === 'block', force: false, update: false, extra_arches: null, instance: 'primary' },
  };
}

export interface BuildPlan {
  readonly pkg: Package;
  readonly release: Release;
  readonly owner: string;
  readonly rev: string;
  readonly version: string;
  readonly releaseNumber: number;
  /** Called when the build completed and is in its candidate tag (not for rawhide: Bodhi gates it itself). */
  readonly onComplete?: (build: Build) => void;
  /** Called when it failed. */
  readonly onFailure?: (build: Build) => void;
}

/**
 * A build from its task opening to its candidate tag: the task opens now, the build starts, then
 * completes (or fails, or is cancelled) a while later; a completed build is signed and tagged.
 */
export function startBuild(sim: Simulation, plan: BuildPlan): Draft {
  const { world, random } = sim;
  const { pkg, release } = plan;
  const rel = `${plan.releaseNumber}.${release.dist}`;
  const build: Build = {
    id: world.nextBuildId(),
    taskId: world.nextTaskId(),
    pkg,
    release,
    version: plan.version,
    rel,
    nvr: `${pkg.name}-${plan.version}-${rel}`,
    owner: plan.owner,
    rev: plan.rev,
    createdAt: isoTime(sim.now()),
    state: 'building',
  };
  const request = [sourceUrl(pkg, plan.rev), buildTarget(release), {}];
  const srpm = `${build.nvr}.src.rpm`;
  const task = (old: string | null, state: string): Draft => taskStateChange(build.taskId, 'build', old, state, build.owner, request, 'noarch', srpm);

  sim.later(1, () => buildStateChange(build, null, BUILD_STATE.building, sim));
  const outcome = random.weighted([['complete', 86], ['failed', 11], ['canceled', 3]] as const);
  // Big packages take longer; a tick is a few seconds to a minute of the distribution's life.
  const duration = pkg.name === 'kernel' || pkg.name === 'firefox' || pkg.name === 'chromium' ? random.int(25, 60) : random.int(3, 25);
  sim.later(duration, () => {
    sim.later(0, () => {
      build.state = outcome;
      if (outcome === 'complete') afterCompletion(sim, build, plan);
      else if (outcome === 'failed') plan.onFailure?.(build);
      return buildStateChange(build, BUILD_STATE.building, BUILD_STATE[outcome], sim);
    });
    return task('OPEN', outcome === 'complete' ? 'CLOSED' : outcome === 'failed' ? 'FAILED' : 'CANCELED');
  });
  return task('FREE', 'OPEN');
}

function afterCompletion(sim: Simulation, build: Build, plan: BuildPlan): void {
  const { random, world } = sim;
  world.completed(build);
  const name = build.pkg.name;
  const arches = NOARCH.test(name) ? ['noarch'] : random.sample(['x86_64', 'aarch64', 'ppc64le', 's390x'], random.int(1, 2));
  const rpms = [`${name}`, ...(random.chance(0.4) ? [`${name}-devel`] : [])].flatMap((rpm) => arches.map((arch) => [rpm, arch] as const));
  rpms.push([name, 'src']);
  const candidate = candidateTag(build.release);
  sim.later(random.int(0, 2), () => tagDraft(build, candidate, build.owner, sim));
  let delay = random.int(1, 3);
  for (const [rpm, arch] of rpms.slice(0, 4)) {
    sim.later(delay, () => signDraft(build, rpm, arch, sim));
    delay += random.int(0, 1);
  }
  if (build.release.bodhi === null) {
    // Rawhide: Bodhi's gating moves a signed build into the release tag on its own.
    sim.later(delay + random.int(1, 3), () => {
      sim.later(0, () => tagDraft(build, candidate, 'bodhi', sim, true));
      return tagDraft(build, build.release.tag, 'bodhi', sim);
    });
  } else {
    sim.later(delay + 1, () => {
      plan.onComplete?.(build);
      return null;
    });
  }
}

/** A scratch build: a task only, from a local source rpm. */
const scratchBuild: Story = {
  apps: ['buildsys'],
  weight: 8,
  start(sim) {
    const { world, random } = sim;
    const pkg = world.pkg();
    const release = world.branchOf(pkg);
    const state = pkg.branches.get(release.branch)!;
    const owner = random.chance(0.7) ? random.pick(pkg.maintainers) : world.packager().name;
    const id = world.nextTaskId();
    const srpm = `${pkg.name}-${state.version}-${state.release + 1}.${release.dist}.src.rpm`;
    const request = [`cli-build/${Math.floor(sim.now().getTime() / 1000)}.${random.int(100, 999)}.${random.hex(8)}/${srpm}`, buildTarget(release), { scratch: true }];
    const outcome = random.chance(0.8) ? 'CLOSED' : 'FAILED';
    sim.later(random.int(3, 20), () => taskStateChange(id, 'build', 'OPEN', outcome, owner, request, 'noarch', srpm));
    return taskStateChange(id, 'build', 'FREE', 'OPEN', owner, request, 'noarch', srpm);
  },
};

/** kojira regenerates a build tag's repository: a newRepo task, repo.init, repo.done. */
const repoRegeneration: Story = {
  apps: ['buildsys'],
  weight: 9,
  start(sim) {
    const { world, random } = sim;
    const release = random.pick(world.releases);
    const tag = random.chance(0.8) ? `${release.tag}-build` : `${release.tag}-build-side-${world.tagId(`side-${random.int(1, 40)}`)}`;
    const taskId = world.nextTaskId();
    const repoId = world.nextRepoId();
    const tagId = world.tagId(tag);
    const request = [tag, null, null];
    sim.later(1, () => {
      sim.later(random.int(2, 12), () => {
        sim.later(0, () => taskStateChange(taskId, 'newRepo', 'OPEN', 'CLOSED', 'kojira', request, 'noarch', null));
        return { topic: 'buildsys.repo.done', schema: 'koji_fedoramessaging.repo.DoneV1', body: repoBody(repoId, tag, tagId) };
      });
      return { topic: 'buildsys.repo.init', schema: 'koji_fedoramessaging.repo.InitV1', body: repoBody(repoId, tag, tagId) };
    });
    return taskStateChange(taskId, 'newRepo', 'FREE', 'OPEN', 'kojira', request, 'noarch', null);
  },
};

function repoBody(repoId: number, tag: string, tagId: number): Body {
  return { repo_id: repoId, tag, tag_id: tagId, instance: 'primary' };
}

export const buildsysStories: readonly Story[] = [scratchBuild, repoRegeneration];
