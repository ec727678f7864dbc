/**
 * Notifications inside `tidings serve`, as far as they are built: package ownership and group
 * membership kept current from the bus (OwnershipTracker). The tracker stops when the database
 * fails under it (the message goes back to its queue); here it is started again after a pause, so
 * serve keeps tracking once the database is back, and says so in its log.
 */
import type { Logger } from '../../log/index.js';
import { Bus, type Consumer } from '../../bus/index.js';
import type { SchemaRegistry } from '../../message/index.js';
import type { StoreDatabase } from '../../store/index.js';
import { NotifyStore, OwnershipTracker } from '../../notify/index.js';
import type { BusBackend } from './backend.js';

const RESTART_AFTER_MS = 5_000;

export interface NotifyService {
  readonly store: NotifyStore;
  stop(): Promise<void>;
}

export async function startNotifyService(database: StoreDatabase, backend: BusBackend, registry: SchemaRegistry, logger: Logger): Promise<NotifyService> {
  const log = logger.child({ part: 'notify' });
  const store = new NotifyStore(database);
  const bus = new Bus(await backend.connect('tidings-notify'), { registry, logger: log });
  const tracker = new OwnershipTracker(store, { logger: log });
  let stopping = false;
  let pause: NodeJS.Timeout | undefined;

  const restartLater = (): void => {
    pause = setTimeout(() => void restart(), RESTART_AFTER_MS);
  };
  const watch = (consumer: Consumer): void => {
    void consumer.ended.then((end) => {
      if (stopping) return;
      log.error({ reason: end.reason, err: end.error }, `ownership tracking stopped; starting again in ${RESTART_AFTER_MS / 1000} s`);
      restartLater();
    });
  };
  const restart = async (): Promise<void> => {
    try {
      watch(await tracker.start(bus));
      log.info('ownership tracking runs again');
    } catch (error) {
      if (stopping) return;
      log.error({ err: error }, `ownership tracking could not start; trying again in ${RESTART_AFTER_MS / 1000} s`);
      restartLater();
    }
  };
  // The first start is awaited: a bus that refuses the queue is a startup error, not a log line.
  watch(await tracker.start(bus));

  return {
    store,
    async stop() {
      stopping = true;
      clearTimeout(pause);
      await tracker.stop();
      await bus.close();
    },
  };
}
