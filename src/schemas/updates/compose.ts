/**
 * Bodhi's pushes and everything around them: composes (the "masher" before 2018, whose `mashtask`
 * topics these schemas also read), repositories done, content synced to the mirrors, buildroot
 * overrides, and the stacks of Bodhi 2.
 */
import type { Message } from '../../message/index.js';
import type { AppSchema, AppSchemaDefinition } from '../app-schema.js';
import { at, list, need, present, record, text } from '../body.js';
import { account, arrayOf, body, boolean, object, string, stringList } from '../json-schema.js';
import { packageOfNvr, topicTail } from '../words.js';
import { BODHI, bodhiAliases, overrideNvr, requestedNvrs } from './bodhi.js';

type Define = (definition: AppSchemaDefinition) => AppSchema;

/** `masher` for the old `bodhi.mashtask.*` topics, `composer` for `bodhi.compose.*`. */
function isMasher(m: Message): boolean {
  return topicTail(m.topic, 0)[1] === 'mashtask';
}

const repo = (m: Message): string => text(m.body, 'repo') ?? 'unknown repo';

interface ComposePhase {
  readonly event: string;
  readonly className: string;
  /** The masher's topic for the same event (2014–2018). */
  readonly mashtaskTopic: string;
  readonly description: string;
  readonly summary: (m: Message) => string;
  readonly example: Record<string, unknown>;
}

const composeType = (m: Message): string => text(m.body, 'ctype') ?? 'unknown type';
const worker = (m: Message): string => (isMasher(m) ? 'masher' : 'composer');

const phases: readonly ComposePhase[] = [
  {
    event: 'start',
    className: 'ComposeStartV1',
    mashtaskTopic: 'bodhi.mashtask.start',
    description: 'The composer started a run.',
    summary: (m) => (isMasher(m) ? 'bodhi masher started a push' : 'bodhi composer started a run'),
    example: { agent: 'releng' },
  },
  {
    event: 'composing',
    className: 'ComposeComposingV1',
    mashtaskTopic: 'bodhi.mashtask.mashing',
    description: 'The composer started composing a repository.',
    summary: (m) => (isMasher(m) ? `bodhi masher started mashing ${repo(m)}` : `bodhi ${composeType(m)} compose of repo ${repo(m)} started`),
    example: { agent: 'releng', repo: 'f40-updates-testing', ctype: 'rpm', updates: ['python-httpx-0.27.0-1.fc40'] },
  },
  {
    event: 'sync.wait',
    className: 'ComposeSyncWaitV1',
    mashtaskTopic: 'bodhi.mashtask.sync.wait',
    description: 'The composer is waiting for a repository to reach the master mirror.',
    summary: (m) => `bodhi ${worker(m)} is waiting for ${repo(m)} to hit the master mirror`,
    example: { agent: 'releng', repo: 'f40-updates-testing' },
  },
  {
    event: 'sync.done',
    className: 'ComposeSyncDoneV1',
    mashtaskTopic: 'bodhi.mashtask.sync.done',
    description: 'A repository reached the master mirror.',
    summary: (m) => `bodhi ${worker(m)} finished waiting for ${repo(m)} to hit the master mirror`,
    example: { agent: 'releng', repo: 'f40-updates-testing' },
  },
  {
    event: 'complete',
    className: 'ComposeCompleteV1',
    mashtaskTopic: 'bodhi.mashtask.complete',
    description: 'The composer finished a repository, successfully or not.',
    summary: (m) => {
      const success = at(m.body, 'success');
      if (isMasher(m)) return success === true ? `bodhi masher successfully mashed ${repo(m)}` : `bodhi masher failed to mash ${repo(m)}`;
      const result = success === true ? 'succeeded' : success === false ? 'failed' : 'completed';
      return `bodhi ${composeType(m)} compose of repo ${repo(m)} ${result}`;
    },
    example: { agent: 'releng', repo: 'f40-updates-testing', ctype: 'rpm', success: true },
  },
];

function composeSchemas(define: Define): AppSchema[] {
  const properties = { agent: string, repo: string, ctype: string, updates: stringList, success: boolean };
  return [
    ...phases.map((phase) =>
      define({
        name: `bodhi.compose.${phase.event}.v1`,
        aliases: bodhiAliases('compose', phase.className),
        description: phase.description,
        topics: [`bodhi.compose.${phase.event}`, phase.mashtaskTopic],
        bodySchema: body(phase.description, properties),
        example: phase.example,
        summary: phase.summary,
        packages: () => [],
      }),
    ),
    define({
      name: 'bodhi.repo.done.v1',
      aliases: bodhiAliases('compose', 'RepoDoneV1'),
      description: 'A repository was composed and is ready to be signed or otherwise processed.',
      topics: ['bodhi.repo.done'],
      bodySchema: body('A composed repository is ready.', { agent: string, path: string, repo: string }, ['repo']),
      example: { agent: 'releng', path: '/mnt/koji/compose/updates/Fedora-40-updates-testing-20240627.0', repo: 'f40-updates-testing' },
      summary: (m) => `bodhi repo ${repo(m)} created`,
      packages: () => [],
    }),
    define({
      name: 'bodhi.composer.start.v1',
      description: 'Someone asked the composer (the masher before 2018) to push updates.',
      topics: ['bodhi.composer.start', 'bodhi.masher.start'],
      bodySchema: body('A push was requested.', {
        agent: string,
        updates: stringList,
        composes: arrayOf({ type: 'object' }),
        api_version: { type: 'integer' },
        resume: boolean,
      }),
      example: {
        agent: 'releng',
        api_version: 2,
        composes: [{ content_type: 'rpm', release_id: 28, request: 'stable', security: true }],
        resume: false,
      },
      summary: (m) => {
        const updates = list(m.body, 'updates');
        return `${text(m.body, 'agent') ?? 'somebody'} requested a mash of ${updates.length > 0 ? updates.length : 'some'} updates`;
      },
      packages: (m) => requestedNvrs(m).map(packageOfNvr),
    }),
  ];
}

