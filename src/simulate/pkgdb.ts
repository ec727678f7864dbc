/**
 * The package database: people ask for commit access and owners grant it, packages change hands,
 * are orphaned and adopted, get new branches and flags, new packages are requested, approved and
 * added (and show up in the build system's package list and in git), old ones are retired.
 */
import type { Body } from '../message/index.js';
import { packageListDraft } from './buildsys.js';
import { branchDraft, push } from './git.js';
import { makeGeneratedPackageName } from './names.js';
import type { Draft, Simulation, Story } from './story.js';
import type { Package, Release } from './world.js';

function event(topic: string, body: Body): Draft {
  return { topic, schema: `${topic}.v1`, body };
}

function packageBody(pkg: Package): Body {
  return { name: pkg.name, namespace: 'rpms', summary: pkg.summary, status: pkg.retired ? 'Retired' : 'Approved' };
}

function listing(pkg: Package, release: Release, status?: string): Body {
  return {
    package: packageBody(pkg),
    collection: { ...release.collection, koji_name: release.tag, status: release.branch === 'rawhide' ? 'Under Development' : 'Active' },
    point_of_contact: pkg.owner,
    status: status ?? (pkg.retired ? 'Retired' : pkg.owner === 'orphan' ? 'Orphaned' : 'Approved'),
    critpath: pkg.critpath,
  };
}

const administrators = (sim: Simulation): string => sim.random.pick(sim.world.packagers.slice(0, 8)).name;

/** Somebody asks for commit access to a package; an owner grants it. */
const aclRequest: Story = {
  apps: ['pkgdb'],
  weight: 2,
  start(sim) {
    const { world, random } = sim;
    const pkg = world.pkg();
    const release = world.branchOf(pkg);
    const requester = world.packager().name;
    if (pkg.maintainers.includes(requester) || pkg.owner === 'orphan') return null;
    const acl = random.weighted([['commit', 5], ['watchcommits', 2], ['approveacls', 1]] as const);
    sim.later(random.int(5, 60), () => {
      if (!pkg.maintainers.includes(requester) && acl === 'commit') pkg.maintainers.push(requester);
      return event('pkgdb.acl.update', { agent: pkg.owner, package_listing: listing(pkg, release), acl, status: 'Approved', username: requester });
    });
    return event('pkgdb.acl.request.toggle', { agent: requester, package_listing: listing(pkg, release), acl, acl_action: 'requested', acl_status: 'Awaiting Review' });
  },
};

const infoUpdate: Story = {
  apps: ['pkgdb'],
  weight: 1,
  start(sim) {
    const { world, random } = sim;
    const pkg = world.pkg();
    const fields = random.sample(['summary', 'description', 'upstream_url', 'review_url'], random.int(1, 2));
    return event('pkgdb.package.update', { agent: random.pick(pkg.maintainers), package: { name: pkg.name, namespace: 'rpms' }, fields });
  },
};

/** An owner gives a package away, or orphans it and someone adopts it later. */
const ownership: Story = {
  apps: ['pkgdb'],
  weight: 1,
  start(sim) {
    const { world, random } = sim;
    const pkg = world.pkg();
    if (pkg.owner === 'orphan') return null;
    const release = world.releaseOf('rawhide');
    const previous = pkg.owner;
    if (random.chance(0.4)) {
      const next = random.pick(pkg.maintainers.length > 1 ? pkg.maintainers.filter((name) => name !== previous) : [world.packager().name]);
      pkg.owner = next;
      if (!pkg.maintainers.includes(next)) pkg.maintainers.push(next);
      return event('pkgdb.owner.update', { agent: previous, package_listing: listing(pkg, release) });
    }
    pkg.owner = 'orphan';
    sim.later(0, () => event('pkgdb.package.update.status', { agent: previous, package_listing: listing(pkg, release), package_name: pkg.name, prev_status: 'Approved', status: 'Orphaned' }));
    sim.later(random.int(30, 150), () => {
      if (pkg.owner !== 'orphan' || pkg.retired) return null;
      const adopter = world.packager().name;
      pkg.owner = adopter;
      if (!pkg.maintainers.includes(adopter)) pkg.maintainers.push(adopter);
      sim.later(0, () => event('pkgdb.package.update.status', { agent: adopter, package_listing: listing(pkg, release), package_name: pkg.name, prev_status: 'Orphaned', status: 'Approved' }));
      return event('pkgdb.owner.update', { agent: adopter, package_listing: listing(pkg, release) });
    });
    return event('pkgdb.owner.update', { agent: previous, package_listing: listing(pkg, release) });
  },
};

/** A maintainer asks for an EPEL branch; an administrator approves; the branch appears in pkgdb, git and Koji. */
const branchRequest: Story = {
  apps: ['pkgdb', 'git', 'buildsys'],
  weight: 1,
  start(sim) {
    const { world, random } = sim;
    const pkg = world.pkg();
    const release = world.releases.find((candidate) => !pkg.branches.has(candidate.branch));
    if (!release) return null;
    const requester = random.pick(pkg.maintainers);
    const admin = administrators(sim);
    sim.later(random.int(10, 60), () => {
      const rawhide = pkg.branches.get('rawhide');
      pkg.branches.set(release.branch, { version: rawhide?.version ?? '1.0.0', release: 0 });
      sim.later(1, () => event('pkgdb.package.branch.new', { agent: admin, package: packageBody(pkg), package_listing: listing(pkg, release) }));
      sim.later(2, () => branchDraft(pkg, release.branch, admin));
      sim.later(3, () => packageListDraft(pkg, release.tag, 'add', pkg.owner));
      return event('pkgdb.admin.action.status.update', {
        agent: admin,
        old_status: 'Awaiting Review',
        new_status: 'Approved',
        action: { id: world.nextActionId(), action: 'request.branch', user: requester, status: 'Approved', collection: release.collection, info: {}, package: packageBody(pkg) },
      });
    });
    return event('pkgdb.package.branch.request', { agent: requester, package: packageBody(pkg), collection_to: release.collection });
  },
};

