/** Checks of queue names and RabbitMQ-style queue arguments, before anything is declared. */
import { DeclareError, type QueueOptions } from '../../bus/index.js';

/** Reads RabbitMQ's `x-max-length` / `x-overflow` queue arguments where no explicit option is given. */
export function withArgumentLimits(options: QueueOptions): QueueOptions {
  const args = options.arguments ?? {};
  const maxLength = options.maxLength ?? args['x-max-length'];
  const overflow = options.overflow ?? args['x-overflow'];
  if (maxLength !== undefined && (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 0)) {
    throw new DeclareError(`queue "${options.name}": x-max-length must be a whole number ≥ 0, got ${JSON.stringify(maxLength)}`);
  }
  if (overflow !== undefined && overflow !== 'drop-head' && overflow !== 'reject-publish') {
    throw new DeclareError(`queue "${options.name}": x-overflow must be drop-head or reject-publish, got ${JSON.stringify(overflow)}`);
  }
  return {
    ...options,
    ...(maxLength !== undefined ? { maxLength } : {}),
    ...(overflow !== undefined ? { overflow } : {}),
  };
}

export function validateQueueName(name: string): void {
  if (Buffer.byteLength(name) > 255) throw new DeclareError(`queue name "${name.slice(0, 60)}…" is longer than 255 bytes`);
  if (name.startsWith('amq.')) {
    throw new DeclareError(`queue name "${name}" starts with "amq.", which is reserved for server-named queues`);
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new DeclareError(`queue name ${JSON.stringify(name)} contains control characters`);
}
