/**
 * The update system: an update is submitted for a completed build (obsoleting the package's older
 * update still on its way), is tagged for testing and announced ready for testing, waits for a
 * compose to push it to testing, gets comments and karma, then is requested for stable — by Bodhi
 * when it reaches its karma threshold, by its maintainer once it met the testing requirements — and
 * a compose pushes it to stable (with an erratum now and then). Failing karma obsoletes it.
 */
import type { Body } from '../message/index.js';
import { tagDraft } from './buildsys.js';
import type { Draft, Simulation } from './story.js';
import { bodhiTime, openKey, type Build, type Release, type Update } from './world.js';

export const BODHI = 'https://bodhi.fedoraproject.org';

const FEEDBACK: readonly (readonly [string, number])[] = [
  ['Works for me.', 1],
  ['Tested on x86_64, no regressions seen.', 1],
  ['Fixes the crash I reported, thanks!', 1],
  ['Installed fine, basic functionality works.', 1],
  ['Works on aarch64 (Raspberry Pi 4).', 1],
  ['No change for me, the bug is still there.', 0],
  ['Could not test the fix itself, but nothing broke.', 0],
  ['This breaks my setup: the service fails to start after the update.', -1],
  ['Segfaults on startup here, see the bug linked.', -1],
];

function releaseBody(release: Release): Body {
  const epel = release.product === 'epel';
  return {
    name: release.bodhi,
    long_name: epel ? `Fedora EPEL ${release.version}` : `Fedora ${release.version}`,
    version: release.version,
    id_prefix: epel ? 'FEDORA-EPEL' : 'FEDORA',
    branch: release.branch,
    dist_tag: release.tag,
    state: 'current',
  };
}

export function updateBody(update: Update): Body {
  return {
    alias: update.alias,
    title: update.builds.map((build) => build.nvr).join(' '),
    builds: update.builds.map((build) => ({ nvr: build.nvr, epoch: 0, signed: true, type: 'rpm' })),
    user: { name: update.user },
    status: update.status,
    request: update.request,
    release: releaseBody(update.release),
    type: update.type,
    severity: update.severity,
    karma: update.karma,
    stable_karma: 3,
    unstable_karma: -3,
    autokarma: true,
    critpath: update.builds.some((build) => build.pkg.critpath),
    date_submitted: update.submittedAt,
    notes: update.notes,
    bugs: update.bugs.map((bug) => ({ bug_id: bug })),
    url: `${BODHI}/updates/${update.alias}`,
  };
}

function requestDraft(update: Update, request: 'testing' | 'stable' | 'obsolete' | 'revoke' | 'unpush', agent: string): Draft {
  return { topic: `bodhi.update.request.${request}`, schema: `bodhi.update.request.${request}.v1`, body: { agent, update: updateBody(update) } };
}

export function commentDraft(update: Update, author: string, text: string, karma: number, sim: Simulation): Draft {
  return {
    topic: 'bodhi.update.comment',
    schema: 'bodhi.update.comment.v1',
    body: {
      agent: author,
      comment: {
        id: sim.world.nextCommentId(),
        text,
        karma,
        karma_critpath: 0,
        timestamp: bodhiTime(sim.now()),
        update_alias: update.alias,
        update: updateBody(update),
        user: { name: author },
      },
    },
  };
}

function testingTags(release: Release): { pending: string; testing: string; stable: string } {
  return release.product === 'epel'
    ? { pending: `${release.tag}-testing-pending`, testing: `${release.tag}-testing`, stable: release.tag }
    : { pending: `${release.tag}-updates-testing-pending`, testing: `${release.tag}-updates-testing`, stable: `${release.tag}-updates` };
}

/**
 * The maintainer submits an update for a completed build: Bodhi obsoletes the package's open update
 * on that release, tags the build for testing, says so, and announces it ready for testing.
 */
