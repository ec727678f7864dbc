/**
 * Turns a stream of snapshots into alert transitions. Pure apart from its memory: time comes only
 * from the snapshots' `takenAt` (and the times given to `observeTopic`), so the same snapshots give
 * the same alerts in a test and in production.
 */
import type { BusSnapshot, QueueView } from '../model.js';
import { ALERT_SEVERITY, alertId, type Alert, type AlertTransition } from './alert.js';
import { BreachTracker } from './breach-tracker.js';
import { subjectLabel, type Measurement } from './measurement.js';
import { describeGone, describeRecovery } from './messages.js';
import { measureNode } from './node-measures.js';
import { PublisherActivity } from './publisher-activity.js';
import { measureQueue } from './queue-measures.js';
import { newQueueMemory, type QueueMemory } from './queue-memory.js';
import { alertThresholds, thresholdsForQueue, type AlertThresholds, type AlertThresholdsInit } from './thresholds.js';

export class AlertEvaluator {
  readonly thresholds: AlertThresholds;
  private readonly tracker = new BreachTracker();
  private readonly memories = new Map<string, QueueMemory>();
  private readonly publishers: PublisherActivity;
  private readonly raised = new Map<string, Alert>();
  private lastAt = -Infinity;

  /** Takes thresholds as configured (missing fields get the defaults) or as `alertThresholds` resolved them. */
  constructor(thresholds: AlertThresholdsInit = {}) {
    this.thresholds = alertThresholds(thresholds);
    this.publishers = new PublisherActivity(this.thresholds.families);
  }

  /** Records bus traffic for the publisher families; `at` is when the message was seen (epoch ms). */
  observeTopic(topic: string, at: number): void {
    this.publishers.seen(topic, at);
  }

  /**
   * Evaluates one snapshot and returns what changed: alerts raised, alerts cleared (including
   * those whose queue or node went away). Snapshots older than the latest one seen are ignored,
   * since durations measured backwards would be nonsense.
   */
  observe(snapshot: BusSnapshot): AlertTransition[] {
    const at = snapshot.takenAt;
    if (at < this.lastAt) return [];
    this.lastAt = at;

    const measurements = [
      ...this.measureQueues(snapshot),
      ...measureNode(snapshot.node, this.thresholds.node),
      ...this.publishers.measure(at, this.thresholds.defaults.clearMargin),
    ];
    const transitions: AlertTransition[] = [];
    const measuredIds = new Set<string>();
    for (const measurement of measurements) {
      const id = alertId(measurement.kind, measurement.subject);
      measuredIds.add(id);
      const transition = this.apply(id, measurement, at);
      if (transition !== null) transitions.push(transition);
    }
    transitions.push(...this.clearVanished(snapshot, measuredIds, at));
    return transitions;
  }

  /** The alerts raised and not yet cleared, oldest first, with the latest measured values. */
  active(): Alert[] {
    return [...this.raised.values()].sort((a, b) => a.raisedAt - b.raisedAt || a.id.localeCompare(b.id));
  }

  private measureQueues(snapshot: BusSnapshot): Measurement[] {
    const originsOf = countOrigins(snapshot.queues);
    const found: Measurement[] = [];
    for (const queue of snapshot.queues) {
      let memory = this.memories.get(queue.name);
      if (memory === undefined) {
        memory = newQueueMemory();
        this.memories.set(queue.name, memory);
      }
      const deadLettersReportedByOrigin = queue.isDeadLetterQueue
        ? originsOf.get(queue.name) === 1
        : queue.deadLetterQueue === null || (originsOf.get(queue.deadLetterQueue) ?? 0) <= 1;
      found.push(
        ...measureQueue({
          queue,
          memory,
          thresholds: thresholdsForQueue(this.thresholds, queue.name),
          at: snapshot.takenAt,
          deadLettersReportedByOrigin,
        }),
      );
    }
    return found;
  }

  private apply(id: string, measurement: Measurement, at: number): AlertTransition | null {
    const step = this.tracker.step(id, at, measurement.reading, measurement.sustainMs);
    const current = this.raised.get(id);
    if (step === 'raise') {
      const alert: Alert = {
        id,
        kind: measurement.kind,
        subjectType: measurement.subjectType,
        subject: measurement.subject,
        severity: ALERT_SEVERITY[measurement.kind],
        message: measurement.describe(),
        value: measurement.value,
        threshold: measurement.threshold,
        unit: measurement.unit,
        breachSince: measurement.since ?? this.tracker.breachSince(id) ?? at,
        raisedAt: at,
      };
      this.raised.set(id, alert);
      return { type: 'raised', at, alert };
    }
    if (current === undefined) return null;
    if (step === 'clear') {
      this.raised.delete(id);
      const label = subjectLabel(current.subjectType, current.subject);
      return { type: 'cleared', at, alert: { ...current, value: measurement.value, message: describeRecovery(current.kind, label) } };
    }
    // Still raised: keep the figures current for `active()`, metrics and checks.
    this.raised.set(id, { ...current, value: measurement.value, threshold: measurement.threshold });
    return null;
  }

  /** Clears the alerts of queues (and nodes) that this snapshot no longer has, and forgets them. */
  private clearVanished(snapshot: BusSnapshot, measuredIds: ReadonlySet<string>, at: number): AlertTransition[] {
    const queueNames = new Set(snapshot.queues.map((queue) => queue.name));
    for (const name of [...this.memories.keys()]) if (!queueNames.has(name)) this.memories.delete(name);

    const transitions: AlertTransition[] = [];
    for (const id of [...this.tracker.ids()]) {
      if (measuredIds.has(id)) continue;
      const alert = this.raised.get(id);
      const gone =
        alert === undefined ||
        (alert.subjectType === 'queue' && !queueNames.has(alert.subject)) ||
        (alert.subjectType === 'node' && alert.subject !== snapshot.node.name);
      // A subject still here that the broker stopped reporting on keeps its alert as it was.
      if (!gone) continue;
      this.tracker.forget(id);
      if (alert === undefined) continue;
      this.raised.delete(id);
      const label = subjectLabel(alert.subjectType, alert.subject);
      transitions.push({ type: 'cleared', at, alert: { ...alert, message: describeGone(label) } });
    }
    return transitions;
  }
}

/** How many consumer queues send their dead letters to each dead-letter queue. */
function countOrigins(queues: readonly QueueView[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const queue of queues) {
    if (queue.isDeadLetterQueue || queue.deadLetterQueue === null) continue;
    counts.set(queue.deadLetterQueue, (counts.get(queue.deadLetterQueue) ?? 0) + 1);
  }
  return counts;
}
