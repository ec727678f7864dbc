/**
 * How a dead letter records its death: RabbitMQ's `x-death` headers (so tools written for RabbitMQ
 * read them), plus Tidings' full reason.
 */
import type { Headers } from '../../message/index.js';
import type { QueueEntry } from './queue.js';

/** Records where and why a message died, in RabbitMQ's `x-death` shape plus the full reason. */
export function withDeath(entry: QueueEntry, queue: string, reason: string, kind: string): Headers {
  const previous = Array.isArray(entry.message.headers['x-death']) ? (entry.message.headers['x-death'] as Headers[]) : [];
  const death: Headers = {
    count: 1,
    reason: kind,
    queue,
    time: Math.floor(Date.now() / 1000),
    exchange: entry.exchange,
    'routing-keys': [entry.message.topic],
  };
  return {
    ...entry.message.headers,
    'x-death': [death, ...previous],
    'x-first-death-queue': (entry.message.headers['x-first-death-queue'] as string | undefined) ?? queue,
    'x-first-death-reason': (entry.message.headers['x-first-death-reason'] as string | undefined) ?? kind,
    'x-tidings-death-reason': reason,
  };
}
