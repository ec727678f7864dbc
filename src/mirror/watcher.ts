/**
 * `tidings mirror watch DIR`: the master's tree announces itself. The first write after a quiet
 * spell announces out-of-sync (with the subtrees written so far); once nothing has changed for
 * `quietMs`, the tree's manifest is built and compared with the last one, and in-sync announces the
 * smallest set of subtrees that really changed (a file written and put back changes nothing, and
 * thousands of files in one directory are one subtree).
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Announcement, MasterAnnouncer } from './announcer.js';
import { MANIFEST_FILE } from './announcer.js';
import { subtreesOfFiles, WHOLE_TREE } from './hints.js';
import { buildManifest, diffManifests, parseManifest, PRIVATE_DIRECTORY, type ManifestEntry } from './manifest.js';

export interface TreeWatcherOptions {
  readonly tree: string;
  /** How long the tree must stay unchanged before it is announced in sync. */
  readonly quietMs?: number;
  readonly logger?: Logger;
  readonly onAnnounce?: (announcement: Announcement) => void;
}

export class TreeWatcher {
  private watcher: FSWatcher | undefined;
  private manifest: ManifestEntry[] = [];
  private changing = false;
  private touched = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** Announcements in order: each waits for the one before. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly announcer: MasterAnnouncer,
    private readonly options: TreeWatcherOptions,
  ) {}

  async start(): Promise<void> {
    try {
      this.manifest = parseManifest(await readFile(join(this.options.tree, MANIFEST_FILE), 'utf8'));
    } catch {
      this.manifest = await buildManifest(this.options.tree);
    }
    this.watcher = watch(this.options.tree, { recursive: true }, (_event, file) => this.onChange(file === null ? '' : String(file)));
    this.watcher.on('error', (error) => this.options.logger?.error({ err: error }, 'watching the tree failed'));
  }

  private onChange(file: string): void {
    const path = file.split('\\').join('/');
    if (path === PRIVATE_DIRECTORY || path.startsWith(`${PRIVATE_DIRECTORY}/`)) return;
    this.touched.add(path);
    if (!this.changing) {
      this.changing = true;
      const paths = subtreesOfFiles([path]);
      this.enqueue(() => this.announcer.outOfSync(paths));
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.settle(), this.options.quietMs ?? 5_000);
  }

  private settle(): void {
    this.enqueue(async () => {
      const touched = [...this.touched];
      this.touched.clear();
      const manifest = await buildManifest(this.options.tree);
      const diff = diffManifests(this.manifest, manifest);
      this.manifest = manifest;
      const changed = [...diff.added, ...diff.changed, ...diff.removed];
      // Nothing differs (written and put back): the subtrees written are still what may have changed.
      const paths = changed.length > 0 ? subtreesOfFiles(changed) : touched.length > 0 ? subtreesOfFiles(touched) : [WHOLE_TREE];
      this.changing = false;
      return this.announcer.inSync(paths, manifest);
    });
  }

  private enqueue(announce: () => Promise<Announcement>): void {
    this.chain = this.chain
      .then(announce)
      .then((announcement) => {
        this.options.logger?.info({ topic: announcement.topic, serial: announcement.body['serial'], paths: announcement.body['paths'] }, 'announced');
        this.options.onAnnounce?.(announcement);
      })
      .catch((error: unknown) => this.options.logger?.error({ err: error }, 'could not announce; the next change announces again'));
  }

  /** Stops watching, after the announcements under way. */
  async stop(): Promise<void> {
    this.watcher?.close();
    clearTimeout(this.timer);
    await this.chain;
  }
}
