/** The archive inside `tidings serve`: the consumer that fills it, retention, and the queries that read it. */
import type { TidingsConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { Bus } from '../../bus/index.js';
import type { SchemaRegistry } from '../../message/index.js';
import { ArchiveStore, type StoreDatabase } from '../../store/index.js';
import { ArchiveQueries, ArchiveWriter } from '../../archive/index.js';
import type { BusBackend } from './backend.js';

const RETENTION_EVERY_MS = 3_600_000;

export interface ArchiveService {
  readonly queries: ArchiveQueries;
  ready(): boolean;
  stop(): Promise<void>;
}

/** Forgets messages older than the configured age, now and every hour. */
function startRetention(store: ArchiveStore, days: number | null, logger: Logger): NodeJS.Timeout | undefined {
  if (days === null) return undefined;
  const prune = (): void => {
    const cutoff = Date.now() - days * 86_400_000;
    store.prune(cutoff).then(
      (removed) => removed > 0 && logger.info({ removed, before: new Date(cutoff).toISOString() }, 'archive retention removed old messages'),
      (error: unknown) => logger.error({ err: error }, 'archive retention failed; trying again in an hour'),
    );
  };
  prune();
  const timer = setInterval(prune, RETENTION_EVERY_MS);
  timer.unref();
  return timer;
}

export async function startArchiveService(
  config: TidingsConfig,
  database: StoreDatabase,
  backend: BusBackend,
  registry: SchemaRegistry,
  logger: Logger,
): Promise<ArchiveService> {
  const archiveLogger = logger.child({ part: 'archive' });
  const bus = new Bus(await backend.connect('tidings-archive'), { registry, logger: archiveLogger });
  const store = new ArchiveStore(database);
  const writer = new ArchiveWriter(store, { logger: archiveLogger });
  await writer.start(bus);
  const retention = startRetention(store, config.archive.retention_days, archiveLogger);
  return {
    queries: new ArchiveQueries(database),
    ready: () => bus.transport.connected,
    async stop() {
      clearInterval(retention);
      await writer.stop();
      await bus.close();
    },
  };
}
