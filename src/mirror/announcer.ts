/**
 * The master's side: it says when its tree goes out of sync (a write is starting: mirrors hold)
 * and when it is in sync again (mirrors pull now), with the subtrees that changed and a serial that
 * only grows. The serial and the pending change live in the tree's private directory, so that the
 * master's own scripts can call `tidings mirror announce` from separate processes; on in-sync the
 * master also writes the tree's manifest and its own trace (tier 0).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { hostname } from 'node:os';
import type { Bus } from '../bus/index.js';
import type { Body } from '../message/index.js';
import { coverSubtrees } from './hints.js';
import { buildManifest, formatManifest, PRIVATE_DIRECTORY, type ManifestEntry } from './manifest.js';
import { writeTrace } from './trace.js';

export const MANIFEST_FILE = `${PRIVATE_DIRECTORY}/manifest.jsonl`;
const STATE_FILE = `${PRIVATE_DIRECTORY}/master.json`;

export const MASTER_TOPICS = { outOfSync: 'mirror.master.out_of_sync', inSync: 'mirror.master.in_sync' } as const;
export const MASTER_NAME = 'master';

interface MasterState {
  readonly serial: number;
  /** The serial of the last change announced in sync (what mirrors serve until this one). */
  readonly previous?: number;
  readonly state: 'in-sync' | 'out-of-sync';
  /** The subtrees of the change in progress (out of sync), or of the last one. */
  readonly paths: readonly string[];
}

export interface Announcement {
  readonly topic: string;
  readonly body: Record<string, unknown>;
}

/** The next serial: larger than the last, and from today's date when that is larger (YYYYMMDDNN, like DNS and Debian). */
export function nextSerial(last: number, now = new Date()): number {
  const today = Number(`${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}${String(now.getUTCDate()).padStart(2, '0')}00`);
  return Math.max(last + 1, today);
}

export interface MasterAnnouncerOptions {
  /** The tree the master serves. */
  readonly tree: string;
  /** The module's name (defaults to the tree's directory name). */
  readonly module?: string;
  /** Write the manifest on in-sync (default true). */
  readonly manifest?: boolean;
}

export class MasterAnnouncer {
  readonly module: string;

  constructor(
    private readonly bus: Pick<Bus, 'publish'>,
    private readonly options: MasterAnnouncerOptions,
  ) {
    this.module = options.module ?? basename(options.tree);
  }

  private async state(): Promise<MasterState> {
    try {
      return JSON.parse(await readFile(join(this.options.tree, STATE_FILE), 'utf8')) as MasterState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { serial: 0, state: 'in-sync', paths: [] };
      throw error;
    }
  }

  private async save(state: MasterState): Promise<void> {
    const path = join(this.options.tree, STATE_FILE);
    await mkdir(join(this.options.tree, PRIVATE_DIRECTORY), { recursive: true });
    await writeFile(`${path}.tmp`, JSON.stringify(state));
    await rename(`${path}.tmp`, path);
  }

  /** A write is starting on `paths`: mirrors must hold. Two in a row widen the change in progress. */
  async outOfSync(paths: readonly string[]): Promise<Announcement> {
    const previous = await this.state();
    const subtrees = coverSubtrees(paths);
    const serial = previous.state === 'out-of-sync' ? previous.serial : nextSerial(previous.serial);
    const merged = previous.state === 'out-of-sync' ? coverSubtrees([...previous.paths, ...subtrees]) : subtrees;
    const before = previous.state === 'out-of-sync' ? (previous.previous ?? 0) : previous.serial;
    await this.save({ serial, previous: before, state: 'out-of-sync', paths: merged });
    return this.publish(MASTER_TOPICS.outOfSync, { module: this.module, serial, paths: merged, host: hostname(), time: new Date().toISOString() });
  }

  /**
   * The tree is consistent again; `paths` (with those announced out of sync) changed. `manifest`:
   * the tree's, when the caller built it already (the watcher does, to diff it).
   */
  async inSync(paths: readonly string[], manifest?: readonly ManifestEntry[]): Promise<Announcement> {
    const started = new Date().toISOString();
    const previous = await this.state();
    const serial = previous.state === 'out-of-sync' ? previous.serial : nextSerial(previous.serial);
    const before = previous.state === 'out-of-sync' ? (previous.previous ?? 0) : previous.serial;
    const subtrees = previous.state === 'out-of-sync' ? coverSubtrees([...previous.paths, ...paths.map(String)]) : coverSubtrees(paths);
    if (this.options.manifest !== false) {
      const text = formatManifest(manifest ?? (await buildManifest(this.options.tree)));
      const path = join(this.options.tree, MANIFEST_FILE);
      await mkdir(join(this.options.tree, PRIVATE_DIRECTORY), { recursive: true });
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    }
    const finished = new Date().toISOString();
    await writeTrace(this.options.tree, { mirror: MASTER_NAME, tier: 0, upstream: null, module: this.module, serial, started, finished, trigger: 'announce', stages: {}, bytes: 0, files: 0 });
    await this.save({ serial, previous: before, state: 'in-sync', paths: subtrees });
    return this.publish(MASTER_TOPICS.inSync, { module: this.module, serial, previous: before, paths: subtrees, host: hostname(), time: finished, manifest: MANIFEST_FILE });
  }

  private async publish(topic: string, body: Record<string, unknown>): Promise<Announcement> {
    await this.bus.publish({ topic, body: body as Body, schema: `${topic}.v1` });
    return { topic, body };
  }
}
