/**
 * One connected stream client (an SSE response or a WebSocket) and its subscriptions. The hub hands
 * it matching events; it writes them to its outlet unless the client has fallen behind — then it is
 * let go with a reason rather than have the server hold an ever-growing backlog for it. A
 * subscription that resumes first collects live events while its history is read, then sends the
 * history, then what it collected (minus what the history already had), then goes live.
 */
import type { Logger } from 'pino';
import type { TidingsError } from '../../message/index.js';
import type { StreamEvent } from './event.js';
import type { StreamFilter } from './filter.js';
import type { Filtered } from './filter-index.js';
import { SlowClientError } from './errors.js';

/** Where a client's bytes go: the HTTP response of an SSE stream, or a WebSocket. */
export interface Outlet {
  /** Bytes accepted for the client but not yet handed to the kernel. */
  queuedBytes(): number;
  /** Of those, the ones offered to the kernel and not taken: what the client has not read (batch.ts). */
  backlogBytes(): number;
  write(chunk: Buffer): void;
  /** Resolves when the queued bytes have been handed on (or the connection is gone). */
  drained(): Promise<void>;
  /** Says why (if `error`) and closes. */
  end(error?: TidingsError): void;
}

/** Where subscriptions are filed: the hub, seen from a client. */
export interface SubscriptionRegistry {
  add(subscription: StreamSubscription): void;
  remove(subscription: StreamSubscription): void;
}

export interface StreamLimits {
  /** A client with more than this waiting to be sent is disconnected (1 MiB). */
  readonly maxQueuedBytes: number;
  /** Live events held while a resuming subscription sends its history (8 MiB). */
  readonly maxCatchUpBytes: number;
}

export const DEFAULT_LIMITS: StreamLimits = { maxQueuedBytes: 1024 * 1024, maxCatchUpBytes: 8 * 1024 * 1024 };

export class StreamSubscription implements Filtered {
  /** Live events collected while the history is read; null once live. */
  pending: StreamEvent[] | null;
  /** Ids sent from history that may still come live (each is skipped once). */
  seam: Set<string> | null = null;

  constructor(
    readonly id: string,
    readonly filter: StreamFilter,
    readonly client: StreamClient,
    resuming: boolean,
  ) {
    this.pending = resuming ? [] : null;
  }
}

/** MiB for people, in reasons and logs. */
function mebibytes(bytes: number): string {
  return `${Math.round((bytes / 1048576) * 10) / 10} MiB`;
}

export class StreamClient {
  private readonly subscriptions = new Map<string, StreamSubscription>();
  private catchUpBytes = 0;
  private closed = false;

  constructor(
    private readonly hub: SubscriptionRegistry,
    private readonly outlet: Outlet,
    /** The wire form of an event for one subscription. */
    private readonly frame: (event: StreamEvent, subscription: string) => Buffer,
    private readonly limits: StreamLimits,
    private readonly logger: Logger,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  has(id: string): boolean {
    return this.subscriptions.has(id);
  }

  /** True while this subscription (not a later one under the same id) is filed. */
  isActive(subscription: StreamSubscription): boolean {
    return !this.closed && this.subscriptions.get(subscription.id) === subscription;
  }

  /** Files a subscription with the hub now, so nothing published from here on is missed. */
  subscribe(id: string, filter: StreamFilter, resuming: boolean): StreamSubscription {
    const subscription = new StreamSubscription(id, filter, this, resuming);
    this.subscriptions.set(id, subscription);
    this.hub.add(subscription);
    return subscription;
  }

  unsubscribe(id: string): boolean {
    const subscription = this.subscriptions.get(id);
    if (!subscription) return false;
    this.subscriptions.delete(id);
    this.hub.remove(subscription);
    this.forgetPending(subscription);
    return true;
  }

  /** The hub's call for each matching event. Never throws: the hub serves everyone else next. */
  deliver(subscription: StreamSubscription, event: StreamEvent): void {
    if (!this.isActive(subscription)) return;
    if (subscription.pending) {
      subscription.pending.push(event);
      this.catchUpBytes += event.messageJson.length;
      if (this.catchUpBytes > this.limits.maxCatchUpBytes) {
        this.drop(`too slow: more than ${mebibytes(this.limits.maxCatchUpBytes)} of live messages arrived while catching up`);
      }
      return;
    }
    if (subscription.seam?.delete(event.id)) return; // already sent from history
    // Checked before writing, so one message larger than the bound still goes to a client that keeps up.
    if (this.outlet.backlogBytes() > this.limits.maxQueuedBytes) {
      this.drop(`too slow: more than ${mebibytes(this.limits.maxQueuedBytes)} waiting to be sent`);
      return;
    }
    this.outlet.write(this.frame(event, subscription.id));
  }

  /**
   * Sends a resuming subscription's history, then the live events it collected meanwhile that the
   * history did not have, pacing itself on the outlet, then lets live events through directly.
   */
  async catchUp(subscription: StreamSubscription, history: readonly StreamEvent[]): Promise<void> {
    const replayed = new Set<string>();
    for (const event of history) {
      if (!this.isActive(subscription)) return; // unsubscribed meanwhile
      replayed.add(event.id);
      if (!(await this.paced(this.frame(event, subscription.id)))) return;
    }
    const pending = subscription.pending;
    // New live events keep arriving in `pending` while this awaits; the loop takes them too.
    while (pending && subscription.pending === pending && pending.length > 0) {
      const event = pending.shift()!;
      this.catchUpBytes -= event.messageJson.length;
      if (replayed.delete(event.id)) continue;
      if (!(await this.paced(this.frame(event, subscription.id)))) return;
    }
    if (!pending || subscription.pending !== pending) return; // unsubscribed meanwhile
    subscription.pending = null;
    subscription.seam = replayed.size ? replayed : null;
  }

  /**
   * Writes, then waits while the outlet holds more than half the bound: the other half is headroom
   * for live messages of the client's other subscriptions, which must not look like slowness.
   * False once the client is gone.
   */
  private async paced(chunk: Buffer): Promise<boolean> {
    if (this.closed) return false;
    this.outlet.write(chunk);
    if (this.outlet.queuedBytes() > this.limits.maxQueuedBytes / 2) await this.outlet.drained();
    return !this.closed;
  }

  /** Lets a client go that does not read fast enough, saying why. */
  drop(reason: string): void {
    if (this.closed) return;
    const queuedBytes = this.outlet.queuedBytes();
    this.logger.warn({ code: 'CLIENT_TOO_SLOW', queuedBytes, catchUpBytes: this.catchUpBytes, subscriptions: this.subscriptions.size }, 'stream client too slow: disconnected');
    this.close(new SlowClientError(reason));
  }

  /** Files nothing more and ends the connection (with a reason when given). Safe to call twice. */
  close(error?: TidingsError): void {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions.values()) this.hub.remove(subscription);
    this.subscriptions.clear();
    this.catchUpBytes = 0;
    this.outlet.end(error);
  }

  private forgetPending(subscription: StreamSubscription): void {
    for (const event of subscription.pending ?? []) this.catchUpBytes -= event.messageJson.length;
    subscription.pending = null;
  }
}
