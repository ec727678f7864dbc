/** Hint paths (hostile ones refused, reduced to subtrees) and tree manifests. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildManifest, commonAncestor, coverSubtrees, diffManifests, formatManifest, HintPathError, normalizeHint, parseManifest, subtreesOfFiles, WHOLE_TREE } from '../../src/mirror/index.js';
import { cleanup, makeTempDir } from '../helpers/processes.js';

describe('hint paths', () => {
  test('are made relative and tidy', () => {
    assert.equal(normalizeHint('linux/updates//41/./x86_64/'), 'linux/updates/41/x86_64');
    assert.equal(normalizeHint('.'), WHOLE_TREE);
    assert.equal(normalizeHint(''), WHOLE_TREE);
  });
  for (const hostile of ['../etc', 'a/../../b', '/etc/passwd', 'C:\\x', 'a\\b', 'a/\u0000b', 'a\nb', '-rf', 'a/--delete', 'x'.repeat(5000)]) {
    test(`refuse ${JSON.stringify(hostile.slice(0, 20))}`, () => assert.throws(() => normalizeHint(hostile), HintPathError));
  }
  test('reduce to the smallest covering set', () => {
    assert.deepEqual(coverSubtrees(['a/b/c', 'a/b', 'a/bc', 'd']), ['a/b', 'a/bc', 'd']);
    assert.deepEqual(coverSubtrees(['a', '.']), [WHOLE_TREE]);
    assert.deepEqual(coverSubtrees([]), [WHOLE_TREE], 'no hint: anything may have changed');
    assert.deepEqual(coverSubtrees(Array.from({ length: 60 }, (_, i) => `p${i}`)), [WHOLE_TREE], 'too many: the whole tree');
  });
  test('changed files become their directories, merged upward when too many', () => {
    assert.deepEqual(subtreesOfFiles(['41/x86_64/Packages/a/a.rpm', '41/x86_64/repodata/repomd.xml']), ['41/x86_64/Packages/a', '41/x86_64/repodata']);
    const many = Array.from({ length: 80 }, (_, i) => `41/x86_64/Packages/p${i}/x.rpm`);
    assert.deepEqual(subtreesOfFiles(many, 10), ['41/x86_64/Packages']);
    assert.equal(commonAncestor(['a/b/c', 'a/b/d', 'a/e']), 'a');
    assert.equal(commonAncestor(['a/b', 'c']), WHOLE_TREE);
  });
});

describe('manifests', () => {
  test('list files, directories and links, sorted, without the private directory; a diff names what changed', async () => {
    const root = makeTempDir();
    mkdirSync(join(root, 'repo/Packages'), { recursive: true });
    mkdirSync(join(root, '.tidings'));
    writeFileSync(join(root, '.tidings/trace'), 'x');
    writeFileSync(join(root, 'repo/Packages/a.rpm'), 'aaaa');
    writeFileSync(join(root, 'repo/index'), 'a.rpm\n');
    symlinkSync('Packages/a.rpm', join(root, 'repo/latest.rpm'));
    const before = await buildManifest(root);
    assert.deepEqual(before.map((e) => `${e.type} ${e.path}`), ['directory repo', 'directory repo/Packages', 'file repo/Packages/a.rpm', 'file repo/index', 'link repo/latest.rpm']);
    assert.deepEqual(parseManifest(formatManifest(before)), before);
    writeFileSync(join(root, 'repo/Packages/b.rpm'), 'bb');
    writeFileSync(join(root, 'repo/index'), 'a.rpm\nb.rpm\n');
    utimesSync(join(root, 'repo/index'), new Date(Date.now() + 5_000), new Date(Date.now() + 5_000));
    const after = await buildManifest(root);
    assert.deepEqual(diffManifests(before, after), { added: ['repo/Packages/b.rpm'], changed: ['repo/index'], removed: [] });
    cleanup();
  });
});
