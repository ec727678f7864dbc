import { TidingsError } from '../message/index.js';

/** The broker could not be reached, or the connection to it was lost. */
export class ConnectionError extends TidingsError {
  readonly code = 'CONNECTION_FAILED';
}

/** The bus was used after close(). */
export class BusClosedError extends TidingsError {
  readonly code = 'BUS_CLOSED';
}

/** The broker did not confirm a publish in time; the message may or may not have been stored. */
export class PublishTimeoutError extends TidingsError {
  readonly code = 'PUBLISH_TIMEOUT';
  constructor(topic: string, timeoutMs: number, address: string, options?: { cause?: unknown }) {
    super(
      `publish to "${topic}" timed out after ${timeoutMs / 1000} s: is the broker reachable at ${address}? ` +
        '(set publish_timeout to wait longer)',
      options,
    );
  }
}

/** The broker refused the message (a full queue with reject-publish, a storage failure…). */
export class PublishRejectedError extends TidingsError {
  readonly code = 'PUBLISH_REJECTED';
}

/** `mandatory` was set and no queue is bound to take the message. */
export class PublishUnroutableError extends TidingsError {
  readonly code = 'PUBLISH_UNROUTABLE';
}

/** A queue, exchange or binding could not be declared. */
export class DeclareError extends TidingsError {
  readonly code = 'DECLARE_FAILED';
}

/** The named queue or exchange does not exist. */
export class NotFoundError extends TidingsError {
  readonly code = 'NOT_FOUND';
}

/** An exclusive queue belongs to another connection, or a queue is in use. */
export class ResourceLockedError extends TidingsError {
  readonly code = 'RESOURCE_LOCKED';
}

/** The broker refused the operation for this identity. */
export class PermissionDeniedError extends TidingsError {
  readonly code = 'PERMISSION_DENIED';
}

/** The broker cancelled the consumer (its queue was deleted, …). */
export class ConsumerCancelledError extends TidingsError {
  readonly code = 'CONSUMER_CANCELLED';
}

/** A consumer's handler threw an error that is not a handler outcome; the consumer stopped. */
export class HandlerError extends TidingsError {
  readonly code = 'HANDLER_FAILED';
}

/** The bus URL or an option is not usable. */
export class ConfigurationError extends TidingsError {
  readonly code = 'CONFIG_INVALID';
}
