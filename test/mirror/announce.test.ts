/**
 * The master announces through `tidings mirror announce`: out of sync, then in sync, with one
 * serial, the changed subtrees, a manifest and a tier-0 trace written into the tree.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import type { Bus, ReceivedMessage } from '../../src/bus/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { nextSerial, parseManifest, readTrace } from '../../src/mirror/index.js';
import { createSchemaRegistry } from '../../src/schemas/index.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/deliveries.js';
import { cleanup, makeTempDir, runTidings, spawnTidings } from '../helpers/processes.js';

describe('tidings mirror announce', { timeout: 60_000 }, () => {
  let server: RunningServer;
  let bus: Bus;
  let tree: string;
  const received: ReceivedMessage[] = [];

  before(async () => {
    const root = makeTempDir();
    server = await startTestServer(join(root, 'data'));
    bus = await connect(server.url, { registry: createSchemaRegistry() });
    await bus.consume({ queue: '', bindings: ['mirror.#'] }, (message) => void received.push(message));
    tree = join(root, 'fedora');
    mkdirSync(join(tree, 'linux/updates/41'), { recursive: true });
    writeFileSync(join(tree, 'linux/updates/41/a.rpm'), 'a');
  });
  after(async () => {
    await bus.close();
    await server.close();
    cleanup();
  });

  test('out of sync, then in sync: one serial, the subtrees, a manifest and the master trace', async () => {
    const out = await runTidings(['--url', server.url, 'mirror', 'announce', '--state', 'out-of-sync', '--tree', tree, '--path', 'linux/updates/41', '--path', 'linux/updates/41/x86_64']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^mirror\.master\.out_of_sync serial \d{10}: linux\/updates\/41$/m);
    writeFileSync(join(tree, 'linux/updates/41/b.rpm'), 'bb');
    const back = await runTidings(['--url', server.url, 'mirror', 'announce', '--state', 'in-sync', '--tree', tree]);
    assert.equal(back.code, 0, back.stderr);

    await eventually(() => received.length === 2, 'both announcements');
    const [first, second] = received;
    assert.equal(first!.topic, 'mirror.master.out_of_sync');
    assert.equal(second!.topic, 'mirror.master.in_sync');
    assert.equal(first!.facts.schema, 'mirror.master.out_of_sync.v1');
    assert.equal(second!.body['serial'], first!.body['serial'], 'one change, one serial');
    assert.equal(second!.body['serial'], nextSerial(0));
    assert.deepEqual(second!.body['paths'], ['linux/updates/41']);
    assert.match(second!.facts.summary, /the master of fedora is in sync at serial \d+: linux\/updates\/41 changed/);

    const manifest = parseManifest(readFileSync(join(tree, '.tidings/manifest.jsonl'), 'utf8'));
    assert.deepEqual(manifest.filter((e) => e.type === 'file').map((e) => e.path), ['linux/updates/41/a.rpm', 'linux/updates/41/b.rpm']);
    const trace = await readTrace(tree, 'master');
    assert.equal(trace?.serial, second!.body['serial']);
    assert.equal(trace?.tier, 0);

    // The next change gets a larger serial.
    const again = await runTidings(['--url', server.url, 'mirror', 'announce', '--state', 'in-sync', '--tree', tree, '--path', 'linux/releases']);
    assert.equal(again.code, 0, again.stderr);
    await eventually(() => received.length === 3, 'the third announcement');
    assert.ok((received[2]!.body['serial'] as number) > (second!.body['serial'] as number));
  });

  test('a hint that leaves the tree is refused, and nothing is announced', async () => {
    const before = received.length;
    const refused = await runTidings(['--url', server.url, 'mirror', 'announce', '--state', 'in-sync', '--tree', tree, '--path', '../../etc']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /leaves the module/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(received.length, before);
  });

  test('watch: the first write announces out of sync, quiet announces in sync with the subtrees that changed', async () => {
    const watched = join(makeTempDir(), 'epel');
    mkdirSync(join(watched, '9/x86_64/Packages'), { recursive: true });
    mkdirSync(join(watched, '8'), { recursive: true });
    writeFileSync(join(watched, '8/README'), 'eight');
    const watcher = spawnTidings(['--url', server.url, 'mirror', 'watch', watched, '--quiet', '1']);
    await watcher.waitForLine(/^watching /, { timeoutMs: 15_000 });
    const before = received.length;
    for (let i = 0; i < 20; i++) writeFileSync(join(watched, `9/x86_64/Packages/p${i}.rpm`), `p${i}`);
    writeFileSync(join(watched, '9/x86_64/index'), 'new');
    await eventually(() => received.slice(before).some((m) => m.topic === 'mirror.master.in_sync' && m.body['module'] === 'epel'), 'the in-sync announcement', 15_000);
    const mine = received.slice(before).filter((m) => m.body['module'] === 'epel');
    assert.equal(mine[0]!.topic, 'mirror.master.out_of_sync');
    const inSync = mine.find((m) => m.topic === 'mirror.master.in_sync')!;
    assert.deepEqual(inSync.body['paths'], ['9/x86_64']);
    assert.equal(inSync.body['serial'], mine[0]!.body['serial']);
    assert.match(readFileSync(join(watched, '.tidings/manifest.jsonl'), 'utf8'), /p19\.rpm/);
    watcher.kill();
    await watcher.waitForExit();
  });
});
