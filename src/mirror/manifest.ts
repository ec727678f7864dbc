/**
 * A tree's manifest: one JSON line per entry (path, type, size, mtime; a link's target), sorted by
 * path. The master writes it after each change so that a mirror learns what changed by diffing two
 * small files rather than by walking millions of files (or asking rsync to), and a checker can
 * compare a mirror against it.
 */
import { lstat, opendir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface ManifestEntry {
  /** Relative to the tree's root, `/`-separated. */
  readonly path: string;
  readonly type: 'file' | 'directory' | 'link';
  readonly size: number;
  /** Whole seconds (what rsync compares by default). */
  readonly mtime: number;
  readonly target?: string;
}

/** Paths never listed: the mirroring machinery's own state inside a tree. */
export const PRIVATE_DIRECTORY = '.tidings';

/** Walks `root` (links are not followed) and returns its entries sorted by path. */
export async function buildManifest(root: string, options: { onProgress?: (entries: number) => void } = {}): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    const directory = await opendir(join(root, relative));
    for await (const dirent of directory) {
      const path = relative === '' ? dirent.name : `${relative}/${dirent.name}`;
      if (relative === '' && dirent.name === PRIVATE_DIRECTORY) continue;
      const stats = await lstat(join(root, path));
      const mtime = Math.floor(stats.mtimeMs / 1000);
      if (stats.isSymbolicLink()) entries.push({ path, type: 'link', size: 0, mtime, target: await readlink(join(root, path)) });
      else if (stats.isDirectory()) {
        entries.push({ path, type: 'directory', size: 0, mtime });
        await walk(path);
      } else if (stats.isFile()) entries.push({ path, type: 'file', size: stats.size, mtime });
      if (entries.length % 10_000 === 0) options.onProgress?.(entries.length);
    }
  };
  await walk('');
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function formatManifest(entries: readonly ManifestEntry[]): string {
  return entries.map((entry) => JSON.stringify(entry)).join('\n') + (entries.length > 0 ? '\n' : '');
}

export function parseManifest(text: string): ManifestEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ManifestEntry);
}

export interface ManifestDiff {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
}

/** What differs between two manifests (directories' own mtimes are ignored: their contents tell). */
export function diffManifests(before: readonly ManifestEntry[], after: readonly ManifestEntry[]): ManifestDiff {
  const old = new Map(before.map((entry) => [entry.path, entry]));
  const diff: ManifestDiff = { added: [], changed: [], removed: [] };
  for (const entry of after) {
    const was = old.get(entry.path);
    old.delete(entry.path);
    if (!was) diff.added.push(entry.path);
    else if (was.type !== entry.type || (entry.type !== 'directory' && (was.size !== entry.size || was.mtime !== entry.mtime || was.target !== entry.target))) diff.changed.push(entry.path);
  }
  diff.removed.push(...old.keys());
  return diff;
}
