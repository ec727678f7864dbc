/** Trace files (written atomically, read back) and the tree lock (exclusive, stale holders taken over). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseTrace, readTrace, TreeLock, TreeLockedError, writeTrace, type Trace } from '../../src/mirror/index.js';
import { cleanup, makeTempDir } from '../helpers/processes.js';

const trace: Trace = {
  mirror: 'mirror1.example.net', tier: 1, upstream: 'master', module: 'fedora', serial: 2026120601,
  started: '2026-12-06T14:03:11.000Z', finished: '2026-12-06T14:04:02.000Z', trigger: 'message',
  stages: { content: 48.1, metadata: 2.6, deletions: 0.5 }, bytes: 734003200, files: 412,
};

describe('trace files', () => {
  test('are written into the tree and read back', async () => {
    const tree = makeTempDir();
    await writeTrace(tree, trace);
    const text = readFileSync(join(tree, '.tidings/trace/mirror1.example.net'), 'utf8');
    assert.match(text, /^Date: Sun, 06 Dec 2026 14:04:02 GMT$/m);
    assert.match(text, /^Serial: 2026120601$/m);
    assert.match(text, /^Stages: content=48\.10s metadata=2\.60s deletions=0\.50s$/m);
    assert.deepEqual(await readTrace(tree, 'mirror1.example.net'), trace);
    assert.equal(await readTrace(tree, 'nobody'), null);
    cleanup();
  });
  test('text that is not a trace reads as none', () => {
    assert.equal(parseTrace('<html>404</html>'), null);
    assert.equal(parseTrace('Serial: -3\n'), null);
  });
});

describe('the tree lock', () => {
  test('is exclusive while its holder lives, and released', async () => {
    const path = join(makeTempDir(), 'sync.lock');
    const first = new TreeLock(path);
    assert.deepEqual(await first.acquire(), { tookOver: null });
    await assert.rejects(new TreeLock(path).acquire(), (error: unknown) => error instanceof TreeLockedError && error.holder.pid === process.pid);
    await first.release();
    const again = new TreeLock(path);
    await again.acquire();
    await again.release();
    cleanup();
  });
  test("a crashed holder's lock is taken over", async () => {
    const path = join(makeTempDir(), 'sync.lock');
    // A process that held the lock and is gone.
    const gone = spawn(process.execPath, ['-e', '0']);
    const pid = gone.pid!;
    await new Promise((resolve) => gone.on('exit', resolve));
    writeFileSync(path, JSON.stringify({ host: hostname(), pid, since: '2026-12-06T00:00:00Z' }));
    const lock = new TreeLock(path);
    const { tookOver } = await lock.acquire();
    assert.equal(tookOver?.pid, pid);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
    await lock.release();
    cleanup();
  });

  test("taking over a killed holder's lock stops the rsync it left running", async () => {
    const path = join(makeTempDir(), 'sync.lock');
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => gone.on('exit', resolve));
    // Stands for an orphaned rsync: its command line says rsync, and it would run for a minute.
    const orphan = spawn('bash', ['-c', 'exec -a rsync sleep 60'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => orphan.on('exit', (_code, signal) => resolve(signal)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    writeFileSync(path, JSON.stringify({ host: hostname(), pid: gone.pid, since: '2026-12-06T00:00:00Z', worker: orphan.pid }));
    const lock = new TreeLock(path);
    await lock.acquire();
    assert.equal(await exited, 'SIGTERM');
    await lock.release();
    cleanup();
  });
});
