/**
 * The hook's pure parts: what git prints, read back; names and links; bodies kept under the size limit.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fillUrlTemplate,
  messageForEvent,
  parseCommitRecords,
  parseIdentLine,
  parseNumstat,
  parseRefUpdates,
  parseTagObject,
  patchExcerpt,
  PATCH_TRUNCATED_MARKER,
  repositoryIdentity,
  type PushEvent,
} from '../../src/githook/index.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const ZERO = '0'.repeat(40);

describe('parseRefUpdates', () => {
  test('classifies creations, updates and deletions of branches, tags and other refs', () => {
    const { updates, skipped } = parseRefUpdates(
      [`${ZERO} ${A} refs/heads/feature/x`, `${A} ${B} refs/heads/main\r`, `${B} ${ZERO} refs/tags/v1.0`, `${A} ${C} refs/notes/commits`, ''].join('\n'),
    );
    assert.deepEqual(skipped, []);
    assert.deepEqual(
      updates.map(({ ref, kind, name, action, oldRev, newRev }) => ({ ref, kind, name, action, oldRev, newRev })),
      [
        { ref: 'refs/heads/feature/x', kind: 'branch', name: 'feature/x', action: 'create', oldRev: null, newRev: A },
        { ref: 'refs/heads/main', kind: 'branch', name: 'main', action: 'update', oldRev: A, newRev: B },
        { ref: 'refs/tags/v1.0', kind: 'tag', name: 'v1.0', action: 'delete', oldRev: B, newRev: null },
        { ref: 'refs/notes/commits', kind: 'other', name: 'refs/notes/commits', action: 'update', oldRev: A, newRev: C },
      ],
    );
  });

  test('accepts SHA-256 names and skips lines that are not ref updates', () => {
    const long = 'd'.repeat(64);
    const { updates, skipped } = parseRefUpdates(
      [`${ZERO} ${long} refs/heads/main`, 'garbage', `${A} ${B}`, `${A.slice(1)} ${B} refs/heads/x`, `${ZERO} ${ZERO} refs/heads/y`, `${A} ; rm -rf / refs/heads/z`].join('\n'),
    );
    assert.deepEqual(updates.map((update) => update.newRev), [long]);
    assert.equal(skipped.length, 5);
  });
});

describe('git output', () => {
  test('parseCommitRecords reads -z records with multi-line messages and merges', () => {
    const record = (rev: string, parents: string, message: string): string =>
      [rev, parents, 'Ann', 'ann@example.org', '2024-07-30T19:12:22+02:00', 'Cid', 'cid@example.org', '2024-07-31T08:00:00+00:00', message].join('\0');
    const output = `${record(A, '', 'root\n\nwith a body\n')}\0${record(B, `${A} ${C}`, 'Merge x\n')}\0`;
    const records = parseCommitRecords(Buffer.from(output));
    assert.equal(records.length, 2);
    assert.deepEqual(records[0], {
      rev: A,
      parents: [],
      author: { name: 'Ann', email: 'ann@example.org', date: '2024-07-30T19:12:22+02:00' },
      committer: { name: 'Cid', email: 'cid@example.org', date: '2024-07-31T08:00:00+00:00' },
      message: 'root\n\nwith a body\n',
    });
    assert.deepEqual(records[1]!.parents, [A, C]);
  });

  test('parseNumstat groups files by commit; binary files count zero lines; odd paths stay whole', () => {
    const output = [A, '3\t1\tsrc/a.c', '-\t-\tlogo.png', 'not a header', B, '1\t0\tname with\ttab and\nnewline', C, ''].join('\0');
    const stats = parseNumstat(output);
    assert.deepEqual(stats.get(A), [
      { path: 'src/a.c', additions: 3, deletions: 1, binary: false },
      { path: 'logo.png', additions: 0, deletions: 0, binary: true },
    ]);
    assert.deepEqual(stats.get(B), [{ path: 'name with\ttab and\nnewline', additions: 1, deletions: 0, binary: false }]);
    assert.deepEqual(stats.get(C), [], 'an empty commit has no files');
  });

  test('patchExcerpt keeps a small patch whole and cuts a big one at a line end, with the marker', () => {
    assert.deepEqual(patchExcerpt(Buffer.from('+a\n+b\n'), 100, false), { text: '+a\n+b\n', truncated: false });
    const cut = patchExcerpt(Buffer.from('+line one\n+line two\n+line three\n'), 25, true);
    assert.equal(cut.truncated, true);
    assert.equal(cut.text, `+line one\n+line two\n${PATCH_TRUNCATED_MARKER}\n`);
  });

  test('patchExcerpt never cuts inside a character when no line end is near', () => {
    const text = 'é'.repeat(5000); // 2 bytes each, no newline
    for (const limit of [101, 102, 103]) {
      const { text: excerpt, truncated } = patchExcerpt(Buffer.from(text), limit, true);
      assert.equal(truncated, true);
      const kept = excerpt.slice(0, excerpt.indexOf('\n'));
      assert.ok(!kept.includes('\ufffd'), `limit ${limit}`);
      assert.ok(Buffer.byteLength(kept) <= limit && Buffer.byteLength(kept) >= limit - 2, `limit ${limit}: kept ${Buffer.byteLength(kept)}`);
    }
  });

  test('parseTagObject and parseIdentLine read an annotated tag with its tagger\'s own offset', () => {
    const tag = parseTagObject(`object ${A}\ntype commit\ntag v1.0\ntagger Ann Example <ann@example.org> 1722360742 +0200\n\nRelease 1.0\n\nNotes.\n`);
    assert.deepEqual(tag, {
      object: A,
      type: 'commit',
      tagger: { name: 'Ann Example', email: 'ann@example.org', date: '2024-07-30T19:32:22+02:00' },
      message: 'Release 1.0\n\nNotes.\n',
    });
    assert.deepEqual(parseIdentLine('Raj <raj@example.in> 1722360742 -0530'), { name: 'Raj', email: 'raj@example.in', date: '2024-07-30T12:02:22-05:30' });
    assert.equal(parseIdentLine('no date here'), null);
  });
});

describe('repository names and links', () => {
  test('the name comes from the directory, the namespace from its parent when asked, or from --repository', () => {
    assert.deepEqual(repositoryIdentity('/srv/git/rpms/kernel.git'), { repo: 'kernel', namespace: null, path: '/srv/git/rpms/kernel.git' });
    assert.deepEqual(repositoryIdentity('/srv/git/rpms/kernel.git', { withNamespace: true }).namespace, 'rpms');
    assert.equal(repositoryIdentity('/home/ann/project/.git').repo, 'project', 'a non-bare repository is named by its working tree');
    assert.deepEqual(repositoryIdentity('/x/y.git', { name: 'forks/ann/tool' }), { repo: 'tool', namespace: 'forks/ann', path: '/x/y.git' });
    assert.deepEqual(repositoryIdentity('/x/y.git', { name: 'tool' }).namespace, null);
  });

  test('commit links fill the template with URL-encoded values and keep the repository\'s slashes', () => {
    assert.equal(
      fillUrlTemplate('https://src.example.org/{repository}/c/{rev}?branch={branch}&x={unknown}', { repository: 'rpms/kernel', rev: A, branch: 'f40 & more' }),
      `https://src.example.org/rpms/kernel/c/${A}?branch=f40%20%26%20more&x={unknown}`,
    );
  });
});

describe('message bodies', () => {
  const update = { ref: 'refs/heads/main', kind: 'branch', name: 'main', action: 'update', oldRev: A, newRev: B } as const;
  const context = { agent: 'ann', repository: { repo: 'tool', namespace: null, path: '/srv/tool.git' }, commitUrl: null, maxBodyBytes: 20_000 };

  test('a commit too big for the bus is cut to fit: patch first, then the file list; totals stay whole', () => {
    const files = Array.from({ length: 2000 }, (_, n) => ({ path: `dir/file-${n}.txt`, additions: 2, deletions: 1, binary: false }));
    const event: PushEvent = {
      type: 'commit',
      update,
      forced: false,
      commit: {
        rev: B,
        parents: [A],
        author: { name: 'Ann', email: 'ann@example.org', date: '2024-07-30T19:12:22+02:00' },
        committer: { name: 'Ann', email: 'ann@example.org', date: '2024-07-30T19:12:22+02:00' },
        message: 'Touch everything\n',
        files,
        patch: { text: 'x'.repeat(64 * 1024), truncated: false },
      },
    };
    const init = messageForEvent(event, context);
    const size = Buffer.byteLength(JSON.stringify(init.body));
    assert.ok(size <= 20_000, `body is ${size} bytes`);
    const commit = init.body['commit'] as Record<string, any>;
    assert.equal(commit['patch_truncated'], true);
    assert.equal(Object.keys(commit['stats'].files).length, 100);
    assert.equal(commit['stats'].files_omitted, 1900);
    assert.deepEqual(commit['stats'].total, { additions: 4000, deletions: 2000, lines: 6000, files: 2000 });
    assert.equal(init.topic, 'git.receive');
    assert.deepEqual(init.headers, { fedora_messaging_user_ann: true });
  });
});
