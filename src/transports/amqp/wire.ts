/**
 * The fedora-messaging wire format on AMQP 0-9-1 (shared/WIRE.md): how a RawMessage becomes basic
 * properties and a body, and back. Integers in headers are sent as signed 32-bit ('I'), as Python's
 * pika does, so `fedora_messaging_severity` reads back as the int fedora-messaging expects.
 */
import { createHash } from 'node:crypto';
import type { Options } from 'amqplib';
import type { Headers, HeaderValue } from '../../message/index.js';
import type { RawMessage } from '../../bus/index.js';

type AmqpFieldValue = unknown;

/** A JS value as an AMQP field-table value, with integers typed the way pika types them. */
function encodeValue(value: HeaderValue): AmqpFieldValue {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { '!': 'double', value };
    if (value >= -0x80000000 && value < 0x80000000) return { '!': 'int', value };
    return { '!': 'long', value };
  }
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value !== null && typeof value === 'object') return encodeHeaders(value);
  return value;
}

/** Headers as an AMQP field table, typed as fedora-messaging (pika) types them. */
export function encodeHeaders(table: Record<string, HeaderValue>): Record<string, AmqpFieldValue> {
  const encoded: Record<string, AmqpFieldValue> = {};
  for (const key in table) encoded[key] = encodeValue(table[key]!);
  return encoded;
}

/** Field-table values as they come from amqplib, made JSON-safe (byte arrays, 64-bit integers). */
function decodeValue(value: unknown): HeaderValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(decodeValue);
  if (typeof value === 'object') {
    const table: Record<string, HeaderValue> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) table[key] = decodeValue(inner);
    return table;
  }
  return value as HeaderValue;
}

export function decodeHeaders(headers: Record<string, unknown> | undefined): Headers {
  const decoded: Headers = {};
  if (!headers) return decoded;
  for (const key in headers) decoded[key] = decodeValue(headers[key]);
  return decoded;
}

/** Basic properties fedora-messaging sets, and nothing it does not (no timestamp, type, app_id). */
export function publishProperties(message: RawMessage, mandatory: boolean): Options.Publish {
  return {
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    deliveryMode: 2,
    messageId: message.id,
    headers: encodeHeaders(message.headers),
    ...(message.priority !== undefined ? { priority: message.priority } : {}),
    ...(mandatory ? { mandatory: true } : {}),
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface IncomingAmqpMessage {
  readonly content: Buffer;
  readonly fields: { readonly routingKey: string; readonly exchange: string; readonly redelivered: boolean };
  readonly properties: { readonly messageId?: unknown; readonly headers?: Record<string, unknown>; readonly priority?: unknown };
}

/**
 * A delivery as a RawMessage, or the reason it cannot be one (a body that is not UTF-8). A message
 * without a message id gets one derived from its content, so its redeliveries keep the same id.
 */
export function toRawMessage(message: IncomingAmqpMessage): RawMessage | { readonly unreadable: string } {
  let body: string;
  try {
    body = strictUtf8.decode(message.content);
  } catch {
    return { unreadable: 'the body is not UTF-8 text (fedora-messaging bodies are UTF-8 JSON)' };
  }
  const { messageId, priority } = message.properties;
  const id =
    typeof messageId === 'string' && messageId !== ''
      ? messageId
      : `sha256-${createHash('sha256').update(message.fields.routingKey).update('\n').update(message.content).digest('hex').slice(0, 32)}`;
  return {
    id,
    topic: message.fields.routingKey,
    headers: decodeHeaders(message.properties.headers),
    body,
    ...(typeof priority === 'number' ? { priority } : {}),
  };
}
