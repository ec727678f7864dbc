/**
 * Triggered mirroring at the scale of a distribution: 1 master, 50 tier-1 and 500 tier-2 agents in
 * one process, each a real MirrorAgent on its own connection to one embedded broker, with the copy
 * replaced by a timed stand-in (it waits `--copy` seconds and reports the changed bytes). The master
 * announces `--changes` changes; for each, every mirror's time to have it is measured from the
 * in-sync announcement. Baselines, for the same network and copy time: cron polling every 1 and 6
 * hours, and manifest polling every 10 minutes (bench/_mirror-polling.ts); data moved over a day
 * counts every no-change check (an rsync file list of a `--files` tree; a conditional manifest GET).
 *
 *   npm run bench -- mirror [--tier1 50] [--tier2 500] [--copy 2] [--changes 3] [--files 12000000]
 *                           [--changed-mb 2000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Bus, type ReceivedMessage } from '../src/bus/index.js';
import { createSchemaRegistry } from '../src/schemas/index.js';
import { EmbeddedBroker, EmbeddedConnection } from '../src/transports/embedded/index.js';
import { MirrorAgent, type OrderedSyncReport } from '../src/mirror/index.js';
import { silentLogger } from '../src/log/index.js';
import { median, percentile, printHeadline, printTable } from './_report.js';
import { dayOfBytes, pollingArrivals } from './_mirror-polling.js';

/** Bytes of one entry of an rsync file list (path and attributes), measured on Fedora-like trees. */
const FILE_LIST_ENTRY_BYTES = 64;
/** One manifest line (path, type, size, mtime as JSON). */
const MANIFEST_ENTRY_BYTES = 90;
/** A conditional GET that finds the manifest unchanged (request and 304). */
const NOT_MODIFIED_BYTES = 400;
/** An announcement as it crosses the network to one agent (AMQP frame with the JSON body). */
const MESSAGE_BYTES = 900;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      tier1: { type: 'string', default: '50' },
      tier2: { type: 'string', default: '500' },
      copy: { type: 'string', default: '2' },
      changes: { type: 'string', default: '3' },
      files: { type: 'string', default: '12000000' },
      'changed-mb': { type: 'string', default: '2000' },
    },
  });
  const tier1 = Number(values.tier1);
  const tier2 = Number(values.tier2);
  const copyS = Number(values.copy);
  const changes = Number(values.changes);
  const files = Number(values.files);
  const changedBytes = Number(values['changed-mb']) * 1e6;
  const perTier1 = Math.max(1, Math.round(tier2 / tier1));

  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-mirror-'));
  const broker = new EmbeddedBroker({ dataDir: join(dir, 'data'), logger: silentLogger() });
  const registry = createSchemaRegistry();
  const buses: Bus[] = [];
  const agents: MirrorAgent[] = [];
  const connect = (name: string): Bus => {
    const bus = new Bus(new EmbeddedConnection(broker, { address: name, name }), { registry, logger: silentLogger() });
    buses.push(bus);
    return bus;
  };
  const copy = async (): Promise<OrderedSyncReport> => {
    await new Promise((resolve) => setTimeout(resolve, copyS * 1000));
    const stage = { seconds: copyS, files: 1, bytes: changedBytes };
    return { stages: { content: stage, metadata: { seconds: 0, files: 0, bytes: 0 }, deletions: { seconds: 0, files: 0, bytes: 0 } }, transferred: ['changed'], deleted: [], deletionsCapped: false, seconds: copyS, bytes: changedBytes };
  };
  try {
    const started = performance.now();
    const names: Array<{ name: string; tier: number; upstream: string }> = [];
    for (let t = 0; t < tier1; t++) {
      names.push({ name: `t1-${t}`, tier: 1, upstream: 'master' });
      for (let d = 0; d < perTier1; d++) names.push({ name: `t2-${t}-${d}`, tier: 2, upstream: `t1-${t}` });
    }
    for (const { name, tier, upstream } of names) {
      const agent = new MirrorAgent(connect(name), { name, tier, upstream, module: 'fedora', tree: join(dir, name), source: `/srv/${upstream}`, lockPath: join(dir, `${name}.lock`), copy, trace: false, serialCheckMs: 0 });
      await agent.start();
      agents.push(agent);
    }
    const observer = connect('observer');
    const arrivals = new Map<number, Map<string, number>>();
    const announced = new Map<number, number>();
    let bytesMoved = 0;
    await observer.consume({ queue: '', bindings: ['mirror.sync.finish'] }, (message: ReceivedMessage) => {
      const serial = message.body['serial'] as number;
      arrivals.get(serial)?.set(message.body['mirror'] as string, performance.now());
      bytesMoved += Number(message.body['bytes'] ?? 0);
    });
    console.error(`mirror bench: ${names.length} agents started in ${((performance.now() - started) / 1000).toFixed(1)} s; copy stand-in ${copyS} s; ${changes} changes`);

    const master = connect('master');
    const perChange: number[][] = [];
    for (let change = 1; change <= changes; change++) {
      const serial = 2026120600 + change;
      arrivals.set(serial, new Map());
      announced.set(serial, performance.now());
      await master.publish({ topic: 'mirror.master.in_sync', schema: 'mirror.master.in_sync.v1', body: { module: 'fedora', serial, previous: serial - 1, paths: ['linux/updates/41'] } });
      const deadline = performance.now() + 120_000;
      while (arrivals.get(serial)!.size < names.length) {
        if (performance.now() > deadline) throw new Error(`change ${change}: only ${arrivals.get(serial)!.size} of ${names.length} mirrors had it after 120 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const times = [...arrivals.get(serial)!.values()].map((at) => (at - announced.get(serial)!) / 1000).sort((a, b) => a - b);
      perChange.push(times);
      console.error(`  change ${change}: every mirror in ${times.at(-1)!.toFixed(2)} s`);
    }
    const all = perChange.flat().sort((a, b) => a - b);
    const chainCopyS = 2 * copyS; // a tier-2 mirror waits for its tier-1's copy, then its own
    const mirrors = names.length;
    const messagesPerChange = 1 + tier1 * 2 * (1 + perTier1) + names.length; // fan-out of in-sync, starts and finishes to the agents that read them
    const triggeredBytes = bytesMoved + changes * messagesPerChange * MESSAGE_BYTES;
    const changedTotal = changes * mirrors * changedBytes;

    const model = (periodS: number) => pollingArrivals({ tier1, tier2PerTier1: perTier1, periodS, copyS }, 7).sort((a, b) => a - b);
    const cron1 = model(3600);
    const cron6 = model(6 * 3600);
    const manifest10 = model(600);
    const fileList = files * FILE_LIST_ENTRY_BYTES;
    const cron1Day = dayOfBytes(mirrors, 3600, changes, changedBytes, fileList);
    const cron6Day = dayOfBytes(mirrors, 6 * 3600, changes, changedBytes, fileList);
    const manifestDay = dayOfBytes(mirrors, 600, changes, changedBytes, NOT_MODIFIED_BYTES, files * MANIFEST_ENTRY_BYTES);
    const gb = (bytes: number): string => (bytes / 1e9).toFixed(1);
    const row = (what: string, times: readonly number[], moved: number) => ({
      what,
      'median s': Math.round(percentile(times, 50) * 100) / 100,
      'p99 s': Math.round(percentile(times, 99) * 100) / 100,
      'max s': Math.round((times.at(-1) ?? 0) * 100) / 100,
      'GB moved / day': gb(moved),
      'moved ÷ changed': (moved / changedTotal).toFixed(2),
    });
    printTable(`time until a mirror has a change (${mirrors} mirrors: ${tier1} tier-1, ${tier1 * perTier1} tier-2; copy ${copyS} s a hop; ${changes} changes of ${gb(changedBytes)} GB in a day; tree of ${files.toLocaleString('en-US')} files)`, [
      row('tidings: triggered (announcements)', all, triggeredBytes),
      row('baseline: cron rsync every 1 h', cron1, cron1Day.moved),
      row('baseline: cron rsync every 6 h', cron6, cron6Day.moved),
      row('baseline: manifest polling every 10 min', manifest10, manifestDay.moved),
    ]);
    console.log(`\npure copy time along the chain: ${chainCopyS} s; triggered median ${percentile(all, 50).toFixed(2)} s (target: within 5 s of it)`);
    printHeadline({
      bench: 'mirror',
      unit: 's',
      mirrors,
      median_s: Math.round(percentile(all, 50) * 100) / 100,
      p99_s: Math.round(percentile(all, 99) * 100) / 100,
      copy_s: chainCopyS,
      median_over_copy_s: Math.round((percentile(all, 50) - chainCopyS) * 100) / 100,
      bytes_ratio: Math.round((triggeredBytes / changedTotal) * 1000) / 1000,
      cron_1h_median_s: Math.round(median(cron1)),
      cron_1h_p99_s: Math.round(percentile(cron1, 99)),
      cron_6h_median_s: Math.round(median(cron6)),
      cron_6h_p99_s: Math.round(percentile(cron6, 99)),
      manifest_10m_median_s: Math.round(median(manifest10)),
      manifest_10m_p99_s: Math.round(percentile(manifest10, 99)),
      cron_1h_bytes_ratio: Math.round((cron1Day.moved / changedTotal) * 100) / 100,
      manifest_10m_bytes_ratio: Math.round((manifestDay.moved / changedTotal) * 1000) / 1000,
      target_met: percentile(all, 50) - chainCopyS <= 5 && triggeredBytes / changedTotal <= 1.01,
    });
  } finally {
    await Promise.all(agents.map((agent) => agent.stop()));
    await Promise.all(buses.map((bus) => bus.close().catch(() => undefined)));
    broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
