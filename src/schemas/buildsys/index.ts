/**
 * The build system (Koji): builds, tasks, tags, repositories, package lists and signatures. Bodies
 * are those of the koji-fedoramessaging plugin; the older fedmsg plugin's bodies (no `url`, no
 * `epoch`, a signature's rpm under `info`) are accepted too. Users, packages and links follow the
 * koji-fedoramessaging-messages package where it defines them and fedmsg's metadata where it does not.
 */
import { Severity, type Message } from '../../message/index.js';
import { schemaFamily, type AppSchema } from '../app-schema.js';
import { at, list, need, present, record, text } from '../body.js';
import { body, boolean, integer, nullable, object, string } from '../json-schema.js';
import { series } from '../words.js';
import {
  BUILD_STATE_EVENTS,
  instanceSuffix,
  kojiAliases,
  kojiPage,
  TASK_STATE_EVENTS,
} from './koji.js';

const define = schemaFamily('buildsys', {
  app: () => 'Koji',
  agent: (m) => text(m.body, 'owner') ?? null,
  usernames: (m) => present(text(m.body, 'owner')),
  packages: () => [],
});

const owner = nullable(string);
const instance = { ...string, description: 'primary, or the secondary hub that sent it (s390, arm…)' };

function nvr(m: Message): string {
  return `${need(text(m.body, 'name'), 'name')}-${text(m.body, 'version')}-${text(m.body, 'release')}`;
}

/** `ralph's ` when the body names an owner, nothing when it does not. */
function ownerPrefix(m: Message): string {
  const name = text(m.body, 'owner');
  return name ? `${name}'s ` : '';
}

const buildStateChange = define({
  name: 'buildsys.build.state.change.v1',
  aliases: kojiAliases('build', 'BuildStateChangeV1'),
  description: 'A build changed state: started building, completed, was deleted, failed or was cancelled.',
  topics: ['buildsys.build.state.change'],
  bodySchema: body(
    'A Koji build changed state. new/old are Koji build states: 0 building, 1 complete, 2 deleted, 3 failed, 4 canceled.',
    {
      name: string,
      version: string,
      release: string,
      epoch: nullable({ type: ['string', 'integer'] }),
      attribute: string,
      build_id: nullable(integer),
      task_id: nullable(integer),
      task: nullable({ type: 'object' }),
      request: { type: 'array' },
      old: nullable(integer),
      new: integer,
      owner,
      instance,
      url: nullable(string),
      creation_time: nullable({ type: ['string', 'number'] }),
      completion_time: nullable({ type: ['string', 'number'] }),
    },
    ['name', 'version', 'release', 'new'],
  ),
  example: {
    name: 'kernel', version: '6.9.7', release: '200.fc40', epoch: null, attribute: 'state',
    build_id: 2487611, task_id: 119872401, task: null, request: [], old: 0, new: 1, owner: 'jforbes',
    instance: 'primary', url: 'https://koji.fedoraproject.org/koji/buildinfo?buildID=2487611',
    creation_time: '2024-06-27T14:02:11+00:00', completion_time: '2024-06-27T17:40:53+00:00',
  },
  summary: (m) => {
    const state = need(at(m.body, 'new'), 'new state');
    const event = typeof state === 'number' ? BUILD_STATE_EVENTS[state] : undefined;
    return `${ownerPrefix(m)}${nvr(m)} ${event ?? `changed to state ${String(state)}`}${instanceSuffix(m)}`;
  },
  url: (m) => text(m.body, 'url') ?? kojiPage(m, 'buildinfo', 'buildID', at(m.body, 'build_id')),
  packages: (m) => present(text(m.body, 'name')),
});

/** The build targets a task's request names (`f40-candidate`), skipping the source it builds. */
function taskTargets(m: Message): string[] {
  return list(m.body, 'info', 'request').filter(
    (item): item is string => typeof item === 'string' && item !== '' && !item.endsWith('.rpm') && !item.includes('/'),
  );
}

function isScratch(m: Message): boolean {
  const request = list(m.body, 'info', 'request');
  // The fedmsg plugin announced scratch builds' tasks only, without the task's request.
  if (request.length === 0) return true;
  return request.some((item) => record(item)?.['scratch'] === true);
}

