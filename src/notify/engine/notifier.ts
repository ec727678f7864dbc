/**
 * The notification server as one service: it reads every message on the bus from a durable queue,
 * matches it against everyone's rules (the index, kept current), hands the matches to the
 * dispatcher, and runs delivery (the channels' workers) and digests. A message is acknowledged only
 * once what it caused is stored, so a crash or a database outage loses nothing: the message comes
 * back and is matched again, and deterministic job ids keep it from being sent twice.
 */
import type { Logger } from 'pino';
import type { Bus, Consumer, ReceivedMessage } from '../../bus/index.js';
import type { StoreDatabase } from '../../store/index.js';
import type { Channel, DeliveryLinks } from '../delivery/types.js';
import type { Destination } from '../model.js';
import { DeliveryStore, deliveryId } from '../store/delivery-store.js';
import { InboxStore, NotifyStore } from '../store/index.js';
import { DeliveryWorker, type DeliveryOutcome } from './delivery-worker.js';
import { DigestScheduler } from './digest-scheduler.js';
import { Dispatcher, type DispatchResult } from './dispatcher.js';
import { IndexSync } from './index-sync.js';

export const NOTIFY_QUEUE = 'tidings.notify.match';
/** Sent deliveries and settings changes are kept this long (ids guard against re-sends meanwhile). */
export const KEEP_DELIVERED_MS = 14 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface NotifierOptions {
  readonly channels: readonly Channel[];
  readonly links: DeliveryLinks;
  readonly logger?: Logger;
  readonly queue?: string;
  /** Messages matched at once; matching is cheap, the store writes are what waits. */
  readonly concurrency?: number;
  readonly digestEveryMs?: number;
  readonly workerPollMs?: number;
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
  readonly onDispatch?: (message: ReceivedMessage, results: readonly DispatchResult[]) => void;
}

export class Notifier {
  readonly store: NotifyStore;
  readonly delivery: DeliveryStore;
  readonly inbox: InboxStore;
  private readonly sync: IndexSync;
  private readonly dispatcher: Dispatcher;
  private readonly worker: DeliveryWorker;
  private readonly digests: DigestScheduler;
  private consumer: Consumer | undefined;
  private pruning: NodeJS.Timeout | undefined;

  constructor(
    database: StoreDatabase,
    private readonly options: NotifierOptions,
  ) {
    this.store = new NotifyStore(database);
    this.delivery = new DeliveryStore(database);
    this.inbox = new InboxStore(database);
    const logger = options.logger;
    this.worker = new DeliveryWorker(this.store, this.delivery, options.channels, options.links, {
      ...(logger ? { logger } : {}),
      ...(options.workerPollMs ? { pollMs: options.workerPollMs } : {}),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    });
    const onQueued = (kind: Destination['kind']): void => this.worker.wake(kind);
    this.dispatcher = new Dispatcher(this.store, this.delivery, this.inbox, { ...(logger ? { logger } : {}), onQueued });
    this.sync = new IndexSync(this.store, { ...(logger ? { logger } : {}), onDestinationChange: (id) => this.dispatcher.forget(id) });
    this.digests = new DigestScheduler(this.store, this.delivery, { ...(logger ? { logger } : {}), onQueued, ...(options.digestEveryMs ? { everyMs: options.digestEveryMs } : {}) });
  }

  /** Builds the index, starts delivery and digests, then consumes the bus. */
  async start(bus: Bus): Promise<Consumer> {
    await this.sync.start();
    this.worker.start();
    this.digests.start();
    this.pruning = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruning.unref();
    return this.consume(bus);
  }

  /** Forgets sent deliveries and settings changes older than KEEP_DELIVERED_MS. */
  async prune(now = Date.now()): Promise<void> {
    try {
      const sent = await this.delivery.pruneSent(now - KEEP_DELIVERED_MS);
      const changes = await this.store.pruneChanges(now - KEEP_DELIVERED_MS);
      if (sent + changes > 0) this.options.logger?.info({ sent, changes }, 'old deliveries and settings changes forgotten');
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'could not prune old deliveries; trying again in an hour');
    }
  }

  /** Consumes again after the consumer ended (the bus or the database failed under it). */
  async consume(bus: Bus): Promise<Consumer> {
    this.consumer = await bus.consume(
      { queue: this.options.queue ?? NOTIFY_QUEUE, bindings: ['#'], prefetch: 200, concurrency: this.options.concurrency ?? 8 },
      (message) => this.handle(message),
    );
    return this.consumer;
  }

  async handle(message: ReceivedMessage): Promise<void> {
    const matches = this.sync.index.match(message, message.facts);
    if (matches.length === 0) return;
    const results = await this.dispatcher.dispatch(message, message.facts, matches);
    this.options.onDispatch?.(message, results);
  }

  /** Queues a destination's confirmation code (called by the settings API after adding it). */
  async sendVerification(destination: Destination, code: string): Promise<void> {
    if (destination.kind === 'inbox') return;
    await this.delivery.enqueue({ id: deliveryId('verification', destination.id, code), destinationId: destination.id, channel: destination.kind, kind: 'verification', payload: { code }, dueAt: Date.now() });
    this.worker.wake(destination.kind);
  }

  /** Index changes, due digests: now rather than at the next timer (tests, the CLI). */
  async settle(): Promise<void> {
    await this.sync.poll();
    await this.digests.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.pruning);
    await this.consumer?.stop();
    await this.digests.stop();
    await this.sync.stop();
    await this.worker.stop();
    await Promise.all(this.options.channels.map((channel) => channel.close().catch(() => undefined)));
  }
}