export function proposeUpdate(sim: Simulation, build: Build): void {
  const { world, random } = sim;
  const release = build.release;
  if (release.bodhi === null) return;
  const key = openKey(build.pkg, release);
  const previous = world.openUpdates.get(key);
  if (previous?.locked) return; // being pushed: the maintainer waits for the compose
  const year = sim.now().getUTCFullYear();
  const type = random.weighted([['bugfix', 55], ['enhancement', 30], ['security', 8], ['newpackage', 7]] as const);
  const update: Update = {
    alias: `${release.product === 'epel' ? 'FEDORA-EPEL' : 'FEDORA'}-${year}-${random.hex(10)}`,
    builds: [build],
    user: build.owner,
    release,
    type,
    severity: type === 'security' ? random.pick(['medium', 'high', 'urgent'] as const) : random.pick(['unspecified', 'low', 'medium'] as const),
    bugs: Array.from({ length: random.weighted([[0, 4], [1, 4], [2, 1]] as const) }, () => world.nextBug()),
    notes: type === 'security' ? `Security fix for CVE-${year}-${random.int(10000, 59999)}.` : `Update to ${build.version}.`,
    submittedAt: bodhiTime(sim.now()),
    status: 'pending',
    request: 'testing',
    karma: 0,
    voters: new Set(),
    locked: false,
  };
  world.openUpdates.set(key, update);
  if (previous) {
    sim.later(0, () => {
      if (previous.locked || previous.status === 'stable') return null;
      previous.request = null;
      previous.status = 'obsolete';
      return requestDraft(previous, 'obsolete', update.user);
    });
  }
  const tags = testingTags(release);
  sim.later(0, () => requestDraft(update, 'testing', update.user));
  sim.later(1, () => tagDraft(build, tags.pending, 'bodhi', sim));
  sim.later(1, () => commentDraft(update, 'bodhi', `This update has been submitted for testing by ${update.user}. `, 0, sim));
  sim.later(random.int(1, 3), () => readyForTesting(update, sim));
}

function readyForTesting(update: Update, sim: Simulation): Draft {
  const stamp = sim.now().toISOString().replace(/[-:]/g, '').slice(0, 15);
  return {
    topic: 'bodhi.update.status.testing.koji-build-group.build.complete',
    schema: 'bodhi.update.status.testing.v3',
    body: {
      agent: 'bodhi',
      artifact: {
        type: 'koji-build-group',
        id: `${update.alias}-${stamp}`,
        repository: `${BODHI}/updates/${update.alias}`,
        release: update.release.tag,
        builds: update.builds.map((build) => ({
          type: 'koji-build', id: build.id, task_id: build.taskId, nvr: build.nvr, component: build.pkg.name, issuer: build.owner, scratch: false,
        })),
      },
      update: updateBody(update),
      're-trigger': false,
    },
  };
}

/** An update a compose pushed: to testing (then testers come), or to stable (then it is done). */
export function pushed(sim: Simulation, update: Update, to: 'testing' | 'stable'): Draft {
  const { random, world } = sim;
  const build = update.builds[0]!;
  const tags = testingTags(update.release);
  update.locked = false;
  update.status = to;
  update.request = null;
  const draft: Draft = { topic: `bodhi.update.complete.${to}`, schema: `bodhi.update.complete.${to}.v1`, body: { agent: 'bodhi', update: updateBody(update) } };
  if (to === 'testing') {
    sim.later(0, () => tagDraft(build, tags.testing, 'bodhi', sim));
    sim.later(0, () => tagDraft(build, tags.pending, 'bodhi', sim, true));
    sim.later(1, () => commentDraft(update, 'bodhi', 'This update has been pushed to testing.', 0, sim));
    for (let i = random.weighted([[0, 2], [1, 3], [2, 3], [3, 2], [4, 1]] as const); i > 0; i--) {
      sim.later(random.int(5, 60), () => feedback(sim, update));
    }
    if (random.chance(0.1)) sim.later(random.int(2, 20), () => edit(sim, update));
    if (random.chance(0.02)) sim.later(random.int(10, 40), () => requestBy(sim, update, 'unpush', update.user));
    // Seven days in testing (14 for EPEL): the maintainer may then push it to stable.
    sim.later(random.int(40, 110), () => {
      if (update.status !== 'testing' || update.request !== null) return null;
      sim.later(random.int(1, 15), () => requestBy(sim, update, 'stable', update.user));
      return { topic: 'bodhi.update.requirements_met.stable', schema: 'bodhi.update.requirements_met.stable.v1', body: { update: updateBody(update) } };
    });
  } else {
    world.forgetUpdate(update);
    sim.later(0, () => tagDraft(build, tags.stable, 'bodhi', sim));
    sim.later(0, () => tagDraft(build, tags.testing, 'bodhi', sim, true));
    sim.later(1, () => commentDraft(update, 'bodhi', 'This update has been pushed to stable.', 0, sim));
    if (update.type === 'security' || random.chance(0.4)) sim.later(random.int(1, 4), () => erratum(update));
  }
  return draft;
}

