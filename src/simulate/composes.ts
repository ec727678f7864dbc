/**
 * The update system's stories that do not start with a build: composes pushing the requested
 * updates (per release and request: composing, waiting for the master mirror, done, synced out),
 * testers commenting, buildroot overrides, a maintainer changing their mind.
 */
import { tagDraft } from './buildsys.js';
import type { Draft, Simulation, Story } from './story.js';
import { feedback, pushed, revoke, updateBody } from './updates.js';
import type { Release, Update } from './world.js';

interface Compose {
  readonly release: Release;
  readonly request: 'testing' | 'stable';
  readonly updates: Update[];
}

function repoOf(compose: Compose): string {
  const { release, request } = compose;
  if (release.product === 'epel') return request === 'testing' ? `${release.tag}-testing` : release.tag;
  return request === 'testing' ? `${release.tag}-updates-testing` : `${release.tag}-updates`;
}

const RELEASE_IDS: Readonly<Record<string, number>> = { f41: 39, f40: 35, epel9: 30 };

/** Bodhi's composer pushes every update whose request is waiting, one compose per release and request. */
const composeRun: Story = {
  apps: ['bodhi', 'buildsys'],
  weight: 2,
  start(sim) {
    const { world, random } = sim;
    const composes = new Map<string, Compose>();
    for (const update of world.openUpdates.values()) {
      if (update.locked || (update.request !== 'testing' && update.request !== 'stable')) continue;
      const key = `${update.release.branch}/${update.request}`;
      const compose = composes.get(key) ?? { release: update.release, request: update.request, updates: [] };
      compose.updates.push(update);
      composes.set(key, compose);
    }
    if (composes.size === 0) return null;
    const agent = random.pick(world.packagers.slice(0, 5)).name;
    const all = [...composes.values()];
    for (const compose of all) for (const update of compose.updates) update.locked = true;
    let delay = 1;
    for (const compose of all) {
      sim.later(delay, () => composePhases(sim, compose, agent));
      delay += random.int(1, 3);
    }
    return {
      topic: 'bodhi.composer.start',
      schema: 'bodhi.composer.start.v1',
      body: {
        agent,
        api_version: 2,
        resume: false,
        composes: all.map((compose) => ({
          content_type: 'rpm',
          release_id: RELEASE_IDS[compose.release.branch] ?? 1,
          request: compose.request,
          security: compose.updates.some((update) => update.type === 'security'),
        })),
      },
    };
  },
};

function composePhases(sim: Simulation, compose: Compose, agent: string): Draft {
  const { random } = sim;
  const repo = repoOf(compose);
  const success = random.chance(0.95);
  const ejected = success && compose.updates.length > 1 && random.chance(0.05) ? compose.updates.pop() : undefined;
  const phase = (event: string, body: Record<string, unknown>): Draft => ({
    topic: `bodhi.compose.${event}`,
    schema: `bodhi.compose.${event}.v1`,
    body: { agent, repo, ...body },
  });
  sim.later(1, () => {
    if (ejected) {
      ejected.locked = false;
      sim.later(0, () => ({
        topic: 'bodhi.update.eject',
        schema: 'bodhi.update.eject.v1',
        body: { reason: `Cannot find relevant tag for ${ejected.builds[0]!.nvr}.  None of ['${ejected.release.tag}-updates-candidate'] are in [].`, repo, update: updateBody(ejected) },
      }));
    }
    sim.later(random.int(4, 12), () => {
      sim.later(random.int(2, 6), () => {
        sim.later(0, () => {
          if (success) finish(sim, compose, repo, agent);
          else for (const update of compose.updates) update.locked = false;
          return phase('complete', { ctype: 'rpm', success });
        });
        return phase('sync.done', {});
      });
      return phase('sync.wait', {});
    });
    return phase('composing', { ctype: 'rpm', updates: compose.updates.map((update) => update.builds.map((build) => build.nvr).join(' ')) });
  });
  return phase('start', {});
}

function finish(sim: Simulation, compose: Compose, repo: string, agent: string): void {
  const { random } = sim;
  const { release } = compose;
  sim.later(0, () => ({
    topic: 'bodhi.repo.done',
    schema: 'bodhi.repo.done.v1',
    body: { agent, repo, path: `/mnt/koji/compose/updates/${release.product === 'epel' ? 'Fedora-Epel' : 'Fedora'}-${release.version}-updates${compose.request === 'testing' ? '-testing' : ''}-${sim.now().toISOString().slice(0, 10).replace(/-/g, '')}.0` },
  }));
  let delay = 1;
  for (const update of compose.updates) {
    sim.later(delay, () => pushed(sim, update, compose.request));
    delay += random.int(0, 1);
  }
  sim.later(delay + random.int(1, 4), () => {
    const bytes = random.int(50, 4000);
    return {
      topic: `bodhi.updates.${release.product}.sync`,
      schema: 'bodhi.updates.sync.v1',
      body: { release: release.version, repo: compose.request === 'testing' ? 'updates-testing' : 'updates', bytes: `${bytes} MiB`, raw_bytes: String(bytes * 1048576), deleted: String(random.int(0, 400)) },
    };
  });
}

/** Somebody tries an update in testing and says how it went. */
const testerComment: Story = {
  apps: ['bodhi'],
  weight: 14,
  start(sim) {
    const update = sim.world.activeUpdate();
    return update ? feedback(sim, update) : null;
  },
};

/** A maintainer puts a fresh build into the buildroot for a while (tagged, then untagged on expiry). */
const buildrootOverride: Story = {
  apps: ['bodhi', 'buildsys'],
  weight: 2,
  start(sim) {
    const { world, random } = sim;
    const candidates = world.recentBuilds.filter((build) => build.release.bodhi !== null);
    if (candidates.length === 0) return null;
    const build = random.pick(candidates);
    const submitter = build.owner;
    const override = (expired: boolean): Draft => ({
      topic: `bodhi.buildroot_override.${expired ? 'untag' : 'tag'}`,
      schema: `bodhi.buildroot_override.${expired ? 'untag' : 'tag'}.v1`,
      body: {
        override: {
          nvr: build.nvr,
          build: { nvr: build.nvr },
          submitter: { name: submitter },
          notes: random.pick(['Needed to build the rest of the stack.', 'For the mass rebuild of dependent packages.', 'Bootstrap.']),
          expiration_date: new Date(sim.now().getTime() + 7 * 86_400_000).toISOString().replace('T', ' ').slice(0, 19),
          expired_date: null,
        },
      },
    });
    const tag = `${build.release.tag}-override`;
    sim.later(1, () => tagDraft(build, tag, 'bodhi', sim));
    sim.later(random.int(40, 120), () => {
      sim.later(1, () => tagDraft(build, tag, 'bodhi', sim, true));
      return override(true);
    });
    return override(false);
  },
};

/** A maintainer takes back a stable request before the compose picks it up. */
const revokeRequest: Story = {
  apps: ['bodhi'],
  weight: 0.3,
  start(sim) {
    const waiting = [...sim.world.openUpdates.values()].filter((update) => update.request === 'stable' && !update.locked);
    return waiting.length === 0 ? null : revoke(sim.random.pick(waiting));
  },
};

export const bodhiStories: readonly Story[] = [composeRun, testerComment, buildrootOverride, revokeRequest];
