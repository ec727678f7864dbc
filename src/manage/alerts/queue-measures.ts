/**
 * The queue kinds' measurements for one sample. Dead-letter queues get only the `dead-letters`
 * kind (by design nobody consumes them, so "no consumer" or "growing" would be noise), and then only
 * when no consumer queue already reports their depth as its `deadLetterDepth`. A dead-letter queue
 * shared by several queues (`tidings.dead-letters`) alerts once, as itself, not once per origin.
 */
import type { QueueView } from '../model.js';
import { durationReading, levelReading, type Reading } from './breach-tracker.js';
import type { Measurement } from './measurement.js';
import { describe } from './messages.js';
import {
  depthOf,
  growth,
  noConsumerSeconds,
  redeliveryRate,
  remember,
  stalledSeconds,
  type QueueMemory,
} from './queue-memory.js';
import type { QueueThresholds } from './thresholds.js';

export interface QueueSample {
  readonly queue: QueueView;
  readonly memory: QueueMemory;
  readonly thresholds: QueueThresholds;
  readonly at: number;
  /**
   * For a dead-letter queue: exactly one consumer queue reports its depth already. For a consumer
   * queue: its dead-letter queue is its own, so it reports the depth (a shared one reports itself).
   */
  readonly deadLettersReportedByOrigin: boolean;
}

/** Measures every kind that applies and brings the queue's memory up to this sample. */
export function measureQueue(sample: QueueSample): Measurement[] {
  const { queue, memory, thresholds: t, at } = sample;
  const measure = (partial: Omit<Measurement, 'subjectType' | 'subject'>): Measurement => ({
    subjectType: 'queue',
    subject: queue.name,
    ...partial,
  });
  const sustainMs = t.sustainSeconds * 1000;
  const level = (value: number, threshold: number): Reading => levelReading(value, threshold, t.clearMargin);

  if (queue.isDeadLetterQueue) {
    remember(memory, queue, at, t.growingMinutes * 60_000);
    if (sample.deadLettersReportedByOrigin) return [];
    const count = depthOf(queue);
    return [
      measure({
        kind: 'dead-letters',
        value: count,
        threshold: t.maxDeadLetters,
        unit: 'messages',
        reading: level(count, t.maxDeadLetters),
        sustainMs,
        describe: () => describe.deadLetters(queue.name, queue.name, count, t.maxDeadLetters),
      }),
    ];
  }

  // These compare with the previous sample, so they come before `remember` moves it on.
  const redelivery = redeliveryRate(memory, queue, at);
  const previousDepth = memory.previous?.depth ?? null;
  remember(memory, queue, at, t.growingMinutes * 60_000);

  const depth = depthOf(queue);
  const found: Measurement[] = [];

  const waitingAlone = noConsumerSeconds(memory, at);
  found.push(
    measure({
      kind: 'no-consumer',
      value: waitingAlone,
      threshold: t.noConsumerSeconds,
      unit: 'seconds',
      reading: durationReading(waitingAlone, t.noConsumerSeconds, t.clearMargin),
      sustainMs: 0,
      since: at - waitingAlone * 1000,
      describe: () => describe.noConsumer(queue.name, depth, waitingAlone, t.noConsumerSeconds),
    }),
  );

  // Without counters, an activity clock or rates the broker cannot tell a stall: no reading.
  const canTellProgress = queue.totals !== null || queue.lastActivityAt !== null || queue.rates.deliver !== null || queue.rates.ack !== null;
  if (canTellProgress) {
    const stalled = stalledSeconds(memory, at);
    const thresholdSeconds = t.noProgressMinutes * 60;
    found.push(
      measure({
        kind: 'no-progress',
        value: stalled,
        threshold: thresholdSeconds,
        unit: 'seconds',
        reading: durationReading(stalled, thresholdSeconds, t.clearMargin),
        sustainMs: 0,
        since: at - stalled * 1000,
        describe: () => describe.noProgress(queue.name, queue.consumers, depth, stalled, t.noProgressMinutes),
      }),
    );
  }

  if (redelivery !== null) {
    const notDraining = previousDepth !== null && depth > 0 && depth >= previousDepth;
    const { breached, clearable } = level(redelivery, t.redeliveryLoop);
    found.push(
      measure({
        kind: 'redelivery-loop',
        value: redelivery,
        threshold: t.redeliveryLoop,
        unit: 'per-second',
        // A draining queue that redelivers is retrying its way through, not looping.
        reading: { breached: breached && notDraining, clearable },
        sustainMs,
        describe: () => describe.redeliveryLoop(queue.name, redelivery, depth, t.redeliveryLoop),
      }),
    );
  }

  if (queue.ackTimeoutMs !== null && queue.ackTimeoutMs > 0) {
    const timeoutMs = queue.ackTimeoutMs;
    const oldestMs = queue.unacked > 0 ? (queue.oldestAgeMs ?? 0) : 0;
    const share = oldestMs / timeoutMs;
    found.push(
      measure({
        kind: 'ack-timeout',
        value: share,
        threshold: t.ackTimeoutShare,
        unit: 'share',
        reading: level(share, t.ackTimeoutShare),
        sustainMs,
        describe: () => describe.ackTimeout(queue.name, oldestMs, timeoutMs, share, t.ackTimeoutShare),
      }),
    );
  }

  const grown = growth(memory, at, t.growingMinutes * 60_000);
  if (grown !== null) {
    found.push(
      measure({
        kind: 'growing',
        value: grown.runMinutes,
        threshold: t.growingMinutes,
        unit: 'minutes',
        // Growth that stalls across a whole window, or any fall, ends it: a flat sample does not.
        reading: { breached: grown.grewAcrossWindow, clearable: !grown.grewAcrossWindow },
        sustainMs: 0,
        since: at - grown.runMinutes * 60_000,
        describe: () => describe.growing(queue.name, grown.runMinutes, grown.from, grown.to, t.growingMinutes),
      }),
    );
  }

  if (t.maxReady !== null) {
    const maxReady = t.maxReady;
    found.push(
      measure({
        kind: 'depth',
        value: queue.ready,
        threshold: maxReady,
        unit: 'messages',
        reading: level(queue.ready, maxReady),
        sustainMs,
        describe: () => describe.depth(queue.name, queue.ready, maxReady),
      }),
    );
  }

  if (queue.deadLetterDepth !== null && sample.deadLettersReportedByOrigin) {
    const count = queue.deadLetterDepth;
    const where = queue.deadLetterQueue ?? `${queue.name}.dlq`;
    found.push(
      measure({
        kind: 'dead-letters',
        value: count,
        threshold: t.maxDeadLetters,
        unit: 'messages',
        reading: level(count, t.maxDeadLetters),
        sustainMs,
        describe: () => describe.deadLetters(queue.name, where, count, t.maxDeadLetters),
      }),
    );
  }
  return found;
}
