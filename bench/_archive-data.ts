/**
 * A synthetic archive shaped like a distribution's bus, for `npm run bench -- archive`: a few hot
 * applications (Zipf-weighted) with several event types each, users and packages from long-tail
 * distributions, JSON bodies of 300–1500 bytes with some prose in them. Deterministic: the same seed
 * and size give the same records, in the same order, on every pass.
 */
import { categoryOf } from '../src/message/index.js';
import type { ArchiveRecord } from '../src/store/index.js';

export const DAY = 86_400_000;
/** The archive covers the two years before this instant; fixed, so runs (and their partitions) compare. */
export const ARCHIVE_NOW = Date.UTC(2025, 5, 1);
export const ARCHIVE_SPAN_MS = 730 * DAY;
export const ARCHIVE_START = ARCHIVE_NOW - ARCHIVE_SPAN_MS;

/** sfc32: small, fast, good enough for benchmark data, and the same in every run. */
export function seededRandom(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** Items drawn with given weights; `zipf` weights the item of rank r by 1/r^s. */
export class Weighted<T> {
  private readonly cumulative: Float64Array;
  private readonly sum: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    weights.forEach((weight, i) => (this.cumulative[i] = sum += weight));
    this.sum = sum;
  }

  static zipf<T>(items: readonly T[], s: number): Weighted<T> {
    return new Weighted(items, items.map((_, i) => 1 / Math.pow(i + 1, s)));
  }

  draw(random: () => number): T {
    const target = random() * this.sum;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.cumulative[middle]! <= target) low = middle + 1;
      else high = middle;
    }
    return this.items[low]!;
  }

  /** The probability of the item at `index`. */
  share(index: number): number {
    return (this.cumulative[index]! - (index > 0 ? this.cumulative[index - 1]! : 0)) / this.sum;
  }
}

/** An event type of an application: its weight within the app, and how many users/packages it names. */
type EventSpec = readonly [event: string, weight: number, users: readonly [number, number], packages: readonly [number, number]];
interface AppSpec {
  readonly app: string;
  /** Who acts when no person does. */
  readonly bot: string;
  readonly events: readonly EventSpec[];
}

