/**
 * A message taken off a queue, ready to publish again: the same body and basic properties, and its
 * headers typed on the wire as they arrived. amqplib decodes integers to plain numbers and would
 * re-encode them as the narrowest type (a byte); fedora-messaging reads `fedora_messaging_severity`
 * as an int, so integers go back as pika sends them (signed 32-bit, else 64-bit), and values amqplib
 * hands over typed (`{'!': 'timestamp', value}`) go back as they came.
 */
import type { Message, Options } from 'amqplib';
import { RETRY_COUNT_HEADER } from '../model.js';
import { isDeathHeader, retriesOf } from './dead-letters.js';

function reencode(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { '!': 'double', value };
    return value >= -0x80000000 && value < 0x80000000 ? { '!': 'int', value } : { '!': 'long', value };
  }
  if (Array.isArray(value)) return value.map(reencode);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || Object.hasOwn(value, '!')) return value;
  const table: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) table[key] = reencode(inner);
  return table;
}

function reencodeTable(headers: Readonly<Record<string, unknown>>, keep: (name: string) => boolean): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers)) if (keep(key)) table[key] = reencode(value);
  return table;
}

/** Every basic property amqplib reads, as publish options. */
function sameProperties(message: Message, headers: Record<string, unknown>): Options.Publish {
  const p = message.properties;
  const options: Options.Publish = { headers };
  const copy: Array<[keyof Options.Publish, unknown]> = [
    ['contentType', p.contentType],
    ['contentEncoding', p.contentEncoding],
    ['deliveryMode', p.deliveryMode],
    ['priority', p.priority],
    ['correlationId', p.correlationId],
    ['replyTo', p.replyTo],
    ['expiration', p.expiration],
    ['messageId', p.messageId],
    ['timestamp', p.timestamp],
    ['type', p.type],
    ['userId', p.userId],
    ['appId', p.appId],
  ];
  for (const [name, value] of copy) if (value !== undefined && value !== null) (options as Record<string, unknown>)[name] = value;
  return options;
}

/** For a move: the message exactly as it was. */
export function unchangedCopy(message: Message): Options.Publish {
  return sameProperties(message, reencodeTable(message.properties.headers ?? {}, () => true));
}

/**
 * For a retry: a new life. The death records go (the next death writes its own, and a stale reason
 * would mislead whoever peeks next), and the retry count goes up, so a message retried in a loop shows.
 */
export function retriedCopy(message: Message): Options.Publish {
  const original = message.properties.headers ?? {};
  const headers = reencodeTable(original, (name) => !isDeathHeader(name) && name !== RETRY_COUNT_HEADER);
  headers[RETRY_COUNT_HEADER] = { '!': 'int', value: retriesOf(original) + 1 };
  return sameProperties(message, headers);
}
