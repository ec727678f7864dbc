/**
 * Reading a dead letter: why it died, where it came from, how often it died and was retried. Two
 * writers leave these facts. RabbitMQ's own dead-lettering (max length, expiry, a nack without
 * requeue) adds `x-death`; Tidings' (a handler's Drop, an undecodable message) publishes a copy with
 * `x-tidings-death-*` headers, since the broker's reason cannot carry a sentence. Pure functions of a
 * message's headers, shared by peek (HTTP) and the actions (AMQP) so both name a message alike.
 */
import { DEATH_REASON_HEADER, RETRY_COUNT_HEADER, type DeadLetter } from '../model.js';
import { decodeHeaders, SHARED_DEAD_LETTER_QUEUE, DEAD_LETTER_SUFFIX } from '../../transports/amqp/index.js';
// The id rule (message_id, else a digest of topic and body) must be the consumer's own, so ids
// shown by peek are the ones services log. wire.ts is the amqp part's codec; its face does not export it.
import { toRawMessage } from '../../transports/amqp/index.js';

/** Headers that describe a message's death; a retried message starts a new life without them. */
const DEATH_HEADERS = new Set(['x-death', 'x-first-death-queue', 'x-first-death-reason', 'x-first-death-exchange', 'x-last-death-queue', 'x-last-death-reason', 'x-last-death-exchange']);
const TIDINGS_DEATH_PREFIX = 'x-tidings-death-';

export function isDeadLetterQueueName(name: string): boolean {
  return name.endsWith(DEAD_LETTER_SUFFIX) || name === SHARED_DEAD_LETTER_QUEUE;
}

/**
 * The dead-letter queue of a consumer queue, as Tidings' topology names it: the queue's
 * `x-dead-letter-routing-key` is its key on `tidings.dead-letter`, reaching `<key>.dlq` (or the shared
 * queue). Without the argument (a queue declared by someone else), `<queue>.dlq` if it exists.
 */
export function deadLetterQueueOf(queue: { readonly name: string; readonly arguments?: Readonly<Record<string, unknown>> }, exists: (name: string) => boolean): string | null {
  if (isDeadLetterQueueName(queue.name)) return null;
  const key = queue.arguments?.['x-dead-letter-routing-key'];
  if (typeof key === 'string' && key !== '') return key === SHARED_DEAD_LETTER_QUEUE ? SHARED_DEAD_LETTER_QUEUE : key + DEAD_LETTER_SUFFIX;
  const conventional = queue.name + DEAD_LETTER_SUFFIX;
  return exists(conventional) ? conventional : null;
}

/** A dead letter as it left the broker, whichever client read it. */
export interface RawDeadLetter {
  readonly content: Buffer;
  /** The routing key it reached the dead-letter queue with (its dead-letter key, not its topic). */
  readonly routingKey: string;
  readonly exchange: string;
  readonly messageId: unknown;
  readonly headers: Readonly<Record<string, unknown>> | undefined;
}

interface XDeathEntry {
  readonly reason?: unknown;
  readonly queue?: unknown;
  readonly exchange?: unknown;
  readonly 'routing-keys'?: unknown;
  readonly time?: unknown;
  readonly count?: unknown;
}

function xDeathOf(headers: Readonly<Record<string, unknown>>): XDeathEntry[] {
  const entries = headers['x-death'];
  return Array.isArray(entries) ? entries.filter((entry): entry is XDeathEntry => typeof entry === 'object' && entry !== null) : [];
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return null;
}

function numberOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null && 'value' in value) return numberOf((value as { value: unknown }).value);
  return null;
}

/** An exchange name, where "" (the default exchange) is a name too. */
function exchangeName(value: unknown): string | null {
  return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : null;
}

/** `x-death` times are AMQP timestamps (seconds); Tidings writes ISO 8601. */
function epochMsOf(value: unknown): number | null {
  const asText = text(value);
  if (asText !== null) {
    const parsed = Date.parse(asText);
    return Number.isNaN(parsed) ? null : parsed;
  }
  const seconds = numberOf(value);
  return seconds === null ? null : seconds * 1000;
}

/** Where a dead letter was published before it died, to publish it there again. */
export interface Origin {
  readonly queue: string | null;
  readonly exchange: string | null;
  readonly routingKey: string | null;
}

export function originOf(headers: Readonly<Record<string, unknown>>): Origin {
  if (text(headers[DEATH_REASON_HEADER]) !== null) {
    return {
      queue: text(headers[`${TIDINGS_DEATH_PREFIX}queue`]) ?? text(headers['x-first-death-queue']),
      // Tidings records the exchange only as x-first-death-exchange (the message's exchange when it died).
      exchange: exchangeName(headers['x-first-death-exchange']),
      routingKey: text(headers[`${TIDINGS_DEATH_PREFIX}routing-key`]),
    };
  }
  const latest = xDeathOf(headers)[0];
  if (latest) {
    const keys = Array.isArray(latest['routing-keys']) ? latest['routing-keys'] : [];
    return { queue: text(latest.queue), exchange: exchangeName(latest.exchange), routingKey: text(keys[0]) };
  }
  return { queue: text(headers['x-first-death-queue']), exchange: exchangeName(headers['x-first-death-exchange']), routingKey: null };
}

export function retriesOf(headers: Readonly<Record<string, unknown>>): number {
  return numberOf(headers[RETRY_COUNT_HEADER]) ?? 0;
}

/** The message's id and fedora-messaging topic, by the consumer's own rules. */
export function identify(message: RawDeadLetter): { id: string; topic: string } {
  const headers = message.headers ?? {};
  const topic = originOf(headers).routingKey ?? message.routingKey;
  const raw = toRawMessage({
    content: message.content,
    fields: { routingKey: topic, exchange: message.exchange, redelivered: false },
    properties: { messageId: message.messageId, headers: {} },
  });
  return { id: 'unreadable' in raw ? String(message.messageId ?? '') : raw.id, topic };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function describeDeadLetter(queue: string, position: number, message: RawDeadLetter): DeadLetter {
  const headers = decodeHeaders(message.headers as Record<string, unknown> | undefined);
  const deaths = xDeathOf(message.headers ?? {});
  const tidingsReason = text(headers[DEATH_REASON_HEADER]);
  const origin = originOf(message.headers ?? {});
  let body: string;
  try {
    body = strictUtf8.decode(message.content);
  } catch {
    body = message.content.toString('base64'); // not text: shown as base64 rather than mangled
  }
  const brokerDeaths = deaths.reduce((sum, entry) => sum + (numberOf(entry.count) ?? 1), 0);
  return {
    queue,
    position,
    ...identify(message),
    headers,
    body,
    reason: tidingsReason ?? text(deaths[0]?.reason) ?? text(headers['x-first-death-reason']),
    originQueue: origin.queue,
    originExchange: origin.exchange,
    originRoutingKey: origin.routingKey,
    diedAt: epochMsOf(headers[`${TIDINGS_DEATH_PREFIX}time`]) ?? epochMsOf(deaths[0]?.time),
    // Tidings' own dead-lettering leaves no x-death entry: it counts as one death.
    deaths: brokerDeaths + (tidingsReason !== null ? 1 : 0),
    retries: retriesOf(headers),
  };
}

/** Whether a header records a death (dropped on retry). */
export function isDeathHeader(name: string): boolean {
  return DEATH_HEADERS.has(name) || name.startsWith(TIDINGS_DEATH_PREFIX);
}
