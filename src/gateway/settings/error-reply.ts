/**
 * How the settings API answers a refusal: a status by the error's kind, and a body that says what
 * was wrong — every problem of a refused rule, each naming its field.
 */
import {
  DestinationValidationError, NotifyAccessError, NotifyConflictError, NotifyNotFoundError, PreviewUnavailableError, RuleValidationError, VerificationError,
} from '../../notify/index.js';
import { TidingsError } from '../../message/index.js';
import { CsrfError, LoginError, NotLoggedInError } from '../session/index.js';

/** A request's parameters or body are not what the route takes (a 400 that says what to send). */
export class SettingsInputError extends TidingsError {
  readonly code = 'INPUT_INVALID';
}

export interface ErrorReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** The answer for a known refusal; undefined for anything else (a fault of ours: 500, logged). */
export function errorReply(error: unknown): ErrorReply | undefined {
  if (!(error instanceof Error)) return undefined;
  const base = { error: error.message, code: (error as { code?: string }).code };
  if (error instanceof SettingsInputError) return { status: 400, body: base };
  if (error instanceof RuleValidationError) return { status: 400, body: { ...base, issues: error.issues } };
  if (error instanceof DestinationValidationError) return { status: 400, body: { ...base, issues: [{ field: error.field, reason: error.reason }] } };
  if (error instanceof VerificationError) return { status: error.reason === 'too-many-attempts' ? 429 : 400, body: { ...base, reason: error.reason } };
  if (error instanceof NotLoggedInError) return { status: 401, body: base };
  if (error instanceof CsrfError || error instanceof NotifyAccessError) return { status: 403, body: base };
  if (error instanceof NotifyNotFoundError) return { status: 404, body: base };
  if (error instanceof NotifyConflictError) return { status: 409, body: base };
  if (error instanceof PreviewUnavailableError) return { status: 503, body: base };
  if (error instanceof LoginError) return { status: 502, body: base };
  const status = (error as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, body: { error: error.message } };
  return undefined;
}
