/**
 * Source control (dist-git): commits pushed (`git.receive`, one message per commit), branches
 * created, sources uploaded to the lookaside cache, and the release-engineering branching runs.
 * Old messages put the repository and branch in the topic (`git.receive.valgrind.master`); these
 * schemas read them from the body first and from the topic when the body does not say.
 */
import type { JsonSchemaObject, Message } from '../../message/index.js';
import { schemaFamily, type AppSchema } from '../app-schema.js';
import { nameOf, need, present, record, text, texts, type JsonObject } from '../body.js';
import { body, boolean, nullable, number, object, string } from '../json-schema.js';
import { topicTail } from '../words.js';

const SRC = 'https://src.fedoraproject.org';

const define = schemaFamily('git', {
  app: () => 'dist-git',
  agent: (m) => nameOf(m.body['agent']) ?? null,
  usernames: (m) => present(nameOf(m.body['agent'])),
  packages: () => [],
  url: () => null,
});

/** `valgrind` and `master` of `git.receive.valgrind.master` (or of `git.branch.valgrind.master`). */
function fromTopic(m: Message): { repo: string | undefined; branch: string | undefined } {
  const tail = topicTail(m.topic, 2);
  return tail.length >= 2 ? { repo: tail.slice(0, -1).join('.'), branch: tail[tail.length - 1] } : { repo: undefined, branch: undefined };
}

/** The fact a repository's namespace makes its name: rpms are packages, containers containers… */
function inNamespace(namespace: string, fact: 'packages' | 'containers' | 'modules' | 'flatpaks'): boolean {
  const facts: Record<string, string> = {
    rpms: 'packages',
    'rpms-checks': 'packages',
    container: 'containers',
    containers: 'containers',
    modules: 'modules',
    flatpaks: 'flatpaks',
  };
  return facts[namespace] === fact;
}

/** The namespace stated in the body, if any (`namespace` of the commit, or of the body). */
function statedNamespace(m: Message, where: JsonObject | undefined): string | undefined {
  return text(where, 'namespace') ?? text(m.body, 'namespace');
}

const commit = (m: Message): JsonObject => need(record(m.body, 'commit'), 'commit');
const commitRepo = (m: Message): string => need(text(m.body, 'commit', 'repo') ?? fromTopic(m).repo, 'repository');
/**
 * The commit's namespace. fedmsg's bodies had none and were all dist-git `rpms`; a body that says
 * `"namespace": null` is from a repository outside any namespace (the hook on another forge).
 */
const commitNamespace = (m: Message): string => {
  const c = record(m.body, 'commit');
  if (c !== undefined && Object.hasOwn(c, 'namespace') && c['namespace'] === null) return '';
  return statedNamespace(m, c) ?? 'rpms';
};

function repoFact(name: (m: Message) => string, namespace: (m: Message) => string, fact: 'packages' | 'containers' | 'modules' | 'flatpaks') {
  return (m: Message): string[] => (inNamespace(namespace(m), fact) ? [name(m)] : []);
}

/**
 * Line counts, per file and in total: `insertions` in fedmsg's bodies, `additions` in the git hook's.
 * Per-file entries are not checked further than the hook's own schema checks them.
 */
const lineCounts = { files: number, insertions: number, additions: number, deletions: number, lines: number };
const person = object({ name: string, email: string, date: string });

