/**
 * The post-receive hook as a git server runs it: real bare repositories, real `git push`, the hook
 * installed as the one line of docs/git-hook.md, a real `tidings serve`, and a real `tidings tail`
 * showing what the push announced.
 */
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, killAll, makeTempDir, startConsuming, startServe, type Proc, type Server as Serve } from '../helpers/processes.js';
import { PATCH_TRUNCATED_MARKER } from '../../src/githook/index.js';
import { AUTHOR, COMMITTER, commit, fastImportCommits, git, makeServer, push, revParse } from './git-helpers.js';

interface Line {
  id: string;
  topic: string;
  headers: Record<string, unknown>;
  body: Record<string, any>;
}

describe('tidings git-hook post-receive (real pushes, real serve, real tail)', { timeout: 120_000 }, () => {
  let serve: Serve;
  let env: Record<string, string>;

  before(async () => {
    serve = await startServe(join(makeTempDir(), 'data'));
    env = { TIDINGS_URL: serve.url };
  });
  afterEach(() => killAll([serve.proc]));
  after(cleanup);

  async function tail(pattern = 'git.#'): Promise<Proc> {
    return startConsuming(['tail', '--json', pattern], { env });
  }

  /** The tail's lines as messages, once `count` have arrived; then proves no more came with a sentinel push. */
  async function received(proc: Proc, count: number): Promise<Line[]> {
    return (await proc.waitForLines(count, 20_000)).map((line) => JSON.parse(line) as Line);
  }

  test('a push of several commits announces each new commit on git.receive, oldest first, with Fedora\'s body', async () => {
    const server = await makeServer(serve.url);
    const work = await server.clone();
    const first = await commit(work, { 'README.md': 'hello\n' }, 'Start the project');
    await push(work, ['origin', 'main']);
    const watcher = await tail();

    const revs = [
      await commit(work, { 'README.md': 'hello\nworld\n', 'src/a.c': 'int a;\n' }, 'Add a.c\n\nAnd say more in the README.'),
      await commit(work, { 'src/a.c': 'int a = 1;\n' }, 'Initialise a'),
      await commit(work, { 'src/b.c': 'int b;\n' }, 'Add b.c'),
    ];
    const pushed = await push(work, ['origin', 'main'], 'alice');
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stderr, /remote: tidings: 3 messages delivered to http:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(pushed.stderr, /warning/, 'every body satisfies its schema');

    const lines = await received(watcher, 3);
    assert.deepEqual(lines.map((line) => line.topic), ['git.receive', 'git.receive', 'git.receive']);
    assert.deepEqual(lines.map((line) => line.body['commit'].rev), revs, 'one message per new commit, oldest first, none of the old ones');
    assert.ok(!lines.some((line) => line.body['commit'].rev === first));

    const [message] = lines;
    const body = message!.body;
    assert.equal(message!.headers['fedora_messaging_schema'], 'fedora_messaging_git_hook.commit.v1');
    assert.equal(message!.headers['fedora_messaging_user_alice'], true, 'the pusher is declared as a user fact');
    assert.equal(body['agent'], 'alice', 'the pusher comes from GL_USER');
    assert.equal(body['forced'], false);
    const c = body['commit'];
    assert.deepEqual(
      {
        name: c.name, email: c.email, username: c.username, summary: c.summary, message: c.message,
        repo: c.repo, namespace: c.namespace, branch: c.branch, ref: c.ref, date: c.date, url: c.url,
        path: c.path, parents: c.parents, author: c.author, committer: c.committer,
      },
      {
        name: AUTHOR.name, email: AUTHOR.email, username: 'alice', summary: 'Add a.c',
        message: 'Add a.c\n\nAnd say more in the README.\n',
        repo: 'project', namespace: null, branch: 'main', ref: 'refs/heads/main', date: COMMITTER.date, url: null,
        path: server.path, parents: [first], author: AUTHOR, committer: COMMITTER,
      },
    );
    assert.deepEqual(c.stats, {
      files: {
        'README.md': { additions: 1, deletions: 0, lines: 1 },
        'src/a.c': { additions: 1, deletions: 0, lines: 1 },
      },
      total: { additions: 2, deletions: 0, lines: 2, files: 2 },
    });
    assert.equal(c.patch_truncated, false);
    assert.match(c.patch, /^diff --git a\/README\.md b\/README\.md\n/);
    assert.match(c.patch, /\n\+int a;\n/);
    assert.deepEqual(lines[1]!.body['commit'].stats.files, { 'src/a.c': { additions: 1, deletions: 1, lines: 2 } });
    assert.equal(readdirSync(server.spool).filter((name) => name.endsWith('.json')).length, 0, 'nothing left in the spool');
  });

  test('a new branch on existing commits is announced once, without re-announcing them; new commits on it are', async () => {
    const server = await makeServer(serve.url);
    const work = await server.clone();
    const base = await commit(work, { 'a.txt': '1\n' }, 'one');
    await push(work, ['origin', 'main']);
    const watcher = await tail();

    await git(work, ['branch', 'stable']);
    const onlyBranch = await push(work, ['origin', 'stable'], 'bob');
    assert.equal(onlyBranch.code, 0, onlyBranch.stderr);
    const [created] = await received(watcher, 1);
    assert.equal(created!.topic, 'git.branch.creation');
    assert.deepEqual(
      { ...created!.body, path: undefined },
      { agent: 'bob', repository: 'project', repo: 'project', namespace: null, path: undefined, ref: 'refs/heads/stable', branch: 'stable', rev: base, new_commits: 0 },
    );

    // A feature branch with one commit, pushed together with main pointing at that same commit:
    // the commit is new once, announced once (under the first ref of the push).
    await git(work, ['checkout', '--quiet', '-b', 'feature']);
    const feature = await commit(work, { 'b.txt': '2\n' }, 'two');
    await git(work, ['branch', '--force', 'main', 'feature']);
    const both = await push(work, ['origin', 'feature', 'main']);
    assert.equal(both.code, 0, both.stderr);
    const lines = (await received(watcher, 3)).slice(1);
    // git gives the hook the refs in its own order; the commit goes with whichever comes first.
    const creation = lines.find((line) => line.topic === 'git.branch.creation');
    const receipt = lines.find((line) => line.topic === 'git.receive');
    assert.equal(creation?.body['branch'], 'feature', JSON.stringify(lines));
    assert.equal(receipt?.body['commit'].rev, feature);
    assert.ok(['feature', 'main'].includes(receipt!.body['commit'].branch));
    // A sentinel shows nothing else came (main's fast-forward brought no commit that was not announced).
    await git(work, ['checkout', '--quiet', 'main']);
    const sentinel = await commit(work, { 'c.txt': '3\n' }, 'three');
    await push(work, ['origin', 'main']);
    const all = await received(watcher, 4);
    assert.equal(all.length, 4, all.map((line) => line.topic).join(', '));
    assert.equal(all[3]!.body['commit'].rev, sentinel);
  });

  test('a force push announces only commits new to the repository, flagged forced, after a git.branch.forced warning', async () => {
    const server = await makeServer(serve.url);
    const work = await server.clone();
    await commit(work, { 'a.txt': '1\n' }, 'one');
    const kept = await commit(work, { 'a.txt': '1\n2\n' }, 'two');
    const dropped = await commit(work, { 'a.txt': '1\n2\n3\n' }, 'three (to be rewritten)');
    await push(work, ['origin', 'main']);
    const watcher = await tail();

    await git(work, ['reset', '--quiet', '--hard', kept]);
    const rewritten = await commit(work, { 'a.txt': '1\n2\nthree\n' }, 'three, rewritten');
    const forced = await push(work, ['--force', 'origin', 'main']);
    assert.equal(forced.code, 0, forced.stderr);
    const lines = await received(watcher, 2);
    assert.equal(lines[0]!.topic, 'git.branch.forced');
    assert.equal(lines[0]!.headers['fedora_messaging_severity'], 30, 'a rewritten branch is a warning');
    assert.deepEqual(
      { old: lines[0]!.body['old_rev'], rev: lines[0]!.body['rev'], added: lines[0]!.body['new_commits'], dropped: lines[0]!.body['dropped_commits'] },
      { old: dropped, rev: rewritten, added: 1, dropped: 1 },
    );
    assert.equal(lines[1]!.topic, 'git.receive');
    assert.equal(lines[1]!.body['commit'].rev, rewritten, 'only the rewritten commit; "one" and "two" were known');
    assert.equal(lines[1]!.body['forced'], true);

    // Rewinding to a commit the repository had: no commit to announce, the forced update still is.
    await git(work, ['reset', '--quiet', '--hard', kept]);
    const rewound = await push(work, ['--force', 'origin', 'main']);
    assert.equal(rewound.code, 0, rewound.stderr);
    const rewind = (await received(watcher, 3))[2]!;
    assert.equal(rewind.topic, 'git.branch.forced');
    assert.deepEqual([rewind.body['rev'], rewind.body['new_commits'], rewind.body['dropped_commits']], [kept, 0, 1]);
  });

  test('deleting a branch or a tag announces the deletion and no commits; tags are announced with their annotation', async () => {
    const server = await makeServer(serve.url);
    const work = await server.clone();
    const base = await commit(work, { 'a.txt': '1\n' }, 'one');
    await push(work, ['origin', 'main']);
    await git(work, ['checkout', '--quiet', '-b', 'topic']);
    const onTopic = await commit(work, { 'b.txt': '2\n' }, 'two');
    await push(work, ['origin', 'topic']);
    const watcher = await tail();

    const deleted = await push(work, ['origin', '--delete', 'topic']);
    assert.equal(deleted.code, 0, deleted.stderr);
    const [deletion] = await received(watcher, 1);
    assert.equal(deletion!.topic, 'git.branch.deletion');
    assert.deepEqual([deletion!.body['branch'], deletion!.body['ref'], deletion!.body['rev']], ['topic', 'refs/heads/topic', onTopic]);

    await git(work, ['tag', '--annotate', '-m', 'Release 1.0\n\nThe first one.', 'v1.0', base]);
    await git(work, ['tag', 'light', base]);
    const tagged = await push(work, ['origin', 'v1.0', 'light']);
    assert.equal(tagged.code, 0, tagged.stderr);
    assert.doesNotMatch(tagged.stderr, /warning/);
    const [annotated, light] = (await received(watcher, 3)).slice(1);
    assert.equal(annotated!.topic, 'git.tag.creation');
    assert.deepEqual(
      {
        tag: annotated!.body['tag'], ref: annotated!.body['ref'], target: annotated!.body['target'], annotated: annotated!.body['annotated'],
        tagger: annotated!.body['tagger'], message: annotated!.body['message'], new_commits: annotated!.body['new_commits'],
      },
      { tag: 'v1.0', ref: 'refs/tags/v1.0', target: base, annotated: true, tagger: COMMITTER, message: 'Release 1.0\n\nThe first one.\n', new_commits: 0 },
    );
    assert.equal(annotated!.body['rev'], await revParse(work, 'v1.0'), 'rev is the tag object');
    assert.deepEqual([light!.topic, light!.body['tag'], light!.body['annotated'], light!.body['rev'], light!.body['tagger']], ['git.tag.creation', 'light', false, base, null]);

    const untagged = await push(work, ['origin', ':refs/tags/light']);
    assert.equal(untagged.code, 0, untagged.stderr);
    const tagDeletion = (await received(watcher, 4))[3]!;
    assert.deepEqual([tagDeletion.topic, tagDeletion.body['tag'], tagDeletion.body['rev']], ['git.tag.deletion', 'light', base]);
  });

  test('a binary file is listed with binary: true and zero line counts; a huge diff is cut with a marker', async () => {
    const server = await makeServer(serve.url, ['--max-patch-bytes', '4096']);
    const work = await server.clone();
    await commit(work, { 'a.txt': 'start\n' }, 'start');
    await push(work, ['origin', 'main']);
    const watcher = await tail();

    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0xff, 0x00, 0x10]);
    await commit(work, { 'logo.png': binary, 'a.txt': 'start\nmore\n' }, 'Add a logo');
    const huge = Array.from({ length: 20_000 }, (_, n) => `line ${n} — ünïcödé ${'x'.repeat(40)}\n`).join('');
    await commit(work, { 'huge.txt': huge }, 'Add a huge file');
    const pushed = await push(work, ['origin', 'main']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const [logo, big] = await received(watcher, 2);

    assert.deepEqual(logo!.body['commit'].stats.files['logo.png'], { additions: 0, deletions: 0, lines: 0, binary: true });
    assert.deepEqual(logo!.body['commit'].stats.total, { additions: 1, deletions: 0, lines: 1, files: 2 });
    assert.match(logo!.body['commit'].patch, /Binary files \/dev\/null and b\/logo\.png differ/);

    const commitBody = big!.body['commit'];
    assert.equal(commitBody.patch_truncated, true);
    assert.equal(commitBody.stats.files['huge.txt'].additions, 20_000, 'line counts are whole even when the patch is cut');
    assert.ok(commitBody.patch.endsWith(`${PATCH_TRUNCATED_MARKER}\n`), commitBody.patch.slice(-200));
    const excerpt = commitBody.patch.slice(0, -(PATCH_TRUNCATED_MARKER.length + 1));
    assert.ok(Buffer.byteLength(excerpt) <= 4096, `excerpt is ${Buffer.byteLength(excerpt)} bytes`);
    assert.ok(Buffer.byteLength(excerpt) > 3000, 'the excerpt uses most of its room');
    assert.ok(excerpt.endsWith('\n') && !excerpt.includes('\ufffd'), 'cut at a line end, never inside a character');
  });

  test('a push of hundreds of commits announces the newest N and one summary of the rest', async () => {
    const server = await makeServer(serve.url, ['--max-commits', '20']);
    const work = await server.clone();
    const base = await commit(work, { 'a.txt': '1\n' }, 'one');
    await push(work, ['origin', 'main']);
    await fastImportCommits(work, 'refs/heads/bulk', 300, base);
    const watcher = await tail();

    const pushed = await push(work, ['origin', 'bulk']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const lines = await received(watcher, 22);
    assert.deepEqual(lines.slice(0, 2).map((line) => line.topic), ['git.branch.creation', 'git.receive.summary']);
    assert.equal(lines[0]!.body['new_commits'], 300);
    assert.deepEqual(
      { total: lines[1]!.body['total_commits'], announced: lines[1]!.body['announced_commits'], omitted: lines[1]!.body['omitted_commits'], branch: lines[1]!.body['branch'] },
      { total: 300, announced: 20, omitted: 280, branch: 'bulk' },
    );
    assert.deepEqual(
      lines.slice(2).map((line) => line.body['commit'].summary),
      Array.from({ length: 20 }, (_, n) => `bulk ${281 + n}`),
      'the newest 20, oldest first',
    );
    assert.equal(lines.at(-1)!.body['commit'].rev, await revParse(work, 'bulk'));
  });

  test('the topic prefix of the configuration, --repository and --commit-url shape what is published', async () => {
    const server = await makeServer(
      serve.url,
      ['--repository', 'rpms/kernel', '--commit-url', 'https://src.example.org/{repository}/c/{rev}?branch={branch}'],
      'srv/rpms/kernel.git',
    );
    const work = await server.clone();
    const watcher = await tail('org.example.prod.git.#');
    const rev = await commit(work, { 'kernel.spec': 'Name: kernel\n' }, 'Initial import');
    const pushed = await git(work, ['push', 'origin', 'main'], { env: { TIDINGS_TOPIC_PREFIX: 'org.example.prod', REMOTE_USER: 'dana' }, allowFailure: true });
    assert.equal(pushed.code, 0, pushed.stderr);
    const [created, received1] = await received(watcher, 2);
    assert.equal(created!.topic, 'org.example.prod.git.branch.creation');
    assert.equal(received1!.topic, 'org.example.prod.git.receive');
    const c = received1!.body['commit'];
    assert.deepEqual([c.repo, c.namespace, c.username, c.url], ['kernel', 'rpms', 'dana', `https://src.example.org/rpms/kernel/c/${rev}?branch=main`]);
    assert.equal(received1!.headers['fedora_messaging_rpm_kernel'], true, 'a dist-git rpms/ repository is a package fact');
    assert.equal(received1!.headers['fedora_messaging_user_dana'], true);
    assert.ok(existsSync(server.spool));
  });
});
