/**
 * Turning what a service wants to say into a checked raw message, and waiting for the broker's word.
 */
import {
  createMessage,
  encodeBody,
  encodeCheckedBody,
  type Message,
  type MessageInit,
  type SchemaRegistry,
} from '../message/index.js';
import type { DeadlineQueue } from './deadlines.js';
import { PublishTimeoutError } from './errors.js';
import type { RawMessage, Transport } from './transport.js';

export interface PublishSettings {
  readonly registry: SchemaRegistry;
  /** Joined before every topic: `prefix.rstrip('.') + '.' + topic`, as fedora-messaging does. */
  readonly topicPrefix: string;
  readonly exchange: string;
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  readonly priority: number | null;
  /** Publish timeouts of this bus, on one timer. */
  readonly deadlines: DeadlineQueue;
}

export interface PublishCallOptions {
  /** Milliseconds to wait for the broker's confirmation. */
  readonly timeout?: number;
  /** Fail when no queue takes the message. */
  readonly mandatory?: boolean;
  /** Publish the topic as given, without the configured prefix. */
  readonly raw?: boolean;
}

export function applyTopicPrefix(prefix: string, topic: string): string {
  if (prefix === '') return topic;
  const trimmed = prefix.replace(/\.+$/, '');
  return trimmed ? `${trimmed}.${topic}` : topic;
}

/**
 * The JSON text of a prepared message's body: encoded once, to check the size, and sent as is. Kept
 * on the message under a symbol (cheaper than a WeakMap on the hot path) together with the body it
 * encodes, so a copy of the message with another body is never sent with this text.
 */
const ENCODED_BODY = Symbol('tidings.encodedBody');

interface Encoded {
  readonly body: unknown;
  readonly json: string;
}

function encodedBodyOf(message: Message): string {
  const encoded = (message as { [ENCODED_BODY]?: Encoded })[ENCODED_BODY];
  return encoded?.body === message.body ? encoded.json : encodeBody(message.body);
}

/**
 * Builds the message (id, headers, derived facts) and checks it against every rule: the envelope
 * (createMessage), the size limit and the body's schema.
 */
export function prepareMessage(init: MessageInit, settings: PublishSettings, raw = false): Message {
  const topic = raw ? init.topic : applyTopicPrefix(settings.topicPrefix, init.topic);
  const priority = init.priority ?? settings.priority ?? undefined;
  const unchanged = topic === init.topic && priority === init.priority;
  const message = createMessage(
    unchanged ? init : { ...init, topic, ...(priority !== undefined ? { priority } : {}) },
    settings.registry,
  );
  const encoded: Encoded = { body: message.body, json: encodeCheckedBody(message, settings.maxBodyBytes) };
  (message as { [ENCODED_BODY]?: Encoded })[ENCODED_BODY] = encoded;
  settings.registry.validate(message);
  return message;
}

export function toRawMessage(message: Message): RawMessage {
  return {
    id: message.id,
    topic: message.topic,
    headers: message.headers,
    body: encodedBodyOf(message),
    ...(message.priority !== undefined ? { priority: message.priority } : {}),
  };
}

/**
 * Publishes and waits for the confirmation, failing with PublishTimeoutError when it is late.
 * Resolves with `value`, so a caller that returns something needs no promise of its own.
 */
export function publishConfirmed<T = void>(
  transport: Transport,
  message: Message,
  settings: PublishSettings,
  options: PublishCallOptions,
  value?: T,
): Promise<T> {
  const timeoutMs = options.timeout ?? settings.timeoutMs;
  return new Promise<T>((resolve, reject) => {
    const deadline = settings.deadlines.add(timeoutMs, () =>
      reject(new PublishTimeoutError(message.topic, timeoutMs, transport.address)),
    );
    transport
      .publish(toRawMessage(message), {
        exchange: settings.exchange,
        deadline: deadline.at,
        ...(options.mandatory ? { mandatory: true } : {}),
      })
      .then(
        () => {
          deadline.done();
          resolve(value as T);
        },
        (error: unknown) => {
          deadline.done();
          reject(error);
        },
      );
  });
}
