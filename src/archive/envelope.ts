/**
 * Reading archives from elsewhere: fedmsg envelopes (`{topic, msg, timestamp, msg_id, i, username…}`)
 * and fedora-messaging JSON Lines (`{topic, headers, id, body}`), as messages and archive records.
 * An envelope without a `msg_id` gets one derived from its content, so the same envelope imported
 * twice is the same message.
 */
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  categoryOf,
  Header,
  MessageFormatError,
  parseSentAt,
  type Body,
  type Headers,
  type Message,
  type SchemaRegistry,
} from '../message/index.js';
import type { ArchiveRecord } from '../store/index.js';

/**
 * An id from the envelope's content, in fedmsg's shape (`YYYY-<uuid>`, the year of its timestamp;
 * just the uuid for an undated envelope): deterministic, so importing it again finds it stored.
 */
export function derivedEnvelopeId(envelope: Record<string, unknown>): string {
  const { topic, msg, timestamp, i } = envelope;
  const hex = createHash('sha1').update(canonicalJson({ topic, msg, timestamp, i })).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  const seconds = Number(timestamp);
  return Number.isFinite(seconds) && timestamp !== null && timestamp !== undefined ? `${new Date(seconds * 1000).getUTCFullYear()}-${uuid}` : uuid;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A line of an archive file (an envelope or a fedora-messaging message) as a message and its time. */
export function messageFromArchiveLine(line: unknown): { message: Message; time: number } {
  if (!isObject(line)) throw new MessageFormatError('each line must be a JSON object (a fedmsg envelope or a fedora-messaging message)');
  if (typeof line['topic'] !== 'string' || line['topic'] === '') throw new MessageFormatError('"topic" is missing or not a string');
  if ('msg' in line) {
    if (!isObject(line['msg'])) throw new MessageFormatError('"msg" (the body of a fedmsg envelope) must be a JSON object');
    const stamp = line['timestamp'];
    if (stamp !== undefined && stamp !== null && !Number.isFinite(Number(stamp))) {
      throw new MessageFormatError(`"timestamp" must be epoch seconds, got ${JSON.stringify(stamp).slice(0, 40)}`);
    }
    // An undated envelope (fedmsg's test fixtures have some) is archived at the time of its import.
    const time = stamp === undefined || stamp === null ? Date.now() : Math.round(Number(stamp) * 1000);
    const id = typeof line['msg_id'] === 'string' && line['msg_id'] !== '' ? line['msg_id'] : derivedEnvelopeId(line);
    const headers: Headers = {
      [Header.schema]: 'base.message',
      [Header.sentAt]: new Date(time).toISOString().slice(0, 19) + '+00:00',
      ...(isObject(line['headers']) ? (line['headers'] as Headers) : {}),
    };
    return { message: { id, topic: line['topic'], headers, body: line['msg'] as Body }, time };
  }
  if (!isObject(line['body'])) throw new MessageFormatError('"body" must be a JSON object (or give a fedmsg envelope with "msg")');
  const headers = isObject(line['headers']) ? (line['headers'] as Headers) : {};
  if (typeof line['id'] !== 'string' || line['id'] === '') throw new MessageFormatError('"id" is missing: a fedora-messaging message needs its id');
  let time: number;
  try {
    time = parseSentAt(headers[Header.sentAt])?.getTime() ?? Date.now();
  } catch {
    time = Date.now();
  }
  return { message: { id: line['id'], topic: line['topic'], headers, body: line['body'] as Body }, time };
}

export function recordFromMessage(message: Message, time: number, registry: SchemaRegistry): ArchiveRecord {
  const facts = registry.facts(message);
  return {
    id: message.id,
    time,
    topic: message.topic,
    category: categoryOf(message.topic),
    severity: facts.severity,
    schema: facts.schema,
    agent: facts.agent,
    headers: message.headers,
    body: JSON.stringify(message.body),
    raw: false,
    usernames: facts.usernames,
    packages: facts.packages,
    groups: facts.groups,
  };
}
