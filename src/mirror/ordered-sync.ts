/**
 * An ordered sync, so that a client reading the mirror at any moment never finds an index that
 * points at a file not there yet (the "Hash Sum mismatch" and repodata 404s of single-pass rsync):
 *   1. content: everything but the metadata, nothing deleted — new packages arrive while the old
 *      indexes still describe the old set, which is all still there;
 *   2. metadata: the repository indexes (repodata/, Packages*, Release*…), put in place together at
 *      the end of the run (--delay-updates), now that everything they list is present;
 *   3. deletions: what the new indexes no longer list, capped (--max-delete) so that a broken
 *      upstream cannot empty a mirror.
 * Only the given subtrees are synced (one rsync per stage for all of them, hard links kept).
 */
import { SyncError, type SyncStage } from './errors.js';
import { WHOLE_TREE } from './hints.js';
import { PARTIAL_SUCCESS_CODES, runRsync, type RsyncResult } from './rsync.js';

/** Repository metadata in the trees distributions mirror: RPM (repodata/), Debian (Packages, Sources, Release, InRelease, Contents), and checksum lists. */
export const DEFAULT_METADATA_PATTERNS: readonly string[] = ['repodata/', 'Packages*', 'Sources*', 'Release', 'Release.gpg', 'InRelease', 'Contents-*', 'Translation-*', 'CHECKSUM', '*-CHECKSUM', 'SHA256SUMS*'];

export interface OrderedSyncOptions {
  /** A local directory or an `rsync://host/module` URL (no trailing slash needed). */
  readonly source: string;
  readonly destination: string;
  /** Relative subtrees (checked, see hints.ts); `['']` for the whole tree. */
  readonly subtrees: readonly string[];
  readonly metadataPatterns?: readonly string[];
  /** At most this many deletions a sync (rsync --max-delete). */
  readonly maxDeletions?: number;
  /** Paths (rsync filter patterns) never deleted from the mirror, e.g. its own trace file. */
  readonly protect?: readonly string[];
  readonly rsync?: string;
  readonly signal?: AbortSignal;
  /** Told as each stage starts (progress for long syncs). */
  readonly onStage?: (stage: SyncStage) => void;
  /** Told each rsync's pid (the lock records it, so a takeover can stop an orphaned one). */
  readonly onSpawn?: (pid: number) => void;
}

export interface StageReport {
  readonly seconds: number;
  readonly files: number;
  readonly bytes: number;
}

export interface OrderedSyncReport {
  readonly stages: Readonly<Record<SyncStage, StageReport>>;
  readonly transferred: readonly string[];
  readonly deleted: readonly string[];
  /** The deletion cap was reached: some deletions wait for the next sync. */
  readonly deletionsCapped: boolean;
  readonly seconds: number;
  readonly bytes: number;
}

/** The rsync source arguments for the subtrees, with `/./` so that -R keeps paths relative to the root. */
function sources(source: string, subtrees: readonly string[]): string[] {
  const root = source.replace(/\/+$/, '');
  if (subtrees.length === 0 || subtrees.includes(WHOLE_TREE)) return [`${root}/./`];
  return subtrees.map((subtree) => `${root}/./${subtree}`);
}

/**
 * rsync filter rules for the stages. A pattern ending in `/` names directories (everything under
 * them is metadata); any other names files only — RPM trees have a `Packages/` directory of
 * packages while Debian's `Packages` is an index — so every other directory is let through before
 * the file patterns apply (rsync's first matching rule wins).
 */
function metadataRules(patterns: readonly string[], stage: 'content' | 'metadata'): string[] {
  const directories = patterns.filter((pattern) => pattern.endsWith('/'));
  const files = patterns.filter((pattern) => !pattern.endsWith('/'));
  if (stage === 'content') return [...directories.map((d) => `--exclude=${d}`), '--include=*/', ...files.map((f) => `--exclude=${f}`)];
  return [...directories.map((d) => `--include=${d}***`), '--include=*/', ...files.map((f) => `--include=${f}`), '--exclude=*'];
}

export async function orderedSync(options: OrderedSyncOptions): Promise<OrderedSyncReport> {
  const patterns = options.metadataPatterns ?? DEFAULT_METADATA_PATTERNS;
  const from = sources(options.source, options.subtrees);
  const to = `${options.destination.replace(/\/+$/, '')}/`;
  const common = ['--archive', '--hard-links', '--relative', '--no-inc-recursive', ...(options.protect ?? []).map((path) => `--filter=P ${path}`)];
  const run = async (stage: SyncStage, args: readonly string[]): Promise<RsyncResult> => {
    options.onStage?.(stage);
    let result: RsyncResult;
    try {
      result = await runRsync([...common, ...args, ...from, to], {
        ...(options.rsync ? { rsync: options.rsync } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
      });
    } catch (error) {
      throw new SyncError(`could not run rsync for the ${stage} stage: ${(error as Error).message}`, stage, null, { cause: error });
    }
    if (result.exitCode !== 0 && !PARTIAL_SUCCESS_CODES.has(result.exitCode)) {
      const said = result.stderr.trim().split('\n').slice(-3).join(' | ');
      throw new SyncError(`rsync exited ${result.exitCode} in the ${stage} stage: ${said || 'no message'}`, stage, result.exitCode);
    }
    return result;
  };

  const content = await run('content', metadataRules(patterns, 'content'));
  const metadata = await run('metadata', ['--delay-updates', '--prune-empty-dirs', ...metadataRules(patterns, 'metadata')]);
  const deletions = await run('deletions', ['--delete', '--existing', '--ignore-existing', `--max-delete=${options.maxDeletions ?? 10_000}`]);

  const report = (result: RsyncResult, files: number): StageReport => ({ seconds: result.seconds, files, bytes: result.bytes });
  const fileOnly = (paths: readonly string[]): string[] => paths.filter((path) => !path.endsWith('/'));
  return {
    stages: {
      content: report(content, fileOnly(content.transferred).length),
      metadata: report(metadata, fileOnly(metadata.transferred).length),
      deletions: report(deletions, deletions.deleted.length),
    },
    transferred: [...fileOnly(content.transferred), ...fileOnly(metadata.transferred)],
    deleted: deletions.deleted,
    deletionsCapped: deletions.exitCode === 25,
    seconds: content.seconds + metadata.seconds + deletions.seconds,
    bytes: content.bytes + metadata.bytes,
  };
}
