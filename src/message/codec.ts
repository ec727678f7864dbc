/**
 * The JSON forms of a message: the body as sent on the wire, and the JSON Lines form used by the
 * `publish`/`record` CLIs and by datagrepper: `{"topic", "headers", "id", "body", "queue", "priority"}`.
 * Parsing says exactly what is wrong with a line, since lines are often written by hand.
 */
import { MessageFormatError } from './errors.js';
import type { Body, Headers, Message } from './message.js';
import { describeJsonType, describeNotNonEmptyString, isPlainObject, quote } from './json.js';

/** A parsed JSON line: what createMessage needs to rebuild the message. */
export interface ParsedMessage {
  readonly id?: string;
  readonly topic: string;
  readonly headers: Headers;
  readonly body: Body;
  readonly queue?: string;
  readonly priority?: number;
}

/** One line of JSON, without a trailing newline. */
export function formatMessageLine(message: Message): string {
  return JSON.stringify({
    topic: message.topic,
    headers: message.headers,
    id: message.id,
    body: message.body,
    queue: message.queue ?? null,
    ...(message.priority !== undefined && { priority: message.priority }),
  });
}

/** The message on one JSON line. Throws MessageFormatError saying what is wrong. */
export function parseMessageLine(line: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(stripBom(line));
  } catch (error) {
    throw new MessageFormatError(`line is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isPlainObject(value)) {
    throw new MessageFormatError(`line must be a JSON object with "topic" and "body", got ${describeJsonType(value)}`);
  }
  const { topic, headers, id, body, queue, priority } = value;

  if (topic === undefined) {
    throw new MessageFormatError('"topic" is missing: every message line needs a "topic" string');
  }
  if (typeof topic !== 'string') throw new MessageFormatError(`"topic" must be a string, got ${describeJsonType(topic)}`);
  if (body === undefined) {
    const hint = value['msg'] !== undefined ? ' (this looks like a fedmsg envelope, whose body is "msg")' : '';
    throw new MessageFormatError(`"body" is missing in the message on ${quote(topic)}${hint}`);
  }
  if (!isPlainObject(body)) {
    throw new MessageFormatError(`"body" must be a JSON object, got ${describeJsonType(body)}`);
  }
  // fedora-messaging writes null for absent headers, id and queue.
  if (headers !== undefined && headers !== null && !isPlainObject(headers)) {
    throw new MessageFormatError(`"headers" must be a JSON object, got ${describeJsonType(headers)}`);
  }
  if (id !== undefined && id !== null && (typeof id !== 'string' || id === '')) {
    throw new MessageFormatError(`"id" must be a non-empty string, got ${describeNotNonEmptyString(id)}`);
  }
  if (queue !== undefined && queue !== null && typeof queue !== 'string') {
    throw new MessageFormatError(`"queue" must be a string or null, got ${describeJsonType(queue)}`);
  }
  if (priority !== undefined && priority !== null && !(typeof priority === 'number' && Number.isInteger(priority))) {
    throw new MessageFormatError(`"priority" must be a whole number or null, got ${JSON.stringify(priority)}`);
  }
  return {
    topic,
    headers: (headers ?? {}) as Headers,
    body,
    ...(typeof id === 'string' && { id }),
    ...(typeof queue === 'string' && { queue }),
    ...(typeof priority === 'number' && { priority }),
  };
}

/** The body of a message received on `topic`, from its JSON text. Throws MessageFormatError. */
export function decodeBody(text: string, topic: string): Body {
  let value: unknown;
  try {
    value = JSON.parse(stripBom(text));
  } catch (error) {
    throw new MessageFormatError(`the body of ${quote(topic)} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isPlainObject(value)) {
    throw new MessageFormatError(`the body of ${quote(topic)} must be a JSON object, got ${describeJsonType(value)}`);
  }
  return value;
}

/** The body's JSON text, as sent on the wire. */
export function encodeBody(body: Body): string {
  return JSON.stringify(body);
}

// Files written by some Windows tools start with a byte-order mark, which JSON.parse rejects.
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
