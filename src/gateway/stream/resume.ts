/**
 * Resuming a stream after a message id, without a gap and without an id twice — the approach of
 * `tidings consume --since` (cli/since.ts), inside serve:
 * 1. the caller files the subscription first, collecting live events, so nothing published from
 *    then on is missed;
 * 2. the archive is awaited until it holds the last message the hub dispatched before that — the
 *    archive writer runs on its own queue and commits in batches, so it may be a moment behind;
 *    since.ts sleeps out the archive's lag, here the hub knows exactly what to wait for;
 * 3. history is read from the archive: every message stored after the given id that passes the
 *    filter, in the archive's order (the order it arrived);
 * 4. the caller sends history, then the live events collected meanwhile that history did not
 *    already have (client.ts: catchUp).
 * Reading is bounded: at most MAX_REPLAY messages sent and MAX_SCANNED read, else the client is
 * told to fetch the rest from the archive API.
 */
import type { Logger } from 'pino';
import type { SchemaRegistry } from '../../message/index.js';
import { parseQuery, type ArchiveQueries } from '../../archive/index.js';
import type { StoredMessage } from '../../store/index.js';
import { StreamEvent } from './event.js';
import { matchesFilter, type StreamFilter } from './filter.js';
import { ResumeError } from './errors.js';

export const MAX_REPLAY = 10_000;
const MAX_SCANNED = 100_000;
/**
 * The archive orders by sent-at, which publishers stamp with their own clocks; read this much
 * before the resumed message's time so a message stamped a little earlier but stored later is not
 * missed (what decides "after" is the archive's arrival order, `seq`).
 */
const CLOCK_SKEW_MS = 5 * 60_000;
/** How long the archive may take to store what the bus has already delivered (it batches for ~20 ms). */
const ARCHIVE_CATCH_UP_MS = 3_000;
const ARCHIVE_POLL_MS = 20;
const SCAN_BATCH = 500;

export interface ResumeSource {
  readonly queries: ArchiveQueries;
  readonly registry: SchemaRegistry;
  readonly logger: Logger;
}

/** Waits until the archive has `id` (the hub's high-water mark); false when it did not in time. */
async function archiveHas(queries: ArchiveQueries, id: string): Promise<boolean> {
  const deadline = Date.now() + ARCHIVE_CATCH_UP_MS;
  // Polling: the archive writer is another part with no "committed up to" signal to wait on.
  for (;;) {
    if (await queries.byId(id)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, ARCHIVE_POLL_MS));
  }
}

function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('#');
}

/** The archive query: what SQL can filter (names, categories, exact topics), from just before the resumed message on. */
function historyRequest(filter: StreamFilter, last: StoredMessage): ReturnType<typeof parseQuery> {
  const now = Date.now();
  const params = new URLSearchParams({ start: String((last.time - CLOCK_SKEW_MS) / 1000), end: String((now + 86_400_000) / 1000) });
  for (const name of filter.user) params.append('user', name);
  for (const name of filter.package) params.append('package', name);
  for (const name of filter.category) params.append('category', name);
  // Patterns are matched here; exact topics alone can go to SQL.
  if (filter.topic.length && !filter.topic.some(hasWildcard)) for (const topic of filter.topic) params.append('topic', topic);
  return parseQuery(params, { now, defaultWindowMs: 0 });
}

/**
 * The archived messages after `afterId` that pass `filter`, oldest first, ready to send. Call it
 * after the subscription is filed; `highWater` is the hub's high-water mark at that moment.
 */
export async function readHistory(source: ResumeSource, afterId: string, filter: StreamFilter, highWater: string | undefined): Promise<StreamEvent[]> {
  const { queries, registry, logger } = source;
  if (highWater !== undefined && !(await archiveHas(queries, highWater))) {
    logger.warn({ code: 'ARCHIVE_BEHIND', highWater }, 'stream resume refused: the archive has not stored what the bus delivered');
    throw new ResumeError('ARCHIVE_BEHIND', `the archive is more than ${ARCHIVE_CATCH_UP_MS / 1000} s behind the bus, so resuming now could leave a gap: reconnect in a few seconds`);
  }
  const last = await queries.byId(afterId);
  if (!last) {
    throw new ResumeError(
      'RESUME_UNKNOWN_ID',
      `no message with id ${JSON.stringify(afterId.slice(0, 100))} in the archive (never seen, or older than its retention): reconnect without Last-Event-ID, and read older messages from /v2/search`,
    );
  }
  const found: Array<{ seq: number; event: StreamEvent }> = [];
  let scanned = 0;
  for await (const stored of queries.scan(historyRequest(filter, last), SCAN_BATCH)) {
    if (++scanned > MAX_SCANNED || found.length > MAX_REPLAY) {
      throw new ResumeError(
        'RESUME_TOO_FAR',
        `more than ${MAX_REPLAY.toLocaleString('en-US')} messages (or ${MAX_SCANNED.toLocaleString('en-US')} read) since ${JSON.stringify(afterId.slice(0, 100))}: read them from /v2/search, then reconnect without Last-Event-ID`,
      );
    }
    if (stored.seq <= last.seq || stored.raw) continue;
    const event = StreamEvent.stored(stored, registry);
    if (matchesFilter(filter, event)) found.push({ seq: stored.seq, event });
  }
  found.sort((a, b) => a.seq - b.seq);
  logger.debug({ after: afterId, replayed: found.length, scanned }, 'stream resumed from the archive');
  return found.map((entry) => entry.event);
}
