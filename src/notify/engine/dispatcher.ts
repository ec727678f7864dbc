/**
 * What happens to a matched message, destination by destination: the inbox keeps it at once; an
 * unproven, disabled or paused destination gets nothing; a digest destination keeps it for the
 * next digest; an immediate one gets a send queued — unless it is in its quiet hours or over its
 * hourly limit, when it waits for the next digest instead. Everything is written before the bus
 * message is acknowledged, so nothing matched is lost to a crash.
 */
import type { Logger } from 'pino';
import type { DerivedFacts, Message } from '../../message/index.js';
import { renderNotification } from '../delivery/render.js';
import { isQuiet } from '../delivery/quiet-hours.js';
import type { Destination, Match } from '../model.js';
import { deliveryId, type DeliveryStore } from '../store/delivery-store.js';
import type { InboxStore, NotifyStore } from '../store/index.js';

const HOUR_MS = 60 * 60_000;

export type DispatchOutcome = 'inbox' | 'queued' | 'digest' | 'quiet' | 'over-limit' | 'skipped';

export interface DispatchResult {
  readonly destinationId: string;
  readonly outcome: DispatchOutcome;
}

export interface DispatcherOptions {
  readonly logger?: Logger;
  /** Told when a send was queued, so the channel's worker wakes at once. */
  readonly onQueued?: (channel: Destination['kind']) => void;
  readonly now?: () => number;
}

export class Dispatcher {
  private readonly destinations = new Map<string, Destination | null>();
  private readonly now: () => number;

  constructor(
    private readonly store: NotifyStore,
    private readonly delivery: DeliveryStore,
    private readonly inbox: InboxStore,
    private readonly options: DispatcherOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Drops a cached destination (or all of them, for `*`) after it changed. */
  forget(destinationId: string): void {
    if (destinationId === '*') this.destinations.clear();
    else this.destinations.delete(destinationId);
  }

  async dispatch(message: Message, facts: DerivedFacts, matches: readonly Match[]): Promise<DispatchResult[]> {
    const results: DispatchResult[] = [];
    const now = this.now();
    for (const match of matches) {
      const destination = await this.destination(match.destinationId);
      const notification = renderNotification(message, facts, match.reasons, now);
      results.push({ destinationId: match.destinationId, outcome: await this.deliver(destination, notification, now) });
    }
    return results;
  }

  private async deliver(destination: Destination | null, notification: ReturnType<typeof renderNotification>, now: number): Promise<DispatchOutcome> {
    if (destination === null || destination.disabled || destination.pausedReason !== null || destination.verifiedAt === null) return 'skipped';
    if (destination.kind === 'inbox') {
      await this.inbox.add(destination.owner, notification, now);
      return 'inbox';
    }
    if (destination.delivery.kind === 'digest') {
      await this.delivery.addPending(destination.id, notification, now);
      return 'digest';
    }
    if (isQuiet(destination.quietHours, now)) {
      await this.delivery.addPending(destination.id, notification, now);
      return 'quiet';
    }
    if (destination.maxPerHour !== null && (await this.delivery.notificationsSince(destination.id, now - HOUR_MS)) >= destination.maxPerHour) {
      await this.delivery.addPending(destination.id, notification, now);
      return 'over-limit';
    }
    await this.delivery.enqueue(
      { id: deliveryId('notification', destination.id, notification.messageId), destinationId: destination.id, channel: destination.kind, kind: 'notification', payload: notification, dueAt: now },
      now,
    );
    this.options.onQueued?.(destination.kind);
    return 'queued';
  }

  private async destination(id: string): Promise<Destination | null> {
    if (this.destinations.has(id)) return this.destinations.get(id)!;
    const destination = (await this.store.destinationById(id)) ?? null;
    // Bounded: a cache of every destination would grow with the number of users.
    if (this.destinations.size >= 50_000) this.destinations.clear();
    this.destinations.set(id, destination);
    return destination;
  }
}
