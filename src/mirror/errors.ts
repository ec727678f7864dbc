/** What can go wrong in mirroring, one class per condition, each with a stable code. */
import { TidingsError } from '../message/index.js';

/** A hint path that could reach outside the module (`..`, absolute, odd characters). */
export class HintPathError extends TidingsError {
  readonly code = 'MIRROR_HINT_INVALID';
}

/** rsync failed; `stage` says which part of the ordered sync. */
export class SyncError extends TidingsError {
  readonly code = 'MIRROR_SYNC_FAILED';
  constructor(
    message: string,
    readonly stage: SyncStage,
    readonly exitCode: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type SyncStage = 'content' | 'metadata' | 'deletions';

export interface LockHolder {
  readonly host: string;
  readonly pid: number;
  readonly since: string;
  /** The rsync the holder runs now, if any: a takeover stops it when its holder died without it. */
  readonly worker?: number;
}

/** Another live process is syncing the tree. */
export class TreeLockedError extends TidingsError {
  readonly code = 'MIRROR_TREE_LOCKED';
  constructor(readonly holder: LockHolder) {
    super(`the tree is being synced by pid ${holder.pid} on ${holder.host} since ${holder.since}`);
  }
}
