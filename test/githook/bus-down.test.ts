/**
 * The hook never blocks or fails a push when the bus is away: what it cannot deliver waits in the
 * repository's spool and goes out first, in order, with the same ids, on the next push or on
 * `tidings git-hook flush`. Real pushes against a `tidings serve` that is stopped and restarted.
 */
import { describe, test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { cleanup, killAll, makeTempDir, runTidings, startConsuming, startServe, type Proc } from '../helpers/processes.js';
import { commit, git, makeServer, push } from './git-helpers.js';

interface Line {
  id: string;
  topic: string;
  body: Record<string, any>;
}

function spooled(spool: string): Array<{ id: string; rev: string | undefined }> {
  return readdirSync(spool)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(spool, name), 'utf8')) as Line)
    .map((message) => ({ id: message.id, rev: message.body['commit']?.rev }));
}

async function tailLines(proc: Proc, count: number): Promise<Line[]> {
  return (await proc.waitForLines(count, 20_000)).map((line) => JSON.parse(line) as Line);
}

describe('git-hook when the bus is away', { timeout: 120_000 }, () => {
  afterEach(() => killAll());
  after(cleanup);

  test('pushes succeed while serve is down; the next push delivers the spool first, in order, none lost or doubled', async () => {
    const data = join(makeTempDir(), 'data');
    let serve = await startServe(data);
    const server = await makeServer(serve.url, ['--timeout', '5']);
    const work = await server.clone();
    await commit(work, { 'a.txt': '0\n' }, 'zero');
    assert.equal((await push(work, ['origin', 'main'])).code, 0);

    await serve.stop();
    const firstPush = [await commit(work, { 'a.txt': '1\n' }, 'one'), await commit(work, { 'a.txt': '2\n' }, 'two')];
    const down1 = await push(work, ['origin', 'main']);
    assert.equal(down1.code, 0, `the push succeeds with the bus down:\n${down1.stderr}`);
    assert.match(down1.stderr, /remote: tidings: warning: the bus at http:\/\/127\.0\.0\.1:\d+ did not take every message .*2 messages wait in .*tidings-spool/);
    const secondPush = [await commit(work, { 'a.txt': '3\n' }, 'three')];
    const down2 = await push(work, ['origin', 'main']);
    assert.equal(down2.code, 0, down2.stderr);
    assert.match(down2.stderr, /3 messages wait in/);
    const waiting = spooled(server.spool);
    assert.deepEqual(waiting.map((entry) => entry.rev), [...firstPush, ...secondPush], 'spooled in push order');
    const remote = await git(work, ['ls-remote', 'origin', 'refs/heads/main']);
    assert.equal(remote.stdout.split('\t')[0], secondPush[0], 'the pushes themselves went through');

    serve = await startServe(data, { port: serve.port });
    const watcher = await startConsuming(['tail', '--json', 'git.#'], { env: { TIDINGS_URL: serve.url } });
    const thirdPush = await commit(work, { 'a.txt': '4\n' }, 'four');
    const up = await push(work, ['origin', 'main']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /remote: tidings: 4 messages delivered to .* \(3 spooled by earlier pushes\)/);

    const lines = await tailLines(watcher, 4);
    assert.deepEqual(lines.map((line) => line.body['commit'].rev), [...firstPush, ...secondPush, thirdPush], 'the spool first, in order');
    assert.deepEqual(lines.slice(0, 3).map((line) => line.id), waiting.map((entry) => entry.id), 'sent with the ids they were spooled with');
    assert.deepEqual(spooled(server.spool), [], 'the spool is empty');

    // Nothing more comes: a flush has nothing to send, and the next push's commit is the very next line.
    const flush = await runTidings(['git-hook', 'flush', '--git-dir', server.path], { env: { TIDINGS_URL: serve.url } });
    assert.equal(flush.code, 0, flush.stderr);
    assert.match(flush.stderr, /0 spooled messages delivered/);
    const sentinel = await commit(work, { 'a.txt': '5\n' }, 'five');
    assert.equal((await push(work, ['origin', 'main'])).code, 0);
    const all = await tailLines(watcher, 5);
    assert.equal(all.length, 5, all.map((line) => line.body['commit']?.summary).join(', '));
    assert.equal(all[4]!.body['commit'].rev, sentinel);
  });

  test('tidings git-hook flush sends the spool once the bus is back, and exits 14 while it is not', async () => {
    const data = join(makeTempDir(), 'data');
    let serve = await startServe(data);
    const server = await makeServer(serve.url, ['--timeout', '5']);
    const work = await server.clone();
    await serve.stop();
    const rev = await commit(work, { 'a.txt': '1\n' }, 'one');
    const down = await push(work, ['origin', 'main']);
    assert.equal(down.code, 0, down.stderr);
    const waiting = spooled(server.spool);
    assert.deepEqual(waiting.map((entry) => entry.rev), [undefined, rev], 'the branch creation, then the commit');

    const failed = await runTidings(['git-hook', 'flush', '--git-dir', server.path, '--timeout', '5'], { env: { TIDINGS_URL: serve.url } });
    assert.equal(failed.code, 14, `flush says the bus is unreachable: ${failed.stderr}`);
    assert.match(failed.stderr, /could not reach tidings serve .*\[CONNECTION_FAILED\]/);
    assert.equal(spooled(server.spool).length, 2, 'nothing is lost by a failed flush');

    serve = await startServe(data, { port: serve.port });
    const watcher = await startConsuming(['tail', '--json', 'git.#'], { env: { TIDINGS_URL: serve.url } });
    // From the repository itself, as an operator would run it: --git-dir is optional there.
    const flushed = await runTidings(['git-hook', 'flush'], { env: { TIDINGS_URL: serve.url }, cwd: server.path });
    assert.equal(flushed.code, 0, flushed.stderr);
    assert.match(flushed.stderr, /2 spooled messages delivered/);
    const lines = await tailLines(watcher, 2);
    assert.deepEqual(lines.map((line) => [line.id, line.topic]), waiting.map((entry, n) => [entry.id, n === 0 ? 'git.branch.creation' : 'git.receive']));
    assert.deepEqual(spooled(server.spool), []);
  });

  test('a bus that accepts connections but never answers holds a push no longer than --timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const server = await makeServer(`http://127.0.0.1:${port}`, ['--timeout', '2']);
      const work = await server.clone();
      const rev = await commit(work, { 'a.txt': '1\n' }, 'one');
      const started = Date.now();
      const pushed = await push(work, ['origin', 'main']);
      const elapsed = Date.now() - started;
      assert.equal(pushed.code, 0, pushed.stderr);
      assert.ok(elapsed < 10_000, `the push took ${elapsed} ms with a 2 s budget`);
      assert.match(pushed.stderr, /warning: .*2 messages wait in/);
      assert.deepEqual(spooled(server.spool).map((entry) => entry.rev), [undefined, rev]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

