/**
 * Digests: what waits for a destination goes out as one send when it is due —
 * - a digest destination: every `everyMinutes` since its last digest, or as soon as `afterCount`
 *   notifications wait, whichever comes first;
 * - an immediate destination whose notifications waited (quiet hours, or over its hourly limit):
 *   when the quiet hours end and its hour has room again (or an hour after the first that waited).
 * Nothing goes out during quiet hours. Checked every few seconds; the work is one grouped query.
 */
import type { Logger } from 'pino';
import { isQuiet } from '../delivery/quiet-hours.js';
import type { Destination, DestinationKind } from '../model.js';
import type { DeliveryStore, PendingSummary } from '../store/delivery-store.js';
import type { NotifyStore } from '../store/index.js';

const HOUR_MS = 60 * 60_000;
/** The most one digest carries; the rest go in the next. */
export const MAX_DIGEST_NOTIFICATIONS = 200;

export interface DigestSchedulerOptions {
  readonly logger?: Logger;
  readonly everyMs?: number;
  readonly onQueued?: (channel: DestinationKind) => void;
}

/** Whether a destination's waiting notifications should go out now. Pure. */
export function digestDue(destination: Destination, pending: PendingSummary, sentThisHour: () => Promise<number>, now: number): Promise<boolean> {
  if (isQuiet(destination.quietHours, now)) return Promise.resolve(false);
  const mode = destination.delivery;
  if (mode.kind === 'digest') {
    if (mode.afterCount !== null && pending.count >= mode.afterCount) return Promise.resolve(true);
    const every = (mode.everyMinutes ?? (mode.afterCount === null ? 60 : null)) ?? null;
    if (every === null) return Promise.resolve(false);
    const since = pending.lastDigestAt ?? pending.oldest;
    return Promise.resolve(now - since >= every * 60_000);
  }
  // Immediate: these waited out quiet hours (now over) or the hourly limit.
  if (destination.maxPerHour === null || now - pending.oldest >= HOUR_MS) return Promise.resolve(true);
  return sentThisHour().then((sent) => sent < destination.maxPerHour!);
}

export class DigestScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: NotifyStore,
    private readonly delivery: DeliveryStore,
    private readonly options: DigestSchedulerOptions = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.everyMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Sends what is due (also called directly by tests). */
  tick(now = Date.now()): Promise<void> {
    this.running ??= this.tickOnce(now)
      .catch((error: unknown) => this.options.logger?.warn({ err: error }, 'could not check digests; trying again'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async tickOnce(now: number): Promise<void> {
    for (const pending of await this.delivery.pendingSummaries()) {
      const destination = await this.store.destinationById(pending.destinationId);
      if (!destination || destination.disabled || destination.pausedReason !== null || destination.verifiedAt === null) continue;
      const due = await digestDue(destination, pending, () => this.delivery.notificationsSince(destination.id, now - HOUR_MS), now);
      if (!due) continue;
      const id = await this.delivery.takeDigest(destination.id, destination.kind, MAX_DIGEST_NOTIFICATIONS, now);
      if (id === null) continue;
      this.options.logger?.debug({ destination: destination.id, job: id, waiting: pending.count }, 'digest queued');
      this.options.onQueued?.(destination.kind);
    }
  }
}
