/**
 * How stored messages look in answers: datagrepper's legacy form for /raw and /id (fedmsg-style
 * `msg_id`, `timestamp`, `msg`), fedora-messaging's form for /v2, and the `meta` fields asked for.
 */
import { SchemaRegistry, type Message } from '../../message/index.js';
import type { StoredMessage } from '../../store/index.js';

/** A stored message as the schema registry reads it (its facts are worked out from this). */
export function storedAsMessage(stored: StoredMessage): Message {
  const body = typeof stored.body === 'object' && stored.body !== null ? (stored.body as Record<string, unknown>) : {};
  return { id: stored.id, topic: stored.topic, headers: stored.headers, body };
}

export function metaOf(stored: StoredMessage, names: readonly string[], registry: SchemaRegistry): Record<string, unknown> {
  const facts = registry.facts(storedAsMessage(stored));
  const meta: Record<string, unknown> = {};
  for (const name of names) {
    switch (name) {
      case 'summary':
      case 'subtitle':
        meta[name] = facts.summary;
        break;
      case 'url':
      case 'link':
        meta[name] = facts.url;
        break;
      case 'usernames':
        meta[name] = facts.usernames;
        break;
      case 'packages':
        meta[name] = facts.packages;
        break;
      case 'groups':
        meta[name] = facts.groups;
        break;
      case 'agent':
        meta[name] = facts.agent;
        break;
      case 'app':
        meta[name] = facts.app;
        break;
      case 'severity':
        meta[name] = facts.severity;
        break;
      case 'date':
        meta[name] = new Date(stored.time).toISOString();
        break;
    }
  }
  return meta;
}

/** datagrepper's /raw form of a message. */
export function legacyForm(stored: StoredMessage, meta: readonly string[], registry: SchemaRegistry): Record<string, unknown> {
  return {
    msg_id: stored.id,
    topic: stored.topic,
    timestamp: stored.time / 1000,
    msg: stored.body,
    username: stored.agent,
    headers: stored.headers,
    ...(stored.raw ? { unreadable: true } : {}),
    ...(meta.length ? { meta: metaOf(stored, meta, registry) } : {}),
  };
}

/** fedora-messaging's JSON form (/v2). */
export function messageForm(stored: StoredMessage, meta: readonly string[], registry: SchemaRegistry): Record<string, unknown> {
  return {
    id: stored.id,
    topic: stored.topic,
    headers: stored.headers,
    body: stored.body,
    queue: null,
    ...(stored.raw ? { unreadable: true } : {}),
    ...(meta.length ? { meta: metaOf(stored, meta, registry) } : {}),
  };
}
