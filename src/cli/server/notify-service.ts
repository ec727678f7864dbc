/**
 * Notifications inside `tidings serve`: package ownership and group membership kept current from
 * the bus (OwnershipTracker), and the notifier — matching every message against people's rules and
 * delivering through the configured channels. Each consumer stops when the database fails under it
 * (its message goes back to the queue); here it is started again after a pause, so serve keeps
 * notifying once the database is back, and says so in its log.
 */
import type { NotifyConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { Bus, type Consumer } from '../../bus/index.js';
import type { SchemaRegistry } from '../../message/index.js';
import type { StoreDatabase } from '../../store/index.js';
import { InboxStore, LinkBuilder, loadNotifySecret, Notifier, NotifyStore, OwnershipTracker, type DestinationKind, type NotifierOptions } from '../../notify/index.js';
import type { BusBackend } from './backend.js';
import { createChannels } from './notify-channels.js';

const RESTART_AFTER_MS = 5_000;

export interface NotifyService {
  readonly store: NotifyStore;
  readonly inbox: InboxStore;
  readonly links: LinkBuilder;
  readonly secret: Buffer;
  /** Null when notifications are switched off (`notify.enabled = false`): ownership is still tracked. */
  readonly notifier: Notifier | null;
  /** The kinds of destination delivered to: the inbox, and a channel's kind when it runs. */
  readonly kinds: readonly DestinationKind[];
  stop(): Promise<void>;
}

export interface NotifyServiceOptions {
  readonly config: NotifyConfig;
  /** Where people reach serve, known once it listens: the links' base unless notify.public_url says otherwise. */
  readonly servedUrl: () => string;
  readonly notifierOptions?: Partial<NotifierOptions>;
}

/** Runs `start` now and again RESTART_AFTER_MS after each time its consumer ends, until stopped. */
function keepRunning(what: string, start: () => Promise<Consumer>, log: Logger): { first: Promise<void>; stop(): void } {
  let stopping = false;
  let pause: NodeJS.Timeout | undefined;
  const restartLater = (): void => {
    pause = setTimeout(() => void restart(), RESTART_AFTER_MS);
  };
  const watch = (consumer: Consumer): void => {
    void consumer.ended.then((end) => {
      if (stopping) return;
      log.error({ reason: end.reason, err: end.error }, `${what} stopped; starting again in ${RESTART_AFTER_MS / 1000} s`);
      restartLater();
    });
  };
  const restart = async (): Promise<void> => {
    try {
      watch(await start());
      log.info(`${what} runs again`);
    } catch (error) {
      if (stopping) return;
      log.error({ err: error }, `${what} could not start; trying again in ${RESTART_AFTER_MS / 1000} s`);
      restartLater();
    }
  };
  // The first start is awaited by the caller: a bus that refuses the queue is a startup error, not a log line.
  const first = start().then(watch);
  return {
    first,
    stop() {
      stopping = true;
      clearTimeout(pause);
    },
  };
}

export async function startNotifyService(
  database: StoreDatabase,
  backend: BusBackend,
  registry: SchemaRegistry,
  logger: Logger,
  options: NotifyServiceOptions,
): Promise<NotifyService> {
  const log = logger.child({ part: 'notify' });
  const store = new NotifyStore(database);
  const inbox = new InboxStore(database);
  const secret = await loadNotifySecret(database);
  const links = new LinkBuilder(() => options.config.public_url ?? options.servedUrl(), secret);
  const stops: Array<() => Promise<void>> = [];
  try {
    const trackerBus = new Bus(await backend.connect('tidings-notify-ownership'), { registry, logger: log });
    stops.push(() => trackerBus.close());
    const tracker = new OwnershipTracker(store, { logger: log });
    const tracking = keepRunning('ownership tracking', () => tracker.start(trackerBus), log);
    stops.push(async () => (tracking.stop(), await tracker.stop()));
    await tracking.first;

    let notifier: Notifier | null = null;
    const kinds: DestinationKind[] = ['inbox'];
    if (options.config.enabled) {
      const channels = createChannels(options.config, secret, database, log);
      const bus = new Bus(await backend.connect('tidings-notify'), { registry, logger: log });
      stops.push(() => bus.close());
      const running = new Notifier(database, { channels, links, logger: log, ...options.notifierOptions });
      stops.push(() => running.stop());
      let started = false;
      const matching = keepRunning(
        'notification matching',
        async () => {
          if (started) return running.consume(bus);
          started = true;
          return running.start(bus);
        },
        log,
      );
      stops.push(async () => matching.stop());
      await matching.first;
      notifier = running;
      kinds.push(...channels.map((channel) => channel.kind as DestinationKind));
      log.info({ channels: channels.map((channel) => channel.kind) }, 'notifications on');
    }
    return {
      store,
      inbox,
      links,
      secret,
      notifier,
      kinds,
      async stop() {
        for (const stop of stops.splice(0).reverse()) await stop().catch((error: unknown) => log.warn({ err: error }, 'error while stopping notifications'));
      },
    };
  } catch (error) {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    throw error;
  }
}