const receive = define({
  name: 'git.receive.v1',
  // The names of the body Fedora's fedora-messaging git hook sends (and Tidings' hook too).
  aliases: ['fedora_messaging_git_hook.commit.v1', 'fedora_messaging_git_hook_messages.commit:CommitV1'],
  description: 'A commit was pushed to a repository (one message per new commit).',
  topics: ['git.receive', 'git.receive.#'],
  bodySchema: body(
    'A commit pushed to a dist-git repository. name/email are the author; username is the account that pushed.',
    {
      agent: string,
      commit: object(
        {
          repo: string,
          namespace: nullable(string),
          branch: string,
          rev: string,
          name: string,
          email: string,
          username: string,
          author: person,
          committer: person,
          parents: { type: 'array', items: string },
          date: string,
          summary: string,
          message: string,
          stats: object({ files: { type: 'object', description: 'path → {insertions|additions, deletions, lines}' }, total: object(lineCounts) }),
          patch: string,
          url: nullable(string),
          seen: boolean,
        },
        ['branch', 'rev'],
      ),
    },
    ['commit'],
  ),
  example: {
    agent: 'alice',
    commit: {
      repo: 'python-httpx', namespace: 'rpms', branch: 'rawhide', rev: '0f7c3e1d9b2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e',
      name: 'Alice Example', email: 'alice@example.org', username: 'alice', committer: { name: 'Alice Example', email: 'alice@example.org' },
      date: '2024-06-28T10:15:00+02:00', summary: 'Update to 0.27.0', message: 'Update to 0.27.0\n\nFixes rhbz#2291234\n',
      stats: {
        files: { 'python-httpx.spec': { insertions: 3, deletions: 2, lines: 5 }, sources: { insertions: 1, deletions: 1, lines: 2 } },
        total: { files: 2, insertions: 4, deletions: 3, lines: 7 },
      },
    },
  },
  summary: (m) => {
    const c = commit(m);
    const user = text(c, 'username') ?? text(c, 'email') ?? nameOf(m.body['agent']) ?? 'somebody';
    const namespace = statedNamespace(m, c);
    const repo = namespace ? `${namespace}/${commitRepo(m)}` : commitRepo(m);
    let summary = text(c, 'summary') ?? (text(c, 'message') ?? '').split('\n')[0]!;
    if (summary.trim() !== (text(c, 'message') ?? summary).trim()) summary += ' (..more)';
    return `${user} pushed to ${repo} (${text(c, 'branch') ?? fromTopic(m).branch}).  "${summary}"`;
  },
  url: (m) => {
    const c = commit(m);
    // Today's bodies state the link (null where the repository has no web view); fedmsg's did not.
    if (Object.hasOwn(c, 'url')) return text(c, 'url') ?? null;
    if (commitNamespace(m) === '') return null;
    return `${SRC}/${commitNamespace(m)}/${commitRepo(m)}/c/${need(text(c, 'rev'), 'revision')}?branch=${text(c, 'branch') ?? fromTopic(m).branch}`;
  },
  agent: (m) => nameOf(m.body['agent']) ?? text(m.body, 'commit', 'username') ?? null,
  usernames: (m) => present(nameOf(m.body['agent']), text(m.body, 'commit', 'username')),
  packages: repoFact(commitRepo, commitNamespace, 'packages'),
  containers: repoFact(commitRepo, commitNamespace, 'containers'),
  modules: repoFact(commitRepo, commitNamespace, 'modules'),
  flatpaks: repoFact(commitRepo, commitNamespace, 'flatpaks'),
});

const branchRepo = (m: Message): string => need(text(m.body, 'name') ?? fromTopic(m).repo, 'repository');
const branchNamespace = (m: Message): string => text(m.body, 'namespace') ?? 'rpms';

const branch = define({
  name: 'git.branch.v1',
  description: 'A branch was created in a repository.',
  topics: ['git.branch', 'git.branch.#'],
  bodySchema: body('A branch was created.', { agent: string, name: string, branch: string, namespace: string }, ['agent']),
  example: { agent: 'alice', namespace: 'rpms', name: 'python-httpx', branch: 'epel10' },
  summary: (m) => {
    const namespace = text(m.body, 'namespace');
    const repo = namespace ? `${namespace}/${branchRepo(m)}` : branchRepo(m);
    return `${need(nameOf(m.body['agent']), 'agent')} created branch '${text(m.body, 'branch') ?? fromTopic(m).branch}' for the '${repo}' package`;
  },
  url: (m) => `${SRC}/${branchNamespace(m)}/${branchRepo(m)}/commits/${need(text(m.body, 'branch') ?? fromTopic(m).branch, 'branch')}`,
  packages: repoFact(branchRepo, branchNamespace, 'packages'),
  containers: repoFact(branchRepo, branchNamespace, 'containers'),
  modules: repoFact(branchRepo, branchNamespace, 'modules'),
  flatpaks: repoFact(branchRepo, branchNamespace, 'flatpaks'),
});