/** Who submitted the override: `{"name": …}` today, a plain name before. */
function submitter(m: Message): string | undefined {
  const value = record(m.body, 'override')?.['submitter'];
  return typeof value === 'string' ? value : text(value, 'name');
}

function overrideSchema(define: Define, event: 'tag' | 'untag'): AppSchema {
  const verb = event === 'tag' ? 'submitted' : 'expired';
  return define({
    name: `bodhi.buildroot_override.${event}.v1`,
    aliases: bodhiAliases('buildroot_override', `BuildrootOverride${event === 'tag' ? 'Tag' : 'Untag'}V1`),
    description: event === 'tag' ? 'A buildroot override was created: the build is in the buildroot.' : 'A buildroot override expired or was removed.',
    topics: [`bodhi.buildroot_override.${event}`],
    bodySchema: body(
      `A buildroot override was ${event === 'tag' ? 'tagged into' : 'untagged from'} the buildroot.`,
      { override: object({ nvr: string, build: { anyOf: [string, object({ nvr: string }, ['nvr'])] }, submitter: account }, ['submitter']) },
      ['override'],
    ),
    example: { override: { nvr: 'python-httpx-0.27.0-1.fc40', submitter: { name: 'alice' } } },
    summary: (m) => `${need(submitter(m), 'submitter')} ${verb} a buildroot override for ${need(overrideNvr(m), 'build')}`,
    url: (m) => `${BODHI}/overrides/${need(overrideNvr(m), 'build')}`,
    agent: (m) => submitter(m) ?? null,
    packages: (m) => present(overrideNvr(m)).map(packageOfNvr),
  });
}

function stackSchema(define: Define, event: 'save' | 'delete'): AppSchema {
  return define({
    name: `bodhi.stack.${event}.v1`,
    description: event === 'save' ? 'A stack (a set of packages updated together, Bodhi 2) was created or changed.' : 'A stack was deleted.',
    topics: [`bodhi.stack.${event}`],
    bodySchema: body(
      'A stack changed.',
      { agent: string, stack: object({ name: string, packages: arrayOf(object({ name: string }, ['name'])) }, ['name']) },
      ['stack'],
    ),
    example: { agent: 'alice', stack: { name: 'gnome', packages: [{ name: 'gnome-shell' }, { name: 'mutter' }] } },
    summary: (m) => {
      const name = need(text(m.body, 'stack', 'name'), 'stack');
      return `${text(m.body, 'agent') ?? 'somebody'} ${event === 'save' ? 'updated' : 'deleted'} the "${name}" stack`;
    },
    url: (m) => `${BODHI}/stacks/${need(text(m.body, 'stack', 'name'), 'stack')}`,
    packages: (m) => present(...list(m.body, 'stack', 'packages').map((item) => text(item, 'name'))),
  });
}

/** `Fedora`, `EPEL`: the product of `bodhi.updates.<product>.sync`. */
function syncProduct(m: Message): string {
  const product = topicTail(m.topic, 2)[0] ?? 'unknown';
  return product === 'fedora' ? 'Fedora' : product === 'epel' ? 'EPEL' : product;
}

/** `30m` is the modular repository of release 30. */
function syncRelease(m: Message): { release: string; modular: boolean } {
  const release = need(text(m.body, 'release'), 'release');
  return release.endsWith('m') ? { release: release.slice(0, -1), modular: true } : { release, modular: false };
}

const updatesSync = (define: Define): AppSchema =>
  define({
    name: 'bodhi.updates.sync.v1',
    description: "New updates content was synced out to the mirrors' master (Fedora, EPEL).",
    topics: ['bodhi.updates.*.sync'],
    exampleTopic: 'bodhi.updates.fedora.sync',
    bodySchema: body('A repository was synced out.', { release: string, repo: string, bytes: string, raw_bytes: string, deleted: string }, ['release', 'repo']),
    example: { release: '40', repo: 'updates-testing', bytes: '1 GiB', raw_bytes: '1073741824', deleted: '120' },
    summary: (m) => {
      const { release, modular } = syncRelease(m);
      const repository = `${need(text(m.body, 'repo'), 'repo')}${modular ? ' modular' : ''}`;
      const change = `${text(m.body, 'bytes') ?? '?'} changed with ${text(m.body, 'deleted') ?? '?'} files deleted`;
      return `New ${syncProduct(m)} ${release} ${repository} content synced out (${change})`;
    },
    url: (m) => {
      const product = syncProduct(m).toLowerCase();
      const repository = need(text(m.body, 'repo'), 'repo');
      const { release, modular } = syncRelease(m);
      let link = `https://download.fedoraproject.org/pub/${product}/`;
      if (product === 'fedora') link += repository === 'atomic' ? 'linux/atomic/' : 'linux/updates/';
      if (repository.endsWith('testing')) link += 'testing/';
      link += `${release}/`;
      // Since Fedora 28, updates are split into Everything and Modular trees.
      if (product === 'fedora' && repository !== 'atomic' && (modular || Number(release) >= 28)) link += modular ? 'Modular/' : 'Everything/';
      return link;
    },
    agent: () => null,
    usernames: () => [],
    packages: () => [],
  });

/** Every compose, override, stack and sync schema. */
export function composeAndOtherSchemas(define: Define): AppSchema[] {
  return [
    ...composeSchemas(define),
    overrideSchema(define, 'tag'),
    overrideSchema(define, 'untag'),
    stackSchema(define, 'save'),
    stackSchema(define, 'delete'),
    updatesSync(define),
  ];
}
