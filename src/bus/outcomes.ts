/**
 * What a handler can tell the bus besides "done" (returning, which acks). They are thrown, as in
 * fedora-messaging, so a handler deep in a call stack can decide.
 */
import { TidingsError } from '../message/index.js';

/** Put the message back on the queue to be tried again (nack with requeue). */
export class Nack extends TidingsError {
  readonly code = 'HANDLER_NACK';
  constructor(message = 'the handler asked to requeue the message') {
    super(message);
  }
}

/** Refuse the message for good: it goes to the queue's dead-letter queue with this reason. */
export class Drop extends TidingsError {
  readonly code = 'HANDLER_DROP';
  constructor(readonly reason = 'dropped by the handler') {
    super(reason);
  }
}

/**
 * Stop consuming. The message is acked (or requeued when `requeue`), handlers in flight finish, and
 * the consumer ends with `exitCode` (the CLI exits with it).
 */
export class HaltConsumer extends TidingsError {
  readonly code = 'HANDLER_HALT';
  readonly exitCode: number;
  readonly requeue: boolean;
  constructor(options: { exitCode?: number; requeue?: boolean; reason?: string } = {}) {
    super(options.reason ?? `the handler halted the consumer (exit code ${options.exitCode ?? 0})`);
    this.exitCode = options.exitCode ?? 0;
    this.requeue = options.requeue ?? false;
  }
}
