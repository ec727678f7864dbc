/**
 * Timeouts for many operations in flight on one timer. A busy publisher has thousands of publishes
 * awaiting confirmation; a timer each would cost more than the publish. Operations with the same
 * timeout finish roughly in the order they started, so each timeout length keeps a FIFO whose front
 * is its earliest deadline, and finished operations are swept off the front as they complete.
 */

class Deadline implements DeadlineTicket {
  done_ = false;

  constructor(
    readonly at: number,
    readonly onTimeout: () => void,
    private readonly fifo: DeadlineFifo,
  ) {}

  get finished(): boolean {
    return this.done_;
  }

  done(): void {
    this.done_ = true;
    if (this.fifo.front() === this) this.fifo.sweep();
  }
}

class DeadlineFifo {
  private items: Deadline[] = [];
  private head = 0;

  push(item: Deadline): void {
    this.items.push(item);
  }

  front(): Deadline | undefined {
    return this.items[this.head];
  }

  shift(): void {
    this.items[this.head++] = undefined as unknown as Deadline;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops finished operations from the front. */
  sweep(): void {
    let front = this.front();
    while (front?.finished) {
      this.shift();
      front = this.front();
    }
  }

  get empty(): boolean {
    return this.head >= this.items.length;
  }
}

export interface DeadlineTicket {
  /** When the operation times out (epoch milliseconds). */
  readonly at: number;
  /** The operation finished in time: forget its deadline. */
  done(): void;
}

export class DeadlineQueue {
  private readonly fifos = new Map<number, DeadlineFifo>();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;

  /** Calls `onTimeout` after `timeoutMs` unless the ticket is marked done first. */
  add(timeoutMs: number, onTimeout: () => void): DeadlineTicket {
    let fifo = this.fifos.get(timeoutMs);
    if (!fifo) {
      fifo = new DeadlineFifo();
      this.fifos.set(timeoutMs, fifo);
    }
    const deadline = new Deadline(Date.now() + timeoutMs, onTimeout, fifo);
    fifo.push(deadline);
    if (deadline.at < this.armedAt) this.arm(deadline.at);
    return deadline;
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - Date.now()));
    // Waiting for a deadline must not keep a finished program alive.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const [timeout, fifo] of this.fifos) {
      fifo.sweep();
      let front = fifo.front();
      while (front && front.at <= now) {
        fifo.shift();
        if (!front.finished) {
          front.done_ = true;
          front.onTimeout();
        }
        fifo.sweep();
        front = fifo.front();
      }
      if (front) next = Math.min(next, front.at);
      else if (fifo.empty) this.fifos.delete(timeout);
    }
    if (next !== Infinity) this.arm(next);
  }
}
