/**
 * What can go wrong with notification settings, one class per condition, each with a stable code
 * (the REST API and the CLI map them to statuses and exit codes).
 */
import { TidingsError } from '../message/index.js';

/** One thing wrong with a rule: which field, and why. */
export interface RuleIssue {
  /** A path into the rule, e.g. `tracking.topics[2]`, `filters.minSeverity`, `destinations`. */
  readonly field: string;
  readonly reason: string;
}

/** A rule (new or changed) was refused; `issues` lists every problem found, not only the first. */
export class RuleValidationError extends TidingsError {
  readonly code = 'NOTIFY_RULE_INVALID';
  constructor(readonly issues: readonly RuleIssue[]) {
    super(`the rule was refused: ${issues.map((issue) => `${issue.field}: ${issue.reason}`).join('; ')}`);
  }
}

/** A destination's address, label or delivery settings were refused. */
export class DestinationValidationError extends TidingsError {
  readonly code = 'NOTIFY_DESTINATION_INVALID';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`the destination was refused: ${field}: ${reason}`);
  }
}

/** Someone tried to read or change what is not theirs (or an admin's action without being one). */
export class NotifyAccessError extends TidingsError {
  readonly code = 'NOTIFY_ACCESS_DENIED';
}

/** No such user, rule or destination. */
export class NotifyNotFoundError extends TidingsError {
  readonly code = 'NOTIFY_NOT_FOUND';
}

/** A confirmation code was wrong, expired, or tried too often. */
export class VerificationError extends TidingsError {
  readonly code = 'NOTIFY_VERIFICATION_FAILED';
  constructor(
    message: string,
    readonly reason: 'wrong-code' | 'expired' | 'too-many-attempts' | 'no-code' | 'already-verified',
  ) {
    super(message);
  }
}

/** A change that the current state forbids (deleting the inbox, a destination rules still use…). */
export class NotifyConflictError extends TidingsError {
  readonly code = 'NOTIFY_CONFLICT';
}

/** An ownership import file had bad lines; nothing was imported. */
export class OwnershipImportError extends TidingsError {
  readonly code = 'INPUT_INVALID';
}

/**
 * A channel could not deliver. `permanent` failures (a refused address, a 4xx webhook answer, a
 * Matrix room the bot may not post in) are not retried; the rest are, with backoff, honouring
 * `retryAfterMs` when the peer said how long to wait (HTTP 429 Retry-After, Matrix retry_after_ms).
 */
export class DeliveryError extends TidingsError {
  readonly code = 'NOTIFY_DELIVERY_FAILED';
  readonly permanent: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { permanent?: boolean; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.permanent = options.permanent ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A preview was asked of a server that keeps no archive to run it over. */
export class PreviewUnavailableError extends TidingsError {
  readonly code = 'NOTIFY_PREVIEW_UNAVAILABLE';
}