/** The applications, hottest first (their weights are Zipf by this order). */
const APPS: readonly AppSpec[] = [
  { app: 'buildsys', bot: 'koji', events: [['task.state.change', 40, [1, 1], [0, 1]], ['build.state.change', 25, [1, 1], [1, 1]], ['tag', 12, [1, 2], [1, 1]], ['untag', 3, [1, 2], [1, 1]], ['repo.init', 6, [0, 0], [0, 0]], ['repo.done', 6, [0, 0], [0, 0]], ['rpm.sign', 7, [0, 0], [1, 1]], ['package.list.change', 1, [1, 1], [1, 1]]] },
  { app: 'copr', bot: 'copr', events: [['build.start', 40, [1, 1], [1, 1]], ['build.end', 40, [1, 1], [1, 1]], ['chroot.start', 20, [1, 1], [1, 1]]] },
  { app: 'bodhi', bot: 'bodhi', events: [['update.comment', 20, [1, 3], [1, 2]], ['update.request.testing', 10, [1, 2], [1, 2]], ['update.request.stable', 8, [1, 2], [1, 2]], ['update.complete.testing', 10, [1, 1], [1, 2]], ['update.complete.stable', 8, [1, 1], [1, 2]], ['update.edit', 6, [1, 1], [1, 2]], ['update.requirements_met.stable', 4, [1, 1], [1, 2]], ['update.karma.threshold', 3, [1, 3], [1, 1]], ['compose.start', 3, [0, 0], [0, 0]], ['compose.complete', 3, [0, 0], [0, 0]], ['errata.publish', 2, [1, 1], [1, 2]], ['buildroot_override.tag', 2, [1, 1], [1, 1]], ['buildroot_override.untag', 1, [1, 1], [1, 1]], ['update.request.obsolete', 1, [1, 1], [1, 1]], ['update.request.unpush', 0.5, [1, 1], [1, 1]], ['update.eject', 0.3, [1, 1], [1, 2]]] },
  { app: 'git', bot: 'pagure', events: [['receive', 80, [1, 1], [1, 1]], ['lookaside.new', 14, [1, 1], [1, 1]], ['branch', 5, [1, 1], [1, 1]], ['pkgdb2branch.start', 0.2, [1, 1], [0, 0]], ['pkgdb2branch.complete', 0.2, [1, 1], [0, 2]], ['mass_branch.start', 0.02, [1, 1], [0, 0]], ['mass_branch.complete', 0.02, [1, 1], [0, 0]]] },
  { app: 'ci', bot: 'jenkins', events: [['pipeline.complete', 45, [0, 1], [1, 1]], ['pipeline.running', 40, [0, 1], [1, 1]], ['pipeline.error', 5, [0, 1], [1, 1]], ['pipeline.queued', 10, [0, 1], [1, 1]]] },
  { app: 'resultsdb', bot: 'resultsdb', events: [['result.new', 100, [0, 0], [1, 1]]] },
  { app: 'pkgdb', bot: 'pkgdb', events: [['acl.update', 30, [1, 2], [1, 1]], ['package.update', 15, [1, 1], [1, 1]], ['owner.update', 10, [1, 2], [1, 1]], ['package.branch.new', 8, [1, 1], [1, 1]], ['package.new', 5, [1, 1], [1, 1]], ['package.retire', 2, [1, 1], [1, 1]], ['admin.action.status.update', 1, [1, 2], [1, 1]], ['branch.start', 0.1, [1, 1], [0, 0]], ['branch.complete', 0.1, [1, 1], [0, 0]]] },
  { app: 'mirrormanager', bot: 'mirrormanager', events: [['crawler.start', 45, [0, 0], [0, 0]], ['crawler.complete', 45, [0, 0], [0, 0]], ['netblocks.get', 5, [0, 0], [0, 0]], ['mirrorlist.update', 5, [0, 0], [0, 0]]] },
  { app: 'greenwave', bot: 'greenwave', events: [['decision.update', 100, [0, 1], [1, 1]]] },
  { app: 'fas', bot: 'fas', events: [['user.update', 40, [1, 1], [0, 0]], ['user.create', 15, [1, 1], [0, 0]], ['group.member.apply', 15, [1, 2], [0, 0]], ['group.member.sponsor', 12, [2, 2], [0, 0]], ['group.member.remove', 4, [2, 2], [0, 0]], ['role.update', 5, [1, 2], [0, 0]], ['group.update', 2, [1, 1], [0, 0]], ['group.create', 0.5, [1, 1], [0, 0]]] },
  { app: 'anitya', bot: 'anitya', events: [['project.version.update', 80, [0, 1], [0, 1]], ['project.map.new', 10, [1, 1], [1, 1]], ['project.add', 10, [1, 1], [0, 1]]] },
  { app: 'compose', bot: 'pungi', events: [['compose.status.change', 70, [0, 0], [0, 0]], ['compose.phase.start', 15, [0, 0], [0, 0]], ['compose.phase.stop', 15, [0, 0], [0, 0]]] },
  { app: 'fedbadges', bot: 'fedbadges', events: [['badge.award', 90, [1, 1], [0, 0]], ['person.rank.advance', 10, [1, 1], [0, 0]]] },
  { app: 'wiki', bot: 'mediawiki', events: [['article.edit', 90, [1, 1], [0, 0]], ['upload.complete', 10, [1, 1], [0, 0]]] },
  { app: 'meetbot', bot: 'zodbot', events: [['meeting.start', 40, [1, 3], [0, 0]], ['meeting.complete', 40, [1, 3], [0, 0]], ['meeting.topic.update', 20, [1, 2], [0, 0]]] },
  { app: 'ansible', bot: 'ansible', events: [['playbook.start', 50, [1, 1], [0, 0]], ['playbook.complete', 50, [1, 1], [0, 0]]] },
  { app: 'planet', bot: 'planet', events: [['post.new', 100, [1, 1], [0, 0]]] },
  { app: 'kerneltest', bot: 'kerneltest', events: [['upload.new', 100, [1, 1], [1, 1]]] },
  { app: 'nuancier', bot: 'nuancier', events: [['candidate.new', 70, [1, 1], [0, 0]], ['candidate.approved', 30, [1, 1], [0, 0]]] },
  { app: 'summershum', bot: 'summershum', events: [['ingest.start', 50, [0, 0], [1, 1]], ['ingest.complete', 50, [0, 0], [1, 1]]] },
];

