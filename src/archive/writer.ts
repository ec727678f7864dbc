/**
 * The archive's consumer: a durable queue bound to `#`, every message stored once. Messages are
 * written in batches; a message is acknowledged only once its batch is committed. When the database
 * is unreachable the batch is retried with backoff and nothing is acknowledged meanwhile, so the
 * broker keeps the messages (bounded by the prefetch) until the database is back.
 */
import type { Logger } from 'pino';
import type { Bus, Consumer, ReceivedMessage } from '../bus/index.js';
import type { ArchiveRecord, ArchiveStore } from '../store/index.js';
import { recordOf } from './record.js';

export const ARCHIVE_QUEUE = 'tidings.archive';
/**
 * Most messages in one transaction. On a B-tree database each index entry dirties a page; messages
 * written together share pages (the same user, package, topic, hour), so big batches under load
 * write each page once for many messages: ingest is about twice as fast at 10,000 as at 500.
 */
export const ARCHIVE_BATCH_SIZE = 10_000;
/** How long a batch waits for company after its first message, while messages keep arriving. */
export const ARCHIVE_MAX_DELAY_MS = 500;
/** A pause this long in arrivals writes the batch at once: a quiet bus is archived within ~20 ms. */
const QUIET_MS = 20;

export interface ArchiveWriterOptions {
  readonly queue?: string;
  /** Most messages per transaction; also how many handlers wait at once. */
  readonly batchSize?: number;
  /** Longest a partial batch waits for company while messages keep coming (ms). */
  readonly maxDelayMs?: number;
  readonly logger: Logger;
}

interface Batch {
  readonly records: ArchiveRecord[];
  readonly written: Promise<void>;
  readonly startedAt: number;
  /** How many records it had at the last look: growth since means messages are still coming. */
  seen: number;
  write(): void;
}

export class ArchiveWriter {
  private consumer: Consumer | undefined;
  private batch: Batch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Messages stored since start (new ones; duplicates not counted). */
  stored = 0;

  constructor(
    private readonly store: ArchiveStore,
    private readonly options: ArchiveWriterOptions,
  ) {}

  private get batchSize(): number {
    return this.options.batchSize ?? ARCHIVE_BATCH_SIZE;
  }

  async start(bus: Bus): Promise<Consumer> {
    this.consumer = await bus.consume(
      {
        queue: this.options.queue ?? ARCHIVE_QUEUE,
        bindings: ['#'],
        concurrency: this.batchSize,
        prefetch: this.batchSize + 1_000,
        keepInvalid: true,
      },
      (message) => this.add(message),
    );
    return this.consumer;
  }

  /** Resolves once the message is committed (the consumer acks it then). */
  add(message: ReceivedMessage): Promise<void> {
    if (message.problem) {
      this.options.logger.warn({ id: message.id, topic: message.topic, problem: message.problem }, 'archiving a message it cannot read, as received');
    }
    const batch = (this.batch ??= this.newBatch());
    batch.records.push(recordOf(message));
    if (batch.records.length >= this.batchSize) batch.write();
    else this.timer ??= setTimeout(() => this.tick(), QUIET_MS);
    return batch.written;
  }

  /** Writes the batch once arrivals pause or it has waited long enough; else looks again shortly. */
  private tick(): void {
    this.timer = undefined;
    const batch = this.batch;
    if (!batch) return;
    const growing = batch.records.length > batch.seen;
    batch.seen = batch.records.length;
    if (growing && Date.now() - batch.startedAt < (this.options.maxDelayMs ?? ARCHIVE_MAX_DELAY_MS)) {
      this.timer = setTimeout(() => this.tick(), QUIET_MS);
      return;
    }
    batch.write();
  }

  private newBatch(): Batch {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const written = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const batch: Batch = {
      records: [],
      written,
      startedAt: Date.now(),
      seen: 0,
      write: () => {
        if (this.batch !== batch) return;
        this.batch = undefined;
        clearTimeout(this.timer);
        this.timer = undefined;
        this.writeWithRetry(batch.records).then(resolve, reject);
      },
    };
    return batch;
  }

  private async writeWithRetry(records: ArchiveRecord[]): Promise<void> {
    let delay = 250;
    for (let attempt = 1; ; attempt++) {
      try {
        this.stored += await this.store.insert(records);
        if (attempt > 1) this.options.logger.info({ attempt }, 'archive database is back; writing again');
        return;
      } catch (error) {
        if (this.stopped) throw error;
        this.options.logger.error(
          { err: error, messages: records.length, attempt, retryInMs: delay },
          'archive could not write to its database; holding the messages (not acknowledged) and retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /** Writes what is pending and stops; a database that stays away fails the batch (its messages are requeued). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.batch?.write();
    await this.consumer?.stop();
  }
}
