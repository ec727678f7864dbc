/**
 * When two archived messages are the same: the same topic and body, whatever the JSON's spacing,
 * escapes or key order. A different message arriving under a taken id is kept as `<id>~<digest>`.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../message/index.js';
import type { ArchiveRecord } from './archive-store.js';

export function contentKey(topic: string, body: string, raw: boolean): string {
  if (raw) return `${topic}\n${body}`;
  try {
    return `${topic}\n${canonicalJson(JSON.parse(body))}`;
  } catch {
    return `${topic}\n${body}`;
  }
}

export function recordKey(record: ArchiveRecord): string {
  return contentKey(record.topic, record.body, record.raw);
}

/** The id a record takes when its own id is held by different content. */
export function collisionId(record: ArchiveRecord): string {
  return `${record.id}~${createHash('sha1').update(recordKey(record)).digest('hex').slice(0, 12)}`;
}

/** Duplicates inside one batch: the same content once; other content under the same id renamed. */
export function withinBatchCollisions(records: readonly ArchiveRecord[]): ArchiveRecord[] {
  const byId = new Map<string, ArchiveRecord[]>();
  for (const record of records) {
    const group = byId.get(record.id);
    if (group) group.push(record);
    else byId.set(record.id, [record]);
  }
  const out: ArchiveRecord[] = [];
  for (const group of byId.values()) {
    out.push(group[0]!);
    if (group.length === 1) continue;
    const seen = new Set([recordKey(group[0]!)]);
    for (const record of group.slice(1)) {
      const key = recordKey(record);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...record, id: collisionId(record) });
    }
  }
  return out;
}
