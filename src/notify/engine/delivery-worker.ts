/**
 * Sends what the outbox holds, channel by channel: leases due jobs, hands each to its channel, and
 * records the outcome — sent; tried again later with backoff (the peer is down, busy or slow);
 * or dead with the reason (the peer refused it for good, or it waited too long). A destination
 * refused again and again is paused, so that a bouncing address is not spammed.
 *
 * A channel that is not configured (no SMTP server, say) leaves its jobs queued: they go out once
 * it is, nothing lost. Workers in several processes share the outbox safely (leases).
 */
import type { Logger } from 'pino';
import { DeliveryError } from '../errors.js';
import { MAX_DELIVERY_AGE_MS, retryDelay } from '../delivery/backoff.js';
import type { Channel, DeliveryLinks } from '../delivery/types.js';
import type { Destination, DestinationKind } from '../model.js';
import type { DeliveryStore, OutboxRow } from '../store/delivery-store.js';
import type { NotifyStore } from '../store/index.js';
import { jobOf } from './job-of.js';

export interface DeliveryWorkerOptions {
  readonly logger?: Logger;
  /** Sends in flight per channel. */
  readonly concurrency?: number;
  /** How long a leased job is this worker's; longer than any channel's own timeout. */
  readonly leaseMs?: number;
  /** How often an idle channel looks for due jobs (retries come due without a wake-up). */
  readonly pollMs?: number;
  /** Told of each outcome (metrics, tests). */
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
}

export interface DeliveryOutcome {
  readonly id: string;
  readonly channel: DestinationKind;
  readonly kind: OutboxRow['kind'];
  readonly destinationId: string;
  readonly result: 'sent' | 'retry' | 'dead';
  readonly error?: string;
  /** From queueing to the outcome. */
  readonly ms: number;
}

class ChannelLoop {
  private inFlight = 0;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private stopped = false;
  private readonly sends = new Set<Promise<void>>();
  readonly done: Promise<void>;

  constructor(
    private readonly channel: Channel,
    private readonly worker: DeliveryWorker,
    private readonly concurrency: number,
    private readonly pollMs: number,
  ) {
    this.done = this.run();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.done;
    await Promise.all(this.sends);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const free = this.concurrency - this.inFlight;
      let claimed = 0;
      if (free > 0) {
        const rows = await this.worker.claim(this.channel.kind, free);
        claimed = rows.length;
        for (const row of rows) this.start(row);
      }
      // More may be due already (a full claim); else wait for a wake-up, a free slot or the poll.
      if (claimed > 0 && claimed === free) continue;
      await this.idle();
    }
  }

  private start(row: OutboxRow): void {
    this.inFlight++;
    const send = this.worker.send(this.channel, row).finally(() => {
      this.inFlight--;
      this.sends.delete(send);
      this.wake();
    });
    this.sends.add(send);
  }

  private idle(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(finish, this.pollMs);
      this.wakeUp = finish;
    });
  }
}

export class DeliveryWorker {
  private readonly loops = new Map<DestinationKind, ChannelLoop>();
  private readonly logger: Logger | undefined;
  private readonly leaseMs: number;
  private readonly waitingLogged = new Set<DestinationKind>();

  constructor(
    private readonly store: NotifyStore,
    private readonly delivery: DeliveryStore,
    private readonly channels: readonly Channel[],
    private readonly links: DeliveryLinks,
    private readonly options: DeliveryWorkerOptions = {},
  ) {
    this.logger = options.logger;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
  }

  start(): void {
    for (const channel of this.channels) {
      this.loops.set(channel.kind, new ChannelLoop(channel, this, this.options.concurrency ?? 8, this.options.pollMs ?? 1_000));
    }
  }

  /** A job was queued for `kind`: look now rather than at the next poll. */
  wake(kind: DestinationKind): void {
    const loop = this.loops.get(kind);
    if (loop) loop.wake();
    else if (!this.waitingLogged.has(kind) && kind !== 'inbox') {
      this.waitingLogged.add(kind);
      this.logger?.warn({ channel: kind }, `${kind} notifications are queued but no ${kind} channel is configured: they wait until it is (see [notify.${kind}] in the configuration)`);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.loops.values()].map((loop) => loop.stop()));
    this.loops.clear();
  }

  async claim(kind: DestinationKind, limit: number): Promise<OutboxRow[]> {
    try {
      return await this.delivery.claim(kind, limit, this.leaseMs);
    } catch (error) {
      // The database went away: nothing is lost (the jobs stay queued); look again at the next poll.
      this.logger?.warn({ err: error, channel: kind }, 'could not read the outbox; trying again');
      return [];
    }
  }

  async send(channel: Channel, row: OutboxRow): Promise<void> {
    const started = Date.now();
    const report = (result: DeliveryOutcome['result'], error?: string): void =>
      this.options.onOutcome?.({ id: row.id, channel: channel.kind, kind: row.kind, destinationId: row.destination_id, result, ...(error ? { error } : {}), ms: started - Number(row.created_at) + (Date.now() - started) });
    try {
      const destination = await this.store.destinationById(row.destination_id);
      const unusable = this.unusable(destination, row);
      if (unusable) {
        await this.delivery.markDead(row.id, unusable);
        return report('dead', unusable);
      }
      await channel.send(jobOf(row, destination!, this.links));
      await this.delivery.markSent(row.id, { scrub: row.kind === 'verification' });
      await this.delivery.recordSuccess(row.destination_id);
      report('sent');
    } catch (error) {
      await this.failed(row, error).then(
        (result) => report(result, (error as Error).message),
        (storeError: unknown) => this.logger?.warn({ err: storeError, job: row.id }, 'could not record a delivery outcome; the job will be tried again when its lease ends'),
      );
    }
  }

  /** Why a job cannot go to its destination any more, or null. */
  private unusable(destination: Destination | undefined, row: OutboxRow): string | null {
    if (!destination) return 'the destination was deleted';
    if (row.kind === 'verification') return null;
    if (destination.verifiedAt === null) return 'the destination is not confirmed by its owner';
    if (destination.disabled) return 'the destination was disabled by its owner';
    if (destination.pausedReason !== null) return destination.pausedReason;
    return null;
  }

  private async failed(row: OutboxRow, error: unknown): Promise<'retry' | 'dead'> {
    const message = error instanceof Error ? error.message : String(error);
    const log = { job: row.id, channel: row.channel, destination: row.destination_id, attempts: row.attempts + 1 };
    if (error instanceof DeliveryError && error.permanent) {
      this.logger?.warn({ ...log, err: error }, 'delivery refused; not trying again');
      await this.delivery.markDead(row.id, message);
      if (row.kind !== 'verification' && (await this.delivery.recordPermanentFailure(row.destination_id, message))) {
        this.logger?.warn({ destination: row.destination_id }, 'destination paused after repeated refusals');
      }
      return 'dead';
    }
    if (!(error instanceof DeliveryError)) this.logger?.error({ ...log, err: error }, 'unexpected delivery failure; trying again later');
    const now = Date.now();
    if (now - Number(row.created_at) > MAX_DELIVERY_AGE_MS) {
      await this.delivery.markDead(row.id, `gave up after ${row.attempts + 1} attempts over ${Math.round(MAX_DELIVERY_AGE_MS / 3_600_000)} hours; the last: ${message}`);
      return 'dead';
    }
    const delay = retryDelay(row.attempts + 1, error instanceof DeliveryError ? error.retryAfterMs : undefined);
    this.logger?.info({ ...log, retryInMs: delay, reason: message }, 'delivery failed; trying again later');
    await this.delivery.retryLater(row.id, message, now + delay);
    return 'retry';
  }
}