const GROUPS = ['packager', 'provenpackager', 'qa', 'infra-sig', 'python-sig', 'kde-sig', 'design-team', 'ambassadors', 'docs', 'i18n', 'marketing', 'sysadmin'];
const WELL_KNOWN_PACKAGES = ['kernel', 'firefox', 'glibc', 'systemd', 'python3', 'gcc', 'chromium', 'llvm', 'rust', 'golang', 'thunderbird', 'libreoffice', 'mesa', 'openssl', 'gnome-shell', 'podman', 'qemu', 'nodejs', 'java-17-openjdk', 'perl'];
const PACKAGE_PREFIXES = ['python-', 'perl-', 'rust-', 'golang-github-', 'nodejs-', 'ghc-', 'texlive-', 'R-', 'php-', 'ocaml-', '', '', '', 'lib'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'te', 'su', 'no', 'vi', 'an', 'el', 'or', 'is', 'ba', 'de', 'fu', 'go', 'hi', 'ju', 'ke', 'ly', 'ma', 'ne', 'pi', 'qu', 'ro', 'sa', 'ti', 'un', 'wa', 'ze'];
/** Prose vocabulary, most frequent first; its Zipf tail makes `contains` needles of every rarity. */
const WORDS = (
  'the to of and a in for is on with this that fix update build from by be as it not was are new version ' +
  'upstream release package should when failed test tests now only also use into after before which bug ' +
  'rebuild dependency patch changes removed added please check error missing works issue branch rawhide ' +
  'stable testing karma security bodhi koji spec file license review maintainer compose mirror sync retry ' +
  'timeout crash memory leak regression performance python perl rust golang library module service config ' +
  'systemd selinux policy kernel driver firmware graphics wayland xorg network manager bluetooth audio ' +
  'pipewire flatpak container podman toolbox silverblue workstation server cloud iot arm aarch64 x86_64 ' +
  'ppc64le s390x epel modular bootstrap mass rebuild soname bump obsolete provides requires conflicts ' +
  'scriptlet macro changelog tarball signature gpg checksum mismatch flaky intermittent deadlock segfault ' +
  'traceback backport cherry-pick revert bisect heisenbug unreproducible upstreamed downstream embargo'
).split(' ');

function nameFrom(random: () => number, syllables: number): string {
  let name = '';
  for (let i = 0; i < syllables; i++) name += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
  return name;
}

function uniqueNames(count: number, make: () => string, seed: readonly string[] = []): string[] {
  const names = new Set(seed);
  while (names.size < count) names.add(make());
  return [...names];
}

function hex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

