/** A message as the archive keeps it: its envelope, the facts its schema derives, its body as received. */
import { categoryOf } from '../message/index.js';
import type { ReceivedMessage } from '../bus/index.js';
import type { ArchiveRecord } from '../store/index.js';

export function recordOf(message: ReceivedMessage, now = Date.now()): ArchiveRecord {
  const { facts } = message;
  const time = facts.sentAt?.getTime();
  return {
    id: message.id,
    time: time !== undefined && Number.isFinite(time) ? time : now,
    topic: message.topic,
    category: categoryOf(message.topic),
    severity: facts.severity,
    schema: facts.schema,
    agent: message.problem ? null : facts.agent,
    headers: message.headers,
    // Python writes non-ASCII as \uXXXX escapes; store the characters, so `contains` finds them.
    body: !message.problem && message.bodyText.includes('\\u') ? JSON.stringify(message.body) : message.bodyText,
    raw: message.problem !== null,
    usernames: message.problem ? [] : facts.usernames,
    packages: message.problem ? [] : facts.packages,
    groups: message.problem ? [] : facts.groups,
  };
}
