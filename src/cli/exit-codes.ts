/**
 * One table from error codes to exit codes. The numbers are fedora-messaging's where it has one
 * (see shared/WIRE.md), so scripts written against its CLI keep working.
 */
export const ExitCode = {
  ok: 0,
  /** The input (a message, a callback file) was bad. */
  badInput: 1,
  /** The command line or the configuration was bad. */
  usage: 2,
  declareFailed: 10,
  unexpected: 11,
  consumerCancelled: 12,
  callbackFailed: 13,
  connectionFailed: 14,
  permissionDenied: 15,
  publishTimeout: 111,
  publishRejected: 121,
} as const;

const BY_ERROR_CODE: Record<string, number> = {
  CONFIG_INVALID: ExitCode.usage,
  MESSAGE_INVALID: ExitCode.badInput,
  MESSAGE_MALFORMED: ExitCode.badInput,
  TOPIC_INVALID: ExitCode.badInput,
  MESSAGE_TOO_LARGE: ExitCode.badInput,
  CALLBACK_INVALID: ExitCode.badInput,
  INPUT_INVALID: ExitCode.badInput,
  IDENTITY_INVALID: ExitCode.badInput,
  CONNECTION_FAILED: ExitCode.connectionFailed,
  BUS_CLOSED: ExitCode.connectionFailed,
  DECLARE_FAILED: ExitCode.declareFailed,
  NOT_FOUND: ExitCode.declareFailed,
  RESOURCE_LOCKED: ExitCode.declareFailed,
  PERMISSION_DENIED: ExitCode.permissionDenied,
  CONSUMER_CANCELLED: ExitCode.consumerCancelled,
  HANDLER_FAILED: ExitCode.callbackFailed,
  PUBLISH_TIMEOUT: ExitCode.publishTimeout,
  PUBLISH_REJECTED: ExitCode.publishRejected,
  PUBLISH_UNROUTABLE: ExitCode.publishRejected,
  DATA_DIR_IN_USE: ExitCode.usage,
  MANAGE_NOT_FOUND: ExitCode.declareFailed,
  MANAGE_REFUSED: ExitCode.declareFailed,
  MANAGE_FORBIDDEN: ExitCode.permissionDenied,
  MANAGE_UNAVAILABLE: ExitCode.connectionFailed,
};

export function exitCodeFor(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? (BY_ERROR_CODE[code] ?? ExitCode.unexpected) : ExitCode.unexpected;
}
