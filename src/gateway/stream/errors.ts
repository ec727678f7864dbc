/**
 * What can go wrong on a live stream, one class per condition. The `code` is what clients see (in a
 * 400's body, an SSE `error` event, or a WebSocket `error` frame), so clients switch on it, not on
 * the wording.
 */
import { TidingsError } from '../../message/index.js';

/** A filter parameter or subscription field is wrong: unknown name, bad pattern, too many values. */
export class StreamFilterError extends TidingsError {
  readonly code = 'FILTER_INVALID';
}

/** A WebSocket frame that is not a JSON object with a known `op`, or is too large to read. */
export class StreamFrameError extends TidingsError {
  constructor(
    readonly code: 'FRAME_MALFORMED' | 'FRAME_TOO_LARGE' | 'OP_UNKNOWN' | 'TOO_MANY_BAD_FRAMES',
    message: string,
  ) {
    super(message);
  }
}

/** Subscribing past the per-connection limit, reusing a live id, or unsubscribing an unknown one. */
export class SubscriptionError extends TidingsError {
  constructor(
    readonly code: 'SUBSCRIPTION_LIMIT' | 'SUBSCRIPTION_EXISTS' | 'SUBSCRIPTION_UNKNOWN',
    message: string,
  ) {
    super(message);
  }
}

/** A resume (Last-Event-ID, `after`) that cannot be honoured without a gap. */
export class ResumeError extends TidingsError {
  constructor(
    readonly code: 'RESUME_UNKNOWN_ID' | 'RESUME_TOO_FAR' | 'RESUME_UNAVAILABLE' | 'ARCHIVE_BEHIND',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The client read too slowly: what waited to be sent to it passed the bound, so it was let go. */
export class SlowClientError extends TidingsError {
  readonly code = 'CLIENT_TOO_SLOW';
}

/** The server is stopping: reconnect (and resume) once it is back. */
export class StreamClosingError extends TidingsError {
  readonly code = 'SERVER_STOPPING';
}
