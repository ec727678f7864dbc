/** The running count per hour and topic that lets totals over long windows skip the messages. */
import type { ArchiveRecord } from './archive-store.js';

export const HOUR = 3_600_000;

export interface HourlyCount {
  readonly hour: number;
  readonly topic: string;
  readonly category: string | null;
  count: number;
}

/** One entry per (hour, topic) among `records`. */
export function hourlyCounts(records: Iterable<ArchiveRecord>): HourlyCount[] {
  const counts = new Map<string, HourlyCount>();
  for (const record of records) {
    const hour = Math.floor(record.time / HOUR) * HOUR;
    const key = `${hour} ${record.topic}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { hour, topic: record.topic, category: record.category, count: 1 });
  }
  return [...counts.values()];
}