/** A tester's comment, with karma that may cross a threshold. */
export function feedback(sim: Simulation, update: Update): Draft | null {
  const { world, random } = sim;
  if (update.status !== 'testing' || update.locked) return null;
  let tester = world.person().name;
  if (tester === update.user || update.voters.has(tester)) tester = world.person().name;
  let [text, karma] = random.weighted(FEEDBACK.map((entry) => [entry, entry[1] >= 0 ? 5 + entry[1] * 10 : 2] as const));
  if (tester === update.user || update.voters.has(tester)) karma = 0;
  if (random.chance(0.15)) text += ` @${update.user}`;
  if (karma !== 0) {
    update.voters.add(tester);
    update.karma += karma;
  }
  if (update.request === null && (update.karma >= 3 || update.karma <= -3)) {
    const stable = update.karma >= 3;
    sim.later(0, () => ({ topic: 'bodhi.update.karma.threshold.reach', schema: 'bodhi.update.karma.threshold.v1', body: { status: stable ? 'stable' : 'unstable', update: updateBody(update) } }));
    sim.later(0, () => requestBy(sim, update, stable ? 'stable' : 'obsolete', 'bodhi'));
  }
  return commentDraft(update, tester, text, karma, sim);
}

/** A request on an update in testing: to stable (a compose then pushes it), or out (obsolete, unpush). */
function requestBy(sim: Simulation, update: Update, request: 'stable' | 'obsolete' | 'unpush', agent: string): Draft | null {
  if (update.locked || update.status !== 'testing' || update.request === 'stable') return null;
  update.request = request === 'stable' ? 'stable' : null;
  if (request !== 'stable') {
    update.status = request === 'unpush' ? 'unpushed' : 'obsolete';
    sim.world.forgetUpdate(update);
  }
  return requestDraft(update, request, agent);
}

function edit(sim: Simulation, update: Update): Draft | null {
  if (update.status !== 'testing' || update.locked) return null;
  const bug = sim.world.nextBug();
  update.bugs.push(bug);
  return { topic: 'bodhi.update.edit', schema: 'bodhi.update.edit.v2', body: { agent: update.user, update: updateBody(update), new_bugs: [bug], new_builds: [], removed_builds: [] } };
}

function erratum(update: Update): Draft {
  const release = update.release;
  const product = release.product === 'epel' ? `Fedora EPEL ${release.version}` : `Fedora ${release.version}`;
  const title = update.builds.map((build) => build.nvr).join(' ');
  return {
    topic: 'bodhi.errata.publish',
    schema: 'bodhi.errata.publish.v1',
    body: {
      subject: `${update.type === 'security' ? '[SECURITY] ' : ''}${product} Update: ${title}`,
      body: `Fedora Update Notification\n${update.alias}\n\nName        : ${update.builds[0]!.pkg.name}\nVersion     : ${update.builds[0]!.version}\n\nUpdate Information:\n\n${update.notes}\n`,
      update: updateBody(update),
    },
  };
}

/** The maintainer revokes a stable request they made (it then waits in testing again). */
export function revoke(update: Update): Draft | null {
  if (update.locked || update.request !== 'stable') return null;
  update.request = null;
  return requestDraft(update, 'revoke', update.user);
}
