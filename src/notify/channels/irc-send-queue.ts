/**
 * The lines waiting for the IRC server, written in order at a rate the server tolerates: servers
 * disconnect (or silently throttle) a client that floods, and one connection carries every
 * recipient's notifications, so the rate is shared by all of them.
 *
 * Each send is a batch of lines, kept together. A batch resolves once its last line was written
 * while connected. When the connection drops, the batch being written resumes where it stopped
 * after the next registration; a batch that waits longer than `waitMs` for a connection fails with
 * a transient DeliveryError (delivery tries the whole job again later).
 */
import { DeliveryError } from '../errors.js';

/**
 * `burst` lines at once, then `perSecond` (a token bucket, kept as GCRA's one number: when the
 * next line would be due if lines had gone at exactly the rate, so no fractions of a token drift).
 */
export class LineRateLimiter {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private due: number;

  constructor(
    perSecond: number,
    burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError(`an IRC rate needs lines_per_second > 0 and a burst ≥ 1 (got ${perSecond}, ${burst})`);
    this.intervalMs = 1000 / perSecond;
    this.toleranceMs = (Math.floor(burst) - 1) * this.intervalMs;
    this.due = now();
  }

  /** Milliseconds until a line may go; 0 when one may now. */
  delayMs(): number {
    return Math.max(0, Math.ceil(this.due - this.toleranceMs - this.now()));
  }

  /** Spends one line; call only when delayMs() is 0. */
  take(): void {
    this.due = Math.max(this.due, this.now()) + this.intervalMs;
  }
}

/** Where lines go: the connection. */
export interface LineWriter {
  /** Registered with the server: lines may be written. */
  readonly ready: boolean;
  /** Resolves once the line was handed to the socket while connected; rejects otherwise. */
  write(line: string): Promise<void>;
}

interface Batch {
  readonly lines: readonly string[];
  next: number;
  resolve(): void;
  reject(error: Error): void;
  /** Running while the batch waits for a connection. */
  timer: NodeJS.Timeout | undefined;
}

export interface IrcSendQueueOptions {
  readonly linesPerSecond: number;
  readonly burst: number;
  /** How long a batch waits for a connection before failing. */
  readonly waitMs: number;
  /** Named in the errors: `irc://host:port`. */
  readonly server: string;
}

export class IrcSendQueue {
  private readonly batches: Batch[] = [];
  private readonly limiter: LineRateLimiter;
  private pumping = false;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly writer: LineWriter,
    private readonly options: IrcSendQueueOptions,
  ) {
    this.limiter = new LineRateLimiter(options.linesPerSecond, options.burst);
  }

  /** Queues the lines of one send; resolves once all were written. */
  send(lines: readonly string[]): Promise<void> {
    if (this.closed) return Promise.reject(new DeliveryError(`the IRC channel (${this.options.server}) is closed`));
    if (lines.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const batch: Batch = { lines, next: 0, resolve, reject, timer: undefined };
      this.batches.push(batch);
      if (!this.writer.ready) this.startWaiting(batch);
      void this.pump();
    });
  }

  /** The connection registered: batches stop waiting and lines flow again. */
  connected(): void {
    for (const batch of this.batches) this.stopWaiting(batch);
    this.signal();
  }

  /** The connection dropped: every batch starts counting its wait. */
  disconnected(): void {
    for (const batch of this.batches) this.startWaiting(batch);
  }

  /** Fails every waiting batch (transient: nothing is lost) and stops. */
  close(): void {
    this.closed = true;
    for (const batch of this.batches.splice(0)) {
      this.stopWaiting(batch);
      batch.reject(new DeliveryError(`the IRC channel (${this.options.server}) closed before these lines were sent`));
    }
    this.signal();
  }

  private startWaiting(batch: Batch): void {
    if (batch.timer) return;
    batch.timer = setTimeout(() => {
      const index = this.batches.indexOf(batch);
      if (index < 0) return;
      this.batches.splice(index, 1);
      batch.timer = undefined;
      batch.reject(
        new DeliveryError(`not connected to the IRC server ${this.options.server} for ${Math.round(this.options.waitMs / 1000)} s; the notification will be sent again later`),
      );
      this.signal();
    }, this.options.waitMs);
  }

  private stopWaiting(batch: Batch): void {
    clearTimeout(batch.timer);
    batch.timer = undefined;
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Until signal() (a connection, a batch gone, close) or `ms` (when given) have passed. */
  private pause(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.signal(), ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** The one writer loop: a line at a time, in order, when connected and the rate allows. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let batch = this.batches[0]; batch && !this.closed; batch = this.batches[0]) {
        if (!this.writer.ready) {
          await this.pause();
          continue;
        }
        const delay = this.limiter.delayMs();
        if (delay > 0) {
          await this.pause(delay);
          continue;
        }
        this.limiter.take();
        try {
          await this.writer.write(batch.lines[batch.next]!);
        } catch {
          // The connection went away mid-write: the line goes again after the next registration.
          continue;
        }
        // The batch may have timed out (or the queue closed) while its line was being written.
        if (this.batches[0] !== batch) continue;
        batch.next += 1;
        if (batch.next === batch.lines.length) {
          this.batches.shift();
          this.stopWaiting(batch);
          batch.resolve();
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}
