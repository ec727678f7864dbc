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

export interface ArchiveWriterOptions {
  readonly queue?: string;
  /** Messages per transaction; also how many handlers wait at once. */
  readonly batchSize?: number;
  /** How long a partial batch waits for company before it is written. */
  readonly flushDelayMs?: number;
  readonly logger: Logger;
}

interface Batch {
  readonly records: ArchiveRecord[];
  readonly written: Promise<void>;
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
    return this.options.batchSize ?? 500;
  }

  async start(bus: Bus): Promise<Consumer> {
    this.consumer = await bus.consume(
      {
        queue: this.options.queue ?? ARCHIVE_QUEUE,
        bindings: ['#'],
        concurrency: this.batchSize,
        prefetch: this.batchSize * 2,
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
    else this.timer ??= setTimeout(() => this.batch?.write(), this.options.flushDelayMs ?? 20);
    return batch.written;
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
