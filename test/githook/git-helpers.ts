/**
 * Real git for the hook's tests: a bare "server" repository whose hooks/post-receive runs
 * `tidings git-hook post-receive`, working clones, commits with fixed people and dates, and pushes.
 * Hermetic: no system or global git configuration, fixed identities, `main` as the first branch.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN, makeTempDir } from '../helpers/processes.js';

export const AUTHOR = { name: 'Alice Author', email: 'alice@example.org', date: '2024-07-30T19:12:22+02:00' };
export const COMMITTER = { name: 'Carol Committer', email: 'carol@example.org', date: '2024-07-31T08:00:00+00:00' };

/** The environment of every git command (and so of the hook git runs): ours minus test-runner and TIDINGS_ settings. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('TIDINGS_') || key.startsWith('GIT_') || key === 'NODE_TEST_CONTEXT' || key === 'NODE_OPTIONS') continue;
    if (key === 'GL_USER' || key === 'REMOTE_USER') continue;
    env[key] = value;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_AUTHOR_DATE: AUTHOR.date,
    GIT_COMMITTER_NAME: COMMITTER.name,
    GIT_COMMITTER_EMAIL: COMMITTER.email,
    GIT_COMMITTER_DATE: COMMITTER.date,
    ...extra,
  };
}

export interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs git in `cwd`; fails loudly unless it exits 0 (or `allowFailure`). */
export function git(
  cwd: string,
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string; allowFailure?: boolean } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['-c', 'user.name=Nobody', '-c', 'user.email=nobody@example.org', '-c', 'init.defaultBranch=main', ...args],
      { cwd, env: gitEnv(options.env), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (code !== 0 && !options.allowFailure) {
          reject(new Error(`git ${args.join(' ')} in ${cwd} exited ${code}:\n${stderr}`));
          return;
        }
        resolve({ code, stdout, stderr });
      },
    );
    // git may exit without reading its stdin (e.g. a command that takes none): that is not an error here.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

export async function revParse(cwd: string, rev: string): Promise<string> {
  return (await git(cwd, ['rev-parse', rev])).stdout.trim();
}

export interface Server {
  /** The bare repository. */
  readonly path: string;
  readonly spool: string;
  /** Clones it into a new working directory. */
  clone(): Promise<string>;
}

/**
 * A bare repository at `<temp>/<relativePath>` whose post-receive is the one line the docs give:
 * `exec tidings git-hook post-receive --url URL …`.
 */
export async function makeServer(url: string, hookArgs: readonly string[] = [], relativePath = 'srv/project.git'): Promise<Server> {
  const root = makeTempDir('tidings-githook-');
  const path = join(root, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  await git(root, ['init', '--quiet', '--bare', path]);
  const quoted = [process.execPath, BIN, 'git-hook', 'post-receive', '--url', url, ...hookArgs].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`);
  const hook = join(path, 'hooks', 'post-receive');
  writeFileSync(hook, `#!/bin/sh\nexec ${quoted.join(' ')}\n`);
  chmodSync(hook, 0o755);
  let clones = 0;
  return {
    path,
    spool: join(path, 'tidings-spool'),
    async clone() {
      const work = join(root, `work-${++clones}`);
      await git(root, ['clone', '--quiet', path, work]);
      return work;
    },
  };
}

/** Writes files (text or bytes) in a working tree and commits them; returns the new commit. */
export async function commit(work: string, files: Record<string, string | Buffer>, message: string): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(work, name)), { recursive: true });
    writeFileSync(join(work, name), content);
  }
  await git(work, ['add', '--all']);
  await git(work, ['commit', '--quiet', '--allow-empty', '-m', message]);
  return revParse(work, 'HEAD');
}

/** `git push` as a user runs it, with the pusher's name where gitolite puts it. */
export function push(work: string, args: readonly string[], pusher = 'alice'): Promise<GitResult> {
  return git(work, ['push', ...args], { env: { GL_USER: pusher }, allowFailure: true });
}

/**
 * `count` commits on a new branch `ref` in one process (git fast-import), each changing `bulk.txt`
 * and named `bulk <n>`; the branch is then in `work`.
 */
export async function fastImportCommits(work: string, ref: string, count: number, parent: string | null): Promise<void> {
  const blocks: string[] = [];
  const epoch = 1722412800;
  for (let n = 1; n <= count; n++) {
    const message = `bulk ${n}\n`;
    const content = `line ${n}\n`;
    blocks.push(
      `commit ${ref}\nmark :${n}\n` +
        `author ${AUTHOR.name} <${AUTHOR.email}> ${epoch + n} +0000\n` +
        `committer ${COMMITTER.name} <${COMMITTER.email}> ${epoch + n} +0000\n` +
        `data ${Buffer.byteLength(message)}\n${message}` +
        (n === 1 ? (parent ? `from ${parent}\n` : '') : `from :${n - 1}\n`) +
        `M 644 inline bulk.txt\ndata ${Buffer.byteLength(content)}\n${content}\n`,
    );
  }
  await git(work, ['fast-import', '--quiet'], { input: blocks.join('') });
}