const taskStateChange = define({
  name: 'buildsys.task.state.change.v1',
  aliases: kojiAliases('task', 'TaskStateChangeV1'),
  description: 'A task changed state (scratch builds, and every other task the hub runs).',
  topics: ['buildsys.task.state.change'],
  bodySchema: body(
    'A Koji task changed state; new/old are task state names (FREE, OPEN, CLOSED, CANCELED, ASSIGNED, FAILED).',
    {
      id: integer,
      method: string,
      info: object({ id: integer, url: string, method: string, arch: string, request: { type: 'array' } }),
      attribute: string,
      old: nullable(string),
      new: string,
      owner,
      srpm: nullable(string),
      base_url: string,
      files_base_url: string,
      instance,
    },
    ['id', 'method', 'new'],
  ),
  example: {
    id: 119872555, method: 'build', attribute: 'state', old: 'OPEN', new: 'CLOSED', owner: 'alice',
    srpm: 'python-requests-2.32.3-1.fc41.src.rpm', instance: 'primary',
    base_url: 'https://koji.fedoraproject.org', files_base_url: 'https://kojipkgs.fedoraproject.org',
    info: {
      id: 119872555, method: 'build', arch: 'noarch', url: 'https://koji.fedoraproject.org/koji/taskinfo?taskID=119872555',
      request: ['cli-build/1719497000.1.abc/python-requests-2.32.3-1.fc41.src.rpm', 'rawhide', { scratch: true }],
    },
  },
  summary: (m) => {
    const state = need(text(m.body, 'new'), 'new state');
    const event = TASK_STATE_EVENTS[state] ?? `changed to ${state}`;
    const method = need(text(m.body, 'method'), 'method');
    const srpm = text(m.body, 'srpm');
    if (method !== 'build') return `${ownerPrefix(m)}${method} task ${text(m.body, 'id')} ${event}${instanceSuffix(m)}`;
    const targets = taskTargets(m);
    const target = targets.length > 0 ? ` for ${series([...new Set(targets)])}` : '';
    const kind = isScratch(m) ? 'scratch build' : 'build';
    return `${ownerPrefix(m)}${kind} of ${srpm ?? `task ${text(m.body, 'id')}`}${target} ${event}${instanceSuffix(m)}`;
  },
  url: (m) => text(m.body, 'info', 'url') ?? kojiPage(m, 'taskinfo', 'taskID', at(m.body, 'id')),
});

const tagProperties = {
  name: string,
  version: string,
  release: string,
  build_id: integer,
  tag: string,
  tag_id: integer,
  user: string,
  owner,
  instance,
};

function tagSchema(event: 'tag' | 'untag'): AppSchema {
  const tagged = event === 'tag' ? 'tagged into' : 'untagged from';
  return define({
    name: `buildsys.${event}.v1`,
    aliases: kojiAliases('tag', event === 'tag' ? 'TagV1' : 'UntagV1'),
    description: `A build was ${tagged} a tag.`,
    topics: [`buildsys.${event}`],
    severity: Severity.DEBUG,
    // Nothing is required, as in koji-fedoramessaging-messages: a stricter schema would dead-letter what Python accepts.
    bodySchema: body(`A build was ${tagged} a tag by a user.`, tagProperties),
    example: {
      name: 'kernel', version: '6.9.7', release: '200.fc40', build_id: 2487611, tag: 'f40-updates-testing-pending',
      tag_id: 6245, user: 'bodhi', owner: 'jforbes', instance: 'primary',
    },
    summary: (m) => {
      const by = text(m.body, 'user');
      return `${ownerPrefix(m)}${nvr(m)} ${tagged} ${need(text(m.body, 'tag'), 'tag')}${by ? ` by ${by}` : ''}${instanceSuffix(m)}`;
    },
    url: (m) => kojiPage(m, 'taginfo', 'tagID', at(m.body, 'tag_id')),
    agent: (m) => text(m.body, 'user') ?? null,
    usernames: (m) => present(text(m.body, 'user'), text(m.body, 'owner')),
    packages: (m) => present(text(m.body, 'name')),
  });
}

