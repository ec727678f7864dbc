/**
 * The mirror network's status inside `tidings serve`: a live subscription to the mirroring
 * announcements feeds the board, after the archive's last 7 days of them (so a restarted serve
 * knows every mirror at once). The subscription starts first and what it receives meanwhile waits,
 * so nothing falls between the archive and the live stream; a message seen in both counts once.
 */
import type { Logger } from '../../log/index.js';
import { Bus } from '../../bus/index.js';
import type { SchemaRegistry } from '../../message/index.js';
import { parseQuery, type ArchiveQueries } from '../../archive/index.js';
import { MirrorStatusBoard } from '../../mirror/index.js';
import type { BusBackend } from './backend.js';

const HISTORY_MS = 7 * 24 * 3_600_000;
const HISTORY_PAGES = 200;

export interface MirrorStatusService {
  readonly board: MirrorStatusBoard;
  stop(): Promise<void>;
}

export async function startMirrorStatusService(backend: BusBackend, registry: SchemaRegistry, archive: ArchiveQueries | undefined, logger: Logger): Promise<MirrorStatusService> {
  const log = logger.child({ part: 'mirror-status' });
  const board = new MirrorStatusBoard();
  const seen = new Set<string>();
  const take = (id: string, topic: string, body: unknown, time: Date): void => {
    if (seen.has(id) || typeof body !== 'object' || body === null) return;
    seen.add(id);
    if (seen.size > 100_000) seen.clear();
    board.apply(topic, body as Record<string, unknown>, time);
  };
  let waiting: Array<() => void> | null = [];
  const bus = new Bus(await backend.connect('tidings-mirror-status'), { registry, logger: log });
  await bus.consume({ queue: '', bindings: ['mirror.#', '*.*.*.mirror.#'] }, (message) => {
    const apply = (): void => take(message.id, message.topic, message.body, message.facts.sentAt ?? new Date());
    if (waiting) waiting.push(apply);
    else apply();
  });
  if (archive) {
    try {
      for (let page = 1; page <= HISTORY_PAGES; page++) {
        const params = new URLSearchParams({ category: 'mirror', order: 'asc', rows_per_page: '100', page: String(page), start: String((Date.now() - HISTORY_MS) / 1000) });
        const result = await archive.search(parseQuery(params, { now: Date.now(), defaultWindowMs: HISTORY_MS }));
        for (const stored of result.messages) take(stored.id, stored.topic, stored.body, new Date(stored.time));
        if (result.messages.length < 100) break;
      }
    } catch (error) {
      log.warn({ err: error }, 'could not read the mirrors\' recent history from the archive; the status fills in as they announce');
    }
  }
  for (const apply of waiting) apply();
  waiting = null;
  return { board, stop: () => bus.close() };
}
