/**
 * A real three-tier mirror network on one machine: a master tree holding a small package repository
 * (packages plus an index listing them), 2 tier-1 and 4 tier-2 mirrors, real rsync, each agent a
 * separate `tidings mirror agent` process, a `tidings serve` as the bus. While changes flow down, a
 * checker reads every mirror over and over and never finds an index entry whose file is missing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import type { Bus, ReceivedMessage } from '../../src/bus/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { MasterAnnouncer, readTrace } from '../../src/mirror/index.js';
import { createSchemaRegistry } from '../../src/schemas/index.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/deliveries.js';
import { cleanup, makeTempDir, runTidings, spawnTidings, type Proc } from '../helpers/processes.js';
import { requireProgram } from '../helpers/programs.js';

const ARCH = '41/Everything/x86_64';
const MODULE = 'fedora';
const NETWORK = [
  { name: 't1a', tier: 1, upstream: 'master' },
  { name: 't1b', tier: 1, upstream: 'master' },
  { name: 't2a', tier: 2, upstream: 't1a' },
  { name: 't2b', tier: 2, upstream: 't1a' },
  { name: 't2c', tier: 2, upstream: 't1b' },
  { name: 't2d', tier: 2, upstream: 't1b' },
] as const;
type MirrorName = (typeof NETWORK)[number]['name'];

const packages = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `pkg${from + i}-1.0-1.fc41.x86_64.rpm`);

function writeRepository(root: string, names: readonly string[]): void {
  mkdirSync(join(root, ARCH, 'Packages'), { recursive: true });
  mkdirSync(join(root, ARCH, 'repodata'), { recursive: true });
  for (const name of names) if (!existsSync(join(root, ARCH, 'Packages', name))) writeFileSync(join(root, ARCH, 'Packages', name), Buffer.alloc(32 * 1024, name));
  writeFileSync(join(root, ARCH, 'repodata', 'index.txt'), names.map((name) => `Packages/${name}`).join('\n') + '\n');
}

describe('three-tier triggered mirroring', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let bus: Bus;
  let root: string;
  let master: string;
  let masterUrl: string;
  const trees = new Map<MirrorName, string>();
  const agents = new Map<MirrorName, Proc>();
  const seen: ReceivedMessage[] = [];
  let checking = true;
  let checks = 0;
  const missing: string[] = [];

  const configOf = (mirror: (typeof NETWORK)[number]): string => {
    const path = join(root, `${mirror.name}.toml`);
    const source = mirror.upstream === 'master' ? master : trees.get(mirror.upstream as MirrorName)!;
    const trusted = mirror.tier === 1 ? 'trusted_identity = "fedora-master"\n' : '';
    writeFileSync(path, `[agent]\nname = "${mirror.name}"\ntier = ${mirror.tier}\nupstream = "${mirror.upstream}"\nmodule = "${MODULE}"\ntree = "${trees.get(mirror.name)}"\nsource = "${source}"\nserial_check = 2\n${trusted}`);
    return path;
  };
  const startAgent = async (mirror: (typeof NETWORK)[number]): Promise<void> => {
    const proc = spawnTidings(['--url', server.url, 'mirror', 'agent', '--config', configOf(mirror)], { name: `agent ${mirror.name}` });
    await proc.waitForLine(/follows/, { timeoutMs: 20_000 });
    agents.set(mirror.name, proc);
  };
  const announce = (state: 'out-of-sync' | 'in-sync', ...paths: string[]) =>
    runTidings(['--url', masterUrl, 'mirror', 'announce', '--state', state, '--tree', master, '--module', MODULE, ...paths.flatMap((p) => ['--path', p])]);
  const servedBy = async (serial: number, names: readonly MirrorName[] = NETWORK.map((m) => m.name)): Promise<void> =>
    eventually(async () => {
      for (const name of names) if ((await readTrace(trees.get(name)!, name))?.serial !== serial) return false;
      return true;
    }, `every mirror serving serial ${serial}`, 60_000);
  const serialOf = (topic: string): number => seen.filter((m) => m.topic === topic).at(-1)!.body['serial'] as number;

  before(async () => {
    requireProgram('/usr/bin/rsync', 'apt-get install rsync');
    root = makeTempDir();
    master = join(root, 'master', MODULE);
    mkdirSync(master, { recursive: true });
    writeRepository(master, packages(0, 30));
    mkdirSync(join(master, '40'), { recursive: true });
    writeFileSync(join(master, '40', 'README'), 'release 40\n');
    for (const { name } of NETWORK) {
      trees.set(name, join(root, name, MODULE));
      mkdirSync(trees.get(name)!, { recursive: true });
    }
    server = await startTestServer(join(root, 'data'));
    // The master announces as the identity tier-1 agents trust; its token makes the hub stamp it.
    const identity = await runTidings(['identity', 'create', 'fedora-master', '--topics', 'mirror.master.#', '--data', join(root, 'data')]);
    assert.equal(identity.code, 0, identity.stderr);
    const token = identity.stdout.trim().split('\n').at(-1)?.trim();
    assert.ok(token, `no token in: ${identity.stdout}`);
    masterUrl = server.url.replace('http://', `http://:${token}@`);
    bus = await connect(server.url, { registry: createSchemaRegistry() });
    await bus.consume({ queue: '', bindings: ['mirror.#'] }, (message) => void seen.push(message));
    for (const mirror of NETWORK) await startAgent(mirror);
    // A client reading every mirror, all the time.
    const check = (): void => {
      if (!checking) return;
      for (const tree of trees.values()) {
        const index = join(tree, ARCH, 'repodata', 'index.txt');
        if (!existsSync(index)) continue;
        for (const line of readFileSync(index, 'utf8').split('\n').filter(Boolean)) if (!existsSync(join(tree, ARCH, line))) missing.push(`${tree}: ${line}`);
        checks++;
      }
      setTimeout(check, 1);
    };
    check();
  });
  after(async () => {
    checking = false;
    for (const agent of agents.values()) agent.kill();
    await Promise.all([...agents.values()].map((agent) => agent.waitForExit(10_000).catch(() => undefined)));
    await bus?.close();
    await server?.close();
    cleanup();
  });

  test('a first announcement fills every tier', async () => {
    const out = await announce('in-sync');
    assert.equal(out.code, 0, out.stderr);
    await servedBy(serialOf('mirror.master.in_sync'));
    for (const name of trees.keys()) assert.ok(existsSync(join(trees.get(name)!, ARCH, 'Packages', packages(0, 1)[0]!)), `${name} has the packages`);
  });

  test('a change reaches every tier-2 through the four messages, moving only the changed subtree', async () => {
    assert.equal((await announce('out-of-sync', ARCH)).code, 0);
    writeRepository(master, packages(10, 60));
    for (const gone of packages(0, 10)) rmSync(join(master, ARCH, 'Packages', gone));
    writeFileSync(join(master, '40', 'README'), 'changed but not announced\n');
    const back = await announce('in-sync', ARCH);
    assert.equal(back.code, 0, back.stderr);
    const serial = serialOf('mirror.master.in_sync');
    await servedBy(serial);

    const forSerial = (topic: string) => seen.filter((m) => m.topic === topic && m.body['serial'] === serial);
    assert.equal(forSerial('mirror.master.out_of_sync').length, 1);
    assert.equal(forSerial('mirror.master.in_sync').length, 1);
    assert.deepEqual(new Set(forSerial('mirror.sync.start').map((m) => m.body['mirror'])), new Set(trees.keys()));
    const finishes = forSerial('mirror.sync.finish');
    assert.deepEqual(new Set(finishes.map((m) => m.body['mirror'])), new Set(trees.keys()));
    for (const finish of finishes) {
      assert.equal(finish.body['files'], 31, `${String(finish.body['mirror'])} transferred 30 new packages and the index, nothing else`);
      assert.equal(finish.body['deleted'], 10);
      assert.deepEqual(finish.body['paths'], [ARCH]);
      const hops = (finish.body['hops'] as Array<{ mirror: string }>).map((hop) => hop.mirror);
      assert.equal(hops[0], 'master');
      assert.equal(hops.at(-1), finish.body['mirror']);
      assert.equal(hops.length, (finish.body['tier'] as number) + 1, 'master → tier-1 → tier-2');
    }
    // Tier-2 started only after its tier-1 finished.
    for (const mirror of NETWORK.filter((m) => m.tier === 2)) {
      const upstreamFinished = seen.findIndex((m) => m.topic === 'mirror.sync.finish' && m.body['mirror'] === mirror.upstream && m.body['serial'] === serial);
      const started = seen.findIndex((m) => m.topic === 'mirror.sync.start' && m.body['mirror'] === mirror.name && m.body['serial'] === serial);
      assert.ok(upstreamFinished >= 0 && started > upstreamFinished, `${mirror.name} waited for ${mirror.upstream}`);
    }
    assert.equal(readFileSync(join(trees.get('t2d')!, '40', 'README'), 'utf8'), 'release 40\n', 'an unannounced subtree is left alone');
    assert.deepEqual(missing, [], 'a client saw an index entry whose file was missing');
    assert.ok(checks > 100, `the checker read the mirrors only ${checks} times`);

    // The status view shows the whole network current at that serial.
    const status = await runTidings(['--url', server.url, 'mirror', 'status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const { masters, mirrors } = JSON.parse(status.stdout) as { masters: Array<{ serial: number }>; mirrors: Array<{ mirror: string; state: string; serial: number; lagSerials: number }> };
    assert.equal(masters[0]!.serial, serial);
    assert.deepEqual(mirrors.map((m) => [m.mirror, m.state, m.serial, m.lagSerials]).sort(), [...trees.keys()].map((name) => [name, 'current', serial, 0]).sort());
    const table = await runTidings(['--url', server.url, 'mirror', 'status']);
    assert.match(table.stdout, /^MIRROR +TIER +UPSTREAM/m);
    assert.match(table.stdout, /^t2d +2 +t1b +fedora +current/m);
  });

  test('a forged announcement is ignored', async () => {
    const before = seen.length;
    const serial = serialOf('mirror.master.in_sync');
    // Published without the master's token: the hub stamps no identity, the tier-1 agents refuse it.
    await bus.publish({ topic: 'mirror.master.in_sync', schema: 'mirror.master.in_sync.v1', body: { module: MODULE, serial: serial + 1000, previous: serial, paths: [''] } });
    await eventually(() => seen.length > before, 'the forged message on the bus');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(seen.filter((m) => m.topic === 'mirror.sync.start' && m.body['serial'] === serial + 1000).length, 0);
  });

  test('a lost message is healed by the serial check', async () => {
    writeRepository(master, packages(10, 70));
    // The master's state and trace move on, but the announcement never reaches the bus.
    const lost = await new MasterAnnouncer({ publish: async () => undefined } as never, { tree: master, module: MODULE }).inSync([ARCH]);
    await servedBy(lost.body['serial'] as number);
    const finish = seen.find((m) => m.topic === 'mirror.sync.finish' && m.body['mirror'] === 't1a' && m.body['serial'] === lost.body['serial']);
    assert.match(String(finish?.body['trigger']), /serial-check/);
    // No hints came with it: the manifests narrowed the whole-tree sync to what differs (10 new
    // packages, the index, and the README changed earlier without an announcement).
    assert.deepEqual(finish?.body['paths'], [''], 'downstream is told the whole tree may have changed');
    assert.equal(finish?.body['files'], 12, 'but only what differs was copied');
    assert.deepEqual(missing, []);
  });

  test('an agent killed mid-sync recovers', async () => {
    const t1a = NETWORK[0];
    writeRepository(master, packages(10, 400));
    const started = seen.length;
    assert.equal((await announce('in-sync', ARCH)).code, 0);
    const serial = serialOf('mirror.master.in_sync');
    await eventually(() => seen.slice(started).some((m) => m.topic === 'mirror.sync.start' && m.body['mirror'] === 't1a'), 't1a starting');
    agents.get('t1a')!.kill('SIGKILL');
    await agents.get('t1a')!.waitForExit();
    await startAgent(t1a);
    await servedBy(serial);
    assert.deepEqual(missing, []);
  });
});