function repoSchema(event: 'init' | 'done'): AppSchema {
  const what = event === 'init' ? 'initialized' : 'done';
  return define({
    name: `buildsys.repo.${event}.v1`,
    aliases: kojiAliases('repo', event === 'init' ? 'InitV1' : 'DoneV1'),
    description: event === 'init' ? 'Koji started regenerating the repository of a build tag.' : 'The repository of a build tag is ready.',
    topics: [`buildsys.repo.${event}`],
    severity: Severity.DEBUG,
    bodySchema: body(`The repository of a build tag is ${what}.`, { repo_id: integer, tag: string, tag_id: integer, instance }),
    example: { repo_id: 5968443, tag: 'f41-build', tag_id: 6438, instance: 'primary' },
    summary: (m) => `Repo ${what}:  ${text(m.body, 'tag') ?? 'unknown'}${instanceSuffix(m)}`,
    url: (m) => kojiPage(m, 'taginfo', 'tagID', at(m.body, 'tag_id')),
    usernames: () => [],
  });
}

const packageListChange = define({
  name: 'buildsys.package.list.change.v1',
  aliases: kojiAliases('package', 'ListChangeV1'),
  description: "A tag's package list changed: a package was added, blocked, unblocked or removed, or its owner changed.",
  topics: ['buildsys.package.list.change'],
  severity: Severity.DEBUG,
  bodySchema: body(
    "A tag's package list changed.",
    {
      package: string,
      tag: string,
      action: string,
      owner,
      block: nullable(boolean),
      force: nullable(boolean),
      update: nullable(boolean),
      extra_arches: nullable(string),
      instance,
    },
  ),
  example: {
    package: 'python-httpx', tag: 'f41', action: 'add', owner: 'alice',
    block: false, force: false, update: false, extra_arches: null, instance: 'primary',
  },
  summary: (m) => `Package list change for ${need(text(m.body, 'package'), 'package')}:  '${text(m.body, 'tag') ?? 'unknown'}'${instanceSuffix(m)}`,
  url: () => null,
  packages: (m) => present(text(m.body, 'package')),
});

const rpmProperties = object({ name: string, version: string, release: string, arch: string, build_id: integer, sigkey: string });

/** The signed rpm: `rpm` in today's bodies, `info` in the fedmsg plugin's. */
function signedRpm(m: Message): Record<string, unknown> {
  return need(record(m.body, 'rpm') ?? record(m.body, 'info'), 'rpm');
}

const rpmSign = define({
  name: 'buildsys.rpm.sign.v1',
  aliases: kojiAliases('rpm', 'SignV1'),
  description: "An rpm of a build was signed with one of the distribution's keys.",
  topics: ['buildsys.rpm.sign'],
  severity: Severity.DEBUG,
  bodySchema: body('An rpm was signed: the rpm under "rpm" (koji-fedoramessaging) or "info" (the fedmsg plugin).', {
    rpm: rpmProperties,
    info: rpmProperties,
    build: object({ id: integer, name: string, owner_name: string }),
    sigkey: string,
    sighash: string,
    attribute: string,
    old: nullable(string),
    new: string,
    instance,
  }),
  example: {
    instance: 'primary', sigkey: 'a15b79cc', sighash: '8f84058e6bbcae89701271e8b0c43d1d',
    rpm: { name: 'kernel-core', version: '6.9.7', release: '200.fc40', arch: 'x86_64', build_id: 2487611, id: 38759921 },
    build: { id: 2487611, name: 'kernel', nvr: 'kernel-6.9.7-200.fc40', owner_name: 'jforbes' },
  },
  summary: (m) => {
    const rpm = signedRpm(m);
    const sigkey = text(m.body, 'sigkey') ?? text(rpm, 'sigkey') ?? 'unknown';
    return `Koji build ${text(rpm, 'name')}-${text(rpm, 'version')}-${text(rpm, 'release')}.${text(rpm, 'arch')}.rpm signed with sigkey '${sigkey}'`;
  },
  url: (m) => kojiPage(m, 'buildinfo', 'buildID', at(signedRpm(m), 'build_id') ?? at(m.body, 'build', 'id')),
  agent: (m) => text(m.body, 'build', 'owner_name') ?? null,
  usernames: (m) => present(text(m.body, 'build', 'owner_name')),
  // The build's package when the body names the build; the rpm (a subpackage, maybe) otherwise.
  packages: (m) => present(text(m.body, 'build', 'name') ?? text(signedRpm(m), 'name')),
});

/** Every build-system schema. */
export const buildsysSchemas: readonly AppSchema[] = [
  buildStateChange,
  taskStateChange,
  tagSchema('tag'),
  tagSchema('untag'),
  repoSchema('init'),
  repoSchema('done'),
  packageListChange,
  rpmSign,
];
