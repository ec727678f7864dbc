/**
 * Reading a dead letter's story from its headers (RabbitMQ's `x-death`, `x-first-death-*`, and
 * Tidings' own reason and retry count), and the headers a retried message goes out with.
 */
import type { Headers } from '../../message/index.js';
import type { RawMessage } from '../../bus/index.js';
import { DEATH_REASON_HEADER, RETRY_COUNT_HEADER, type DeadLetter } from '../model.js';

export interface DeathStory {
  readonly reason: string | null;
  readonly originQueue: string | null;
  readonly originExchange: string | null;
  readonly originRoutingKey: string | null;
  readonly diedAt: number | null;
  readonly deaths: number;
  readonly retries: number;
}

export function deathStory(headers: Headers): DeathStory {
  const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as unknown[]).filter(isRecord) : [];
  // Brokers put the latest death first; that one says where the message was last taken from.
  const latest = deaths[0];
  const routingKeys = latest?.['routing-keys'];
  return {
    reason: text(headers[DEATH_REASON_HEADER]) ?? text(latest?.['reason']) ?? text(headers['x-first-death-reason']),
    originQueue: text(latest?.['queue']) ?? text(headers['x-first-death-queue']),
    originExchange: latest && typeof latest['exchange'] === 'string' ? latest['exchange'] : text(headers['x-first-death-exchange']),
    originRoutingKey: Array.isArray(routingKeys) ? text(routingKeys[0]) : null,
    diedAt: latest ? epochMs(latest['time']) : null,
    deaths: deaths.reduce((sum, death) => sum + (typeof death['count'] === 'number' ? death['count'] : 1), 0),
    retries: retryCount(headers),
  };
}

export function toDeadLetter(queue: string, position: number, message: RawMessage): DeadLetter {
  return { queue, position, id: message.id, topic: message.topic, headers: message.headers, body: message.body, ...deathStory(message.headers) };
}

/** The message as a retry sends it: to its original routing key, with its retry count raised by one. */
export function retriedMessage(message: RawMessage, story: DeathStory): RawMessage {
  return {
    ...message,
    topic: story.originRoutingKey ?? message.topic,
    headers: { ...message.headers, [RETRY_COUNT_HEADER]: story.retries + 1 },
  };
}

function retryCount(headers: Headers): number {
  const value = headers[RETRY_COUNT_HEADER];
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** `x-death` times are AMQP timestamps: seconds, as a number, or a date once decoded. */
function epochMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}