/** A packager asks for a new package; once approved it is added, listed in Koji, and first pushed. */
const newPackage: Story = {
  apps: ['pkgdb', 'git', 'buildsys', 'bodhi'],
  weight: 0.8,
  start(sim) {
    const { world, random } = sim;
    const name = makeGeneratedPackageName(random);
    if (world.requestedPackages.has(name) || world.packages.some((pkg) => pkg.name === name)) return null;
    world.requestedPackages.add(name);
    const requester = world.packager().name;
    const admin = administrators(sim);
    const rawhide = world.releaseOf('rawhide');
    const summary = `${name} for Fedora`;
    sim.later(random.int(10, 80), () => {
      world.requestedPackages.delete(name);
      const pkg = world.addPackage(name, requester);
      sim.later(1, () => event('pkgdb.package.new', { agent: admin, package_listing: listing(pkg, rawhide) }));
      sim.later(2, () => packageListDraft(pkg, rawhide.tag, 'add', requester));
      sim.later(random.int(5, 30), () => push(sim, pkg, rawhide, requester));
      return event('pkgdb.admin.action.status.update', {
        agent: admin,
        old_status: 'Awaiting Review',
        new_status: 'Approved',
        action: { id: world.nextActionId(), action: 'request.package', user: requester, status: 'Approved', collection: rawhide.collection, info: { pkg_name: name, pkg_summary: summary, pkg_poc: requester }, package: null },
      });
    });
    return event('pkgdb.package.new.request', { agent: requester, info: { pkg_name: name, pkg_namespace: 'rpms', pkg_summary: summary, pkg_poc: requester }, collection: rawhide.collection, package: null });
  },
};

const flags: Story = {
  apps: ['pkgdb'],
  weight: 1,
  start(sim) {
    const { world, random } = sim;
    const pkg = world.pkg();
    const agent = random.pick(pkg.maintainers);
    const kind = random.weighted([['monitor', 4], ['koschei', 3], ['critpath', 1]] as const);
    if (kind === 'critpath') {
      pkg.critpath = !pkg.critpath;
      const branches = [...pkg.branches.keys()].filter((branch) => branch !== 'rawhide');
      return event('pkgdb.package.critpath.update', { agent: administrators(sim), package: packageBody(pkg), critpath: pkg.critpath, branches });
    }
    if (kind === 'monitor') {
      pkg.monitored = !pkg.monitored;
      return event('pkgdb.package.monitor.update', { agent, package: packageBody(pkg), status: pkg.monitored });
    }
    return event('pkgdb.package.koschei.update', { agent, package: packageBody(pkg), status: random.chance(0.7) });
  },
};

/** A package's maintainers drop it: retired in pkgdb, blocked in Koji; a while later someone may ask it back. */
const retirement: Story = {
  apps: ['pkgdb', 'buildsys'],
  weight: 0.25,
  start(sim) {
    const { world, random } = sim;
    const pkg = world.pkg();
    if (pkg.critpath) return null;
    const agent = pkg.owner === 'orphan' ? administrators(sim) : pkg.owner;
    const rawhide = world.releaseOf('rawhide');
    pkg.retired = true;
    sim.later(1, () => packageListDraft(pkg, rawhide.tag, 'block', pkg.owner === 'orphan' ? agent : pkg.owner));
    if (random.chance(0.3)) {
      sim.later(random.int(50, 200), () => {
        const asker = world.packager().name;
        return event('pkgdb.package.unretire.request', { agent: asker, package: packageBody(pkg), collection: rawhide.collection });
      });
    }
    return event('pkgdb.package.retire', { agent, package_listing: listing(pkg, rawhide, 'Retired'), retirement: 'retired' });
  },
};

/** Someone leaves a package: their ACLs are removed, or one of them. */
const aclRemoval: Story = {
  apps: ['pkgdb'],
  weight: 0.5,
  start(sim) {
    const { world, random } = sim;
    const pkg = world.pkg();
    const others = pkg.maintainers.filter((name) => name !== pkg.owner);
    if (others.length === 0) return null;
    const user = random.pick(others);
    const releases = world.releases.filter((release) => pkg.branches.has(release.branch));
    if (random.chance(0.6)) {
      pkg.maintainers.splice(pkg.maintainers.indexOf(user), 1);
      return event('pkgdb.acl.user.remove', { agent: user, username: user, package_listings: releases.map((release) => listing(pkg, release)) });
    }
    return event('pkgdb.acl.delete', { agent: pkg.owner, acl: { acl: 'watchcommits', fas_name: user, status: 'Approved', packagelist: listing(pkg, random.pick(releases)) } });
  },
};

export const pkgdbStories: readonly Story[] = [aclRequest, infoUpdate, ownership, branchRequest, newPackage, flags, retirement, aclRemoval];
