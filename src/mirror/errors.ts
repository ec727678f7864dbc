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
