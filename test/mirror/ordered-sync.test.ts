/**
 * The ordered sync with real rsync: a package repository (packages plus an index listing them) is
 * changed on the master and synced to a mirror while a checker reads the mirror over and over; it
 * never finds an index entry whose file is missing. Only the hinted subtrees are transferred, hard
 * links stay hard links, and deletions stop at the cap.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildManifest, orderedSync, SyncError } from '../../src/mirror/index.js';
import { cleanup, makeTempDir } from '../helpers/processes.js';
import { requireProgram } from '../helpers/programs.js';

const ARCH = '41/Everything/x86_64';

/** Writes packages `names` and an index (repodata/index.txt) that lists exactly them. */
function writeRepository(root: string, names: readonly string[], size: number): void {
  mkdirSync(join(root, ARCH, 'Packages'), { recursive: true });
  mkdirSync(join(root, ARCH, 'repodata'), { recursive: true });
  for (const name of names) {
    const path = join(root, ARCH, 'Packages', name);
    if (!existsSync(path)) writeFileSync(path, Buffer.alloc(size, name));
  }
  writeFileSync(join(root, ARCH, 'repodata', 'index.txt'), names.map((name) => `Packages/${name}`).join('\n') + '\n');
}

/** Reads the mirror as a client would: every file the index lists must be there. */
function startChecker(mirror: string): { stop(): { checks: number; missing: string[] } } {
  let running = true;
  let checks = 0;
  const missing: string[] = [];
  const loop = (): void => {
    if (!running) return;
    const index = join(mirror, ARCH, 'repodata', 'index.txt');
    if (existsSync(index)) {
      for (const line of readFileSync(index, 'utf8').split('\n').filter(Boolean)) {
        if (!existsSync(join(mirror, ARCH, line))) missing.push(line);
      }
      checks++;
    }
    setImmediate(loop);
  };
  loop();
  return { stop: () => ((running = false), { checks, missing }) };
}

const names = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `pkg${from + i}-1.0-1.fc41.x86_64.rpm`);

describe('ordered sync with rsync', () => {
  let master: string;
  let mirror: string;

  before(() => {
    requireProgram('/usr/bin/rsync', 'apt-get install rsync');
    const root = makeTempDir();
    master = join(root, 'master');
    mirror = join(root, 'mirror');
    mkdirSync(master);
    mkdirSync(mirror);
    writeRepository(master, names(0, 40), 64 * 1024);
    mkdirSync(join(master, '40'), { recursive: true });
    writeFileSync(join(master, '40', 'README'), 'old release\n');
  });
  after(() => cleanup());

  test('a first sync of the whole tree makes the mirror equal to the master', async () => {
    const report = await orderedSync({ source: master, destination: mirror, subtrees: [''] });
    const strip = (entries: Awaited<ReturnType<typeof buildManifest>>) => entries.filter((e) => e.type !== 'directory').map((e) => `${e.path} ${e.size}`);
    assert.deepEqual(strip(await buildManifest(mirror)), strip(await buildManifest(master)));
    assert.equal(report.stages.content.files, 41);
    assert.equal(report.stages.metadata.files, 1);
    assert.ok(report.bytes >= 40 * 64 * 1024);
  });

  test('while a change syncs, a reader never sees an index entry whose file is missing', async () => {
    // 200 new packages, 20 gone, and the index now lists the new set.
    const next = [...names(20, 40), ...names(40, 240)];
    writeRepository(master, next, 64 * 1024);
    for (const gone of names(0, 20)) rmSync(join(master, ARCH, 'Packages', gone));
    // A hard link in the master (one file under two names) stays one in the mirror.
    linkSync(join(master, ARCH, 'Packages', names(40, 41)[0]!), join(master, ARCH, 'Packages', 'latest.rpm'));
    // A change outside the hinted subtree is not synced this time.
    writeFileSync(join(master, '40', 'README'), 'changed, but not hinted\n');

    const checker = startChecker(mirror);
    const report = await orderedSync({ source: master, destination: mirror, subtrees: [ARCH] });
    const { checks, missing } = checker.stop();
    assert.deepEqual(missing, [], 'an index entry pointed at a missing file');
    assert.ok(checks > 10, `the checker read the mirror only ${checks} times`);

    assert.equal(report.stages.content.files, 201, '200 packages and the hard link');
    assert.equal(report.stages.metadata.files, 1);
    assert.equal(report.stages.deletions.files, 20);
    assert.ok(report.transferred.every((path) => path.startsWith(`${ARCH}/`)), 'only the hinted subtree');
    assert.equal(readFileSync(join(mirror, '40', 'README'), 'utf8'), 'old release\n');
    const a = statSync(join(mirror, ARCH, 'Packages', 'latest.rpm'));
    const b = statSync(join(mirror, ARCH, 'Packages', names(40, 41)[0]!));
    assert.equal(a.ino, b.ino, 'hard link kept');
    assert.equal(existsSync(join(mirror, ARCH, 'Packages', names(0, 1)[0]!)), false);
  });

  test('deletions stop at the cap, and the mirror stays consistent', async () => {
    for (const gone of names(20, 30)) rmSync(join(master, ARCH, 'Packages', gone));
    writeRepository(master, [...names(30, 240)], 64 * 1024);
    const report = await orderedSync({ source: master, destination: mirror, subtrees: [ARCH], maxDeletions: 3 });
    assert.equal(report.deletionsCapped, true);
    assert.equal(report.deleted.length, 3);
    const checker = startChecker(mirror);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(checker.stop().missing, []);
  });

  test('the checker does catch a single-pass rsync doing the same change (what ordering prevents)', async () => {
    const root = makeTempDir();
    const [naiveMaster, naiveMirror] = [join(root, 'master'), join(root, 'mirror')];
    writeRepository(naiveMaster, names(0, 40), 64 * 1024);
    mkdirSync(naiveMirror);
    await orderedSync({ source: naiveMaster, destination: naiveMirror, subtrees: [''] });
    writeRepository(naiveMaster, names(20, 240), 64 * 1024);
    for (const gone of names(0, 20)) rmSync(join(naiveMaster, ARCH, 'Packages', gone));
    const checker = startChecker(naiveMirror);
    await new Promise<void>((resolve, reject) => {
      const rsync = spawn('rsync', ['--archive', '--delete', `${naiveMaster}/`, `${naiveMirror}/`], { stdio: 'ignore' });
      rsync.on('error', reject);
      rsync.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`rsync exited ${code}`))));
    });
    assert.ok(checker.stop().missing.length > 0, 'a single pass deletes old packages while the old index still lists them');
  });

  test('a source that is not there fails with the stage and rsync\'s reason', async () => {
    await assert.rejects(
      orderedSync({ source: join(master, 'nope'), destination: mirror, subtrees: ['x'] }),
      (error: unknown) => error instanceof SyncError && error.stage === 'content' && error.exitCode === 23 && /rsync exited 23/.test(error.message),
    );
  });
});
