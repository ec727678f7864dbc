/**
 * One agent in the test process, on a real serve's bus and real rsync slowed down by a wrapper, so
 * that messages can arrive while it syncs: a newer pull during a sync gives a second pass; the
 * upstream going out of sync during a sync stops it, and the next pull runs it again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import type { Bus, ReceivedMessage } from '../../src/bus/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { MirrorAgent, readTrace } from '../../src/mirror/index.js';
import { createSchemaRegistry } from '../../src/schemas/index.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/deliveries.js';
import { cleanup, makeTempDir } from '../helpers/processes.js';

describe('a mirror agent while messages keep coming', { timeout: 60_000 }, () => {
  let server: RunningServer;
  let bus: Bus;
  let agent: MirrorAgent;
  let master: string;
  let tree: string;
  const seen: ReceivedMessage[] = [];
  const masterSays = (topic: 'in_sync' | 'out_of_sync', serial: number, previous: number, paths: string[]) =>
    bus.publish({ topic: `mirror.master.${topic}`, schema: `mirror.master.${topic}.v1`, body: { module: 'fedora', serial, previous, paths } });
  const starts = (serial: number) => seen.filter((m) => m.topic === 'mirror.sync.start' && m.body['serial'] === serial).length;

  before(async () => {
    const root = makeTempDir();
    master = join(root, 'master');
    tree = join(root, 'mirror');
    mkdirSync(join(master, 'a'), { recursive: true });
    mkdirSync(join(master, 'b'), { recursive: true });
    mkdirSync(tree);
    writeFileSync(join(master, 'a', 'one'), '1');
    // rsync that takes a second to start: long enough for messages to arrive meanwhile.
    const slow = join(root, 'slow-rsync');
    writeFileSync(slow, '#!/bin/sh\nsleep 1\nexec rsync "$@"\n');
    chmodSync(slow, 0o755);
    server = await startTestServer(join(root, 'data'));
    bus = await connect(server.url, { registry: createSchemaRegistry() });
    await bus.consume({ queue: '', bindings: ['mirror.sync.#'] }, (message) => void seen.push(message));
    agent = new MirrorAgent(bus, { name: 'm1', tier: 1, upstream: 'master', module: 'fedora', tree, source: master, lockPath: join(root, 'm1.lock'), rsync: slow, retryMinMs: 200 });
    await agent.start();
  });
  after(async () => {
    await agent.stop();
    await bus.close();
    await server.close();
    cleanup();
  });

  test('a newer serial announced during a sync gives a second pass with its subtrees', async () => {
    await masterSays('in_sync', 100, 0, ['a']);
    await eventually(() => agent.state === 'syncing', 'the first sync running');
    writeFileSync(join(master, 'b', 'two'), '2');
    await masterSays('in_sync', 101, 100, ['b']);
    await eventually(async () => (await readTrace(tree, 'm1'))?.serial === 101, 'serial 101 served', 20_000);
    assert.equal(starts(100), 1);
    assert.equal(starts(101), 1, 'one more pass, not one per message');
    const second = seen.find((m) => m.topic === 'mirror.sync.finish' && m.body['serial'] === 101)!;
    assert.deepEqual(second.body['paths'], ['b']);
    assert.equal(second.body['files'], 1);
  });

  test('the upstream changing again stops the sync in progress; the next pull runs it', async () => {
    writeFileSync(join(master, 'a', 'three'), '3');
    await masterSays('in_sync', 102, 101, ['a']);
    await eventually(() => agent.state === 'syncing', 'the sync running');
    await masterSays('out_of_sync', 103, 102, ['a']);
    await eventually(() => agent.state === 'held', 'the agent holding');
    assert.equal(seen.filter((m) => m.topic === 'mirror.sync.finish' && m.body['serial'] === 102).length, 0, 'the stopped sync did not claim to finish');
    await masterSays('in_sync', 103, 102, ['a']);
    await eventually(async () => (await readTrace(tree, 'm1'))?.serial === 103, 'serial 103 served', 20_000);
    const finish = seen.find((m) => m.topic === 'mirror.sync.finish' && m.body['serial'] === 103)!;
    assert.deepEqual(finish.body['paths'], ['a'], 'what the stopped sync owed is carried into the next');
  });
});
