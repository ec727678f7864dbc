import { TidingsError } from '../message/index.js';

/** A git command failed, or the directory is not a git repository. */
export class GitError extends TidingsError {
  readonly code = 'GIT_FAILED';
}

/** The spool directory cannot be used (not writable, or a file in it cannot be read). */
export class SpoolError extends TidingsError {
  readonly code = 'SPOOL_FAILED';
}
