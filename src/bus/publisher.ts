/**
 * Turning what a service wants to say into a checked raw message, and waiting for the broker's word.
 */
import {
  checkMessage,
  createMessage,
  encodeBody,
  type Message,
  type MessageInit,
  type SchemaRegistry,
} from '../message/index.js';
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
  const trimmed = prefix.replace(/\.+$/, '');
  return trimmed ? `${trimmed}.${topic}` : topic;
}

/** Builds the message (id, headers, derived facts) and checks it against every rule and its schema. */
export function prepareMessage(init: MessageInit, settings: PublishSettings, raw = false): Message {
  const topic = raw ? init.topic : applyTopicPrefix(settings.topicPrefix, init.topic);
  const priority = init.priority ?? settings.priority ?? undefined;
  const message = createMessage({ ...init, topic, ...(priority !== undefined ? { priority } : {}) }, settings.registry);
  checkMessage(message, { registry: settings.registry, maxBodyBytes: settings.maxBodyBytes });
  return message;
}

export function toRawMessage(message: Message): RawMessage {
  return {
    id: message.id,
    topic: message.topic,
    headers: message.headers,
    body: encodeBody(message.body),
    ...(message.priority !== undefined ? { priority: message.priority } : {}),
  };
}

/** Publishes and waits for the confirmation, failing with PublishTimeoutError when it is late. */
export async function publishConfirmed(
  transport: Transport,
  message: Message,
  settings: PublishSettings,
  options: PublishCallOptions,
): Promise<void> {
  const timeoutMs = options.timeout ?? settings.timeoutMs;
  const confirmed = transport.publish(toRawMessage(message), {
    exchange: settings.exchange,
    ...(options.mandatory ? { mandatory: true } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PublishTimeoutError(message.topic, timeoutMs, transport.address)), timeoutMs);
  });
  try {
    await Promise.race([confirmed, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
