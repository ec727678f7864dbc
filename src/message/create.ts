/**
 * Building a message to publish, and the checks a message must pass before it is published.
 * createMessage fills in what fedora-messaging consumers expect in the headers (schema, severity,
 * sent-at, priority and one boolean header per routing fact) but does not validate the body
 * against its schema: the bus calls checkMessage for that, once, at the edge.
 */
import { randomUUID } from 'node:crypto';
import { MessageFormatError, MessageTooLargeError } from './errors.js';
import {
  BASE_SCHEMA_NAME,
  type Body,
  FactHeaderPrefix,
  Header,
  type Headers,
  type Message,
  type SeverityLevel,
} from './message.js';
import { describeJsonType, describeNotNonEmptyString, isPlainObject, quote } from './json.js';
import { type ResolvedSchema, type SchemaRegistry } from './registry.js';
import { deriveListFacts, LIST_FACTS, type MessageSchema } from './schema.js';
import { parseSeverity } from './severity.js';
import { formatSentAt, parseSentAt } from './time.js';
import { assertValidTopic, MAX_TOPIC_BYTES } from './topic.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** AMQP priorities are an octet; RabbitMQ uses 0-255 (0-9 in practice). */
const MAX_PRIORITY = 255;

export interface MessageInit {
  readonly topic: string;
  readonly body: Body;
  /** Defaults to a new UUID4. */
  readonly id?: string;
  /** The schema (or its name); defaults to the `fedora_messaging_schema` header, then the base schema. */
  readonly schema?: string | MessageSchema;
  /** Defaults to the severity header, then the schema's default severity. */
  readonly severity?: SeverityLevel;
  readonly headers?: Headers;
  /** Defaults to the `sent-at` header, then now. */
  readonly sentAt?: Date;
  readonly priority?: number;
  /** The queue a received message came from. */
  readonly queue?: string;
}

/** A message ready to publish. Throws InvalidTopicError or MessageFormatError for a bad envelope. */
export function createMessage(init: MessageInit, registry: SchemaRegistry): Message {
  assertValidTopic(init.topic);
  assertBodyIsObject(init.body, init.topic);
  const id = init.id ?? randomUUID();
  assertValidId(id, init.topic);
  const priority = checkPriority(init.priority, init.topic);

  const headers: Record<string, Headers[string]> = { ...init.headers };
  const { schema, name: schemaName } = schemaFor(init, headers, registry);
  headers[Header.schema] = schemaName;
  headers[Header.severity] =
    init.severity !== undefined
      ? parseSeverity(init.severity)
      : headers[Header.severity] !== undefined
        ? parseSeverity(headers[Header.severity])
        : schema.severity;
  headers[Header.sentAt] = formatSentAt(init.sentAt ?? parseSentAt(headers[Header.sentAt]) ?? new Date());
  headers[Header.priority] = priority ?? 0;

  const message: Message = {
    id,
    topic: init.topic,
    headers,
    body: init.body,
    ...(priority !== undefined && { priority }),
    ...(init.queue !== undefined && { queue: init.queue }),
  };
  // Fact headers already present are kept: they may come from a Python schema this process does
  // not know, and dropping them would break routing on a headers exchange.
  const facts = deriveListFacts(schema, message);
  for (const fact of LIST_FACTS) {
    for (const value of facts[fact]) {
      const name = FactHeaderPrefix[fact] + value;
      // A header name is an AMQP shortstr; a longer one cannot be sent, so it cannot be routed on.
      if (Buffer.byteLength(name, 'utf8') <= MAX_TOPIC_BYTES) headers[name] = true;
    }
  }
  return message;
}

export interface CheckOptions {
  readonly registry: SchemaRegistry;
  /** Largest body, in UTF-8 bytes of its JSON; DEFAULT_MAX_BODY_BYTES when absent. */
  readonly maxBodyBytes?: number;
}

/**
 * Everything a message must satisfy to be published: topic rules, an object body, a non-empty id,
 * the size limit, then the body schema. Throws the matching TidingsError; returns the schema used.
 */
export function checkMessage(message: Message, options: CheckOptions): ResolvedSchema {
  assertValidTopic(message.topic);
  assertBodyIsObject(message.body, message.topic);
  assertValidId(message.id, message.topic);
  encodeCheckedBody(message, options.maxBodyBytes);
  return options.registry.validate(message);
}

/**
 * The body as JSON text, checked against the size limit: what publishing sends, computed once.
 * Throws MessageFormatError when the body cannot be JSON, MessageTooLargeError when it is too big.
 */
export function encodeCheckedBody(message: Message, maxBodyBytes = DEFAULT_MAX_BODY_BYTES): string {
  const limit = maxBodyBytes;
  let json: string;
  try {
    json = JSON.stringify(message.body);
  } catch (error) {
    throw new MessageFormatError(
      `the body of ${quote(message.topic)} cannot be written as JSON (${(error as Error).message}): ` +
        'use only JSON values, without cycles or BigInts',
      { cause: error },
    );
  }
  // Checking the length first skips counting bytes for bodies that cannot be over the limit.
  if (json.length * 3 > limit) {
    const size = Buffer.byteLength(json, 'utf8');
    if (size > limit) throw new MessageTooLargeError(size, limit, message.topic);
  }
  return json;
}

/**
 * The schema that derives the facts, and the name to send. An unknown name is sent as given (a
 * consumer that knows it will use it) while the base schema derives the facts here.
 */
function schemaFor(init: MessageInit, headers: Headers, registry: SchemaRegistry): { schema: MessageSchema; name: string } {
  if (typeof init.schema === 'object') return { schema: init.schema, name: init.schema.name };
  const fromHeader = headers[Header.schema];
  const name = init.schema ?? (typeof fromHeader === 'string' && fromHeader !== '' ? fromHeader : BASE_SCHEMA_NAME);
  return { schema: registry.resolve(name).schema, name };
}

function assertBodyIsObject(body: unknown, topic: string): void {
  if (!isPlainObject(body)) {
    throw new MessageFormatError(
      `the body of ${quote(topic)} must be a JSON object, got ${describeJsonType(body)}: wrap the value, e.g. {"value": …}`,
    );
  }
}

function assertValidId(id: unknown, topic: string): void {
  if (typeof id !== 'string' || id === '') {
    throw new MessageFormatError(
      `the id of a message on ${quote(topic)} must be a non-empty string, got ${describeNotNonEmptyString(id)}: ` +
        'leave it out to get a new UUID',
    );
  }
}

function checkPriority(priority: number | undefined, topic: string): number | undefined {
  if (priority === undefined) return undefined;
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
    throw new MessageFormatError(
      `the priority of a message on ${quote(topic)} is ${String(priority)}: use a whole number from 0 to ${MAX_PRIORITY}`,
    );
  }
  return priority;
}