const lookasideNamespace = (m: Message): string => text(m.body, 'namespace') ?? 'rpms';
const lookasideName = (m: Message): string => need(text(m.body, 'name'), 'name');

const lookaside = define({
  name: 'git.lookaside.new.v1',
  description: 'A source file was uploaded to the lookaside cache of a package.',
  topics: ['git.lookaside.new', 'git.lookaside.*.new'],
  bodySchema: body(
    'A source file was uploaded to the lookaside cache. The checksum is md5sum (old) or hash with hashtype.',
    { agent: string, name: string, namespace: string, filename: string, md5sum: string, hash: string, hashtype: string, path: string },
    ['agent', 'name', 'filename'],
  ),
  example: { agent: 'alice', namespace: 'rpms', name: 'python-httpx', filename: 'httpx-0.27.0.tar.gz', hashtype: 'sha512', hash: 'd2a4…e91f' },
  summary: (m) => `${need(nameOf(m.body['agent']), 'agent')} uploaded ${text(m.body, 'filename')} for ${lookasideName(m)}`,
  url: (m) => {
    const stated = text(m.body, 'path');
    const prefix = `${SRC}/lookaside/pkgs`;
    if (stated) return `${prefix}/${stated}`;
    const filename = need(text(m.body, 'filename'), 'filename');
    const md5 = text(m.body, 'md5sum');
    if (md5) return `${prefix}/${lookasideName(m)}/${filename}/${md5}/${filename}`;
    const hash = `${need(text(m.body, 'hashtype'), 'hash type')}/${need(text(m.body, 'hash'), 'hash')}`;
    return `${prefix}/${lookasideNamespace(m)}/${lookasideName(m)}/${filename}/${hash}/${filename}`;
  },
  packages: repoFact(lookasideName, lookasideNamespace, 'packages'),
  containers: repoFact(lookasideName, lookasideNamespace, 'containers'),
});

function runSchema(run: 'mass_branch' | 'pkgdb2branch', phase: 'start' | 'complete'): AppSchema {
  const label = run === 'mass_branch' ? 'mass branch' : 'run of pkgdb2branch';
  const lists = phase === 'complete' && run === 'pkgdb2branch';
  const packageList = nullable({ type: 'array', items: string });
  const properties: Record<string, JsonSchemaObject> = lists ? { agent: string, branchedPackages: packageList, unbranchedPackages: packageList } : { agent: string };
  return define({
    name: `git.${run}.${phase}.v1`,
    description: `A ${label} (creating the branches of a new release) ${phase === 'start' ? 'started' : 'completed'}.`,
    topics: [`git.${run}.${phase}`],
    bodySchema: body(`A ${label} ${phase === 'start' ? 'started' : 'completed'}.`, properties, ['agent']),
    example: lists ? { agent: 'releng', branchedPackages: ['python-httpx'], unbranchedPackages: [] } : { agent: 'releng' },
    summary: (m) => {
      const who = nameOf(m.body['agent']) ?? '(somebody)';
      if (phase === 'start') return run === 'mass_branch' ? `${who} started a mass branch` : `${who} started a run of pkgdb2branch`;
      const errors = texts(m.body, 'unbranchedPackages').length;
      return `${label} started by ${who} completed${errors === 0 ? '' : errors === 1 ? ' with 1 error' : ` with ${errors} errors`}`;
    },
    packages: (m) => [...texts(m.body, 'branchedPackages'), ...texts(m.body, 'unbranchedPackages')],
  });
}

/** Every source-control schema. */
export const gitSchemas: readonly AppSchema[] = [
  receive,
  branch,
  lookaside,
  runSchema('mass_branch', 'start'),
  runSchema('mass_branch', 'complete'),
  runSchema('pkgdb2branch', 'start'),
  runSchema('pkgdb2branch', 'complete'),
];