function uuid(random: () => number): string {
  const h = hex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20)}`;
}

export interface TopicInfo {
  readonly topic: string;
  readonly category: string;
  /** Expected fraction of all messages. */
  readonly share: number;
}

interface TopicSpec extends TopicInfo {
  readonly app: AppSpec;
  readonly event: EventSpec;
}

export class SyntheticArchive {
  readonly users: Weighted<string>;
  readonly packages: Weighted<string>;
  readonly apps: Weighted<AppSpec>;
  readonly topics: readonly TopicInfo[];
  private readonly topicChoice: Weighted<TopicSpec>;
  private readonly words = Weighted.zipf(WORDS, 1.0);

  constructor(
    readonly messages: number,
    private readonly seed = 4,
  ) {
    const random = seededRandom(seed * 7919);
    const users = uniqueNames(5_000, () => nameFrom(random, 2 + Math.floor(random() * 3)) + (random() < 0.2 ? String(Math.floor(random() * 100)) : ''), ['releng', 'packagerbot', 'autopush']);
    this.users = Weighted.zipf(users, 1.1);
    const packages = uniqueNames(20_000, () => PACKAGE_PREFIXES[Math.floor(random() * PACKAGE_PREFIXES.length)]! + nameFrom(random, 2 + Math.floor(random() * 3)), WELL_KNOWN_PACKAGES);
    this.packages = Weighted.zipf(packages, 1.0);
    this.apps = Weighted.zipf(APPS, 1.1);
    const specs: TopicSpec[] = [];
    APPS.forEach((app, rank) => {
      const total = app.events.reduce((sum, event) => sum + event[1], 0);
      for (const event of app.events) {
        // Staging carries a trickle of the same events.
        for (const [environment, fraction] of [['prod', 0.97], ['stg', 0.03]] as const) {
          const topic = `org.fedoraproject.${environment}.${app.app}.${event[0]}`;
          specs.push({ topic, category: categoryOf(topic)!, share: this.apps.share(rank) * (event[1] / total) * fraction, app, event });
        }
      }
    });
    this.topicChoice = new Weighted(specs, specs.map((spec) => spec.share));
    this.topics = specs.map(({ topic, category, share }) => ({ topic, category, share }));
  }

  /** The records in time order, `size` at a time; every call starts again from the first. */
  *batches(size: number): Generator<ArchiveRecord[]> {
    const random = seededRandom(this.seed);
    for (let from = 0; from < this.messages; from += size) {
      const batch: ArchiveRecord[] = [];
      for (let i = from; i < Math.min(this.messages, from + size); i++) batch.push(this.record(i, random));
      yield batch;
    }
  }

  private record(index: number, random: () => number): ArchiveRecord {
    const spec = this.topicChoice.draw(random);
    const [event, , [usersMin, usersMax], [packagesMin, packagesMax]] = spec.event;
    const count = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
    const usernames = [...new Set(Array.from({ length: count(usersMin, usersMax) }, () => this.users.draw(random)))];
    const packages = [...new Set(Array.from({ length: count(packagesMin, packagesMax) }, () => this.packages.draw(random)))];
    const groups = spec.app.app === 'fas' && event.startsWith('group') ? [GROUPS[Math.floor(random() * GROUPS.length)]!] : [];
    const roll = random();
    const agent = roll < 0.85 ? (usernames[0] ?? spec.app.bot) : null;
    const time = ARCHIVE_START + Math.floor(((index + random()) * ARCHIVE_SPAN_MS) / this.messages);
    const severityRoll = random();
    const severity = severityRoll < 0.9 ? 20 : severityRoll < 0.94 ? 10 : severityRoll < 0.99 ? 30 : 40;
    const schema = `${spec.app.app}.${event}`;
    const headers: Record<string, string | number | boolean> = {
      fedora_messaging_schema: schema,
      fedora_messaging_schema_package: spec.app.app,
      'sent-at': new Date(time).toISOString().slice(0, 19) + '+00:00',
      fedora_messaging_severity: severity,
      priority: 0,
    };
    for (const user of usernames) headers[`fedora_messaging_user_${user}`] = true;
    for (const name of packages) headers[`fedora_messaging_rpm_${name}`] = true;
    for (const group of groups) headers[`fedora_messaging_group_${group}`] = true;
    const body = this.body(spec.app.app, event, agent, usernames, packages, groups, random);
    return { id: uuid(random), time, topic: spec.topic, category: spec.category, severity, schema, agent, headers, body, raw: false, usernames, packages, groups };
  }

  /** The body's JSON: the app's fields, then prose until it is 300–1500 bytes long. */
  private body(app: string, event: string, agent: string | null, users: string[], packages: string[], groups: string[], random: () => number): string {
    const nvr = (name: string): string => `${name}-${1 + Math.floor(random() * 9)}.${Math.floor(random() * 20)}.${Math.floor(random() * 10)}-${1 + Math.floor(random() * 3)}.fc${40 + Math.floor(random() * 3)}`;
    const fields: Record<string, unknown> = { agent };
    switch (app) {
      case 'buildsys':
      case 'copr':
        Object.assign(fields, { build_id: Math.floor(random() * 3e6), task_id: Math.floor(random() * 1.2e8), owner: users[0] ?? null, instance: 'primary', attribute: 'state', old: Math.floor(random() * 4), new: Math.floor(random() * 4), name: packages[0] ?? null, nvr: packages[0] ? nvr(packages[0]) : null, arch: ['x86_64', 'aarch64', 'ppc64le', 's390x', 'noarch'][Math.floor(random() * 5)], tag: `f${40 + Math.floor(random() * 3)}-updates-candidate` });
        break;
      case 'bodhi':
        Object.assign(fields, { update: { alias: `FEDORA-${2023 + Math.floor(random() * 3)}-${hex(random, 10)}`, builds: packages.map((name) => ({ nvr: nvr(name) })), user: { name: users[0] ?? null }, type: ['bugfix', 'security', 'enhancement', 'newpackage'][Math.floor(random() * 4)], status: event.split('.').at(-1), karma: Math.floor(random() * 7) - 2, release: { name: `F${40 + Math.floor(random() * 3)}` } }, comment: users.length > 1 ? { user: { name: users[1] }, karma: random() < 0.5 ? 1 : 0 } : null });
        break;
      case 'git':
        Object.assign(fields, { commit: { username: users[0] ?? null, repo: packages[0] ?? null, namespace: 'rpms', branch: random() < 0.6 ? 'rawhide' : `f${40 + Math.floor(random() * 3)}`, rev: hex(random, 40), stats: { files: { [`${packages[0] ?? 'x'}.spec`]: { additions: Math.floor(random() * 40), deletions: Math.floor(random() * 20) } } } } });
        break;
      case 'fas':
        Object.assign(fields, { user: users.at(-1) ?? null, group: groups[0] ?? null, fields: random() < 0.5 ? ['timezone', 'ircnick'] : ['gpg_keys'] });
        break;
      default:
        Object.assign(fields, { users, packages, id: Math.floor(random() * 1e7), url: `https://${app}.fedoraproject.org/${hex(random, 8)}` });
    }
    const target = 300 + Math.floor(1200 * Math.pow(random(), 1.5));
    const textKey = app === 'git' ? 'message' : app === 'bodhi' ? 'notes' : 'text';
    const room = Math.max(40, target - JSON.stringify(fields).length - textKey.length - 6);
    fields[textKey] = this.prose(room, packages, random);
    return JSON.stringify(fields);
  }

  private prose(length: number, packages: string[], random: () => number): string {
    const parts: string[] = [];
    let size = 0;
    let sentence = 0;
    while (size < length) {
      const roll = random();
      let word =
        roll < 0.01 ? `CVE-${2023 + Math.floor(random() * 3)}-${1000 + Math.floor(random() * 50000)}`
        : roll < 0.02 ? `rhbz#${2_000_000 + Math.floor(random() * 400_000)}`
        : roll < 0.04 && packages.length ? packages[0]!
        : this.words.draw(random);
      if (sentence === 0) word = word[0]!.toUpperCase() + word.slice(1);
      if (++sentence > 8 + random() * 10) {
        word += '.';
        sentence = 0;
      }
      parts.push(word);
      size += word.length + 1;
    }
    return parts.join(' ').slice(0, length);
  }
}
