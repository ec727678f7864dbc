/**
 * What counts as unwell, per queue and per publisher family. Queue entries name a queue or a pattern
 * with the bus's own topic-pattern rules on the dot-separated name (`*` one word, `#` zero or more:
 * `tidings.*`, `archive.#`), so operators write one syntax for bindings and for alerts.
 *
 * Resolution: the defaults, then every matching entry in the order declared, field by field. Put
 * general patterns first and specific ones after them; a field an entry leaves out keeps the
 * value from before.
 */
import { topicMatches } from '../../message/index.js';

export interface QueueThresholds {
  /** Messages waiting with no consumer for this long raise `no-consumer`. */
  readonly noConsumerSeconds: number;
  /** Consumers present, messages waiting, nothing delivered or acked for this long: `no-progress`. */
  readonly noProgressMinutes: number;
  /** Redeliveries per second, with a depth that does not fall, that raise `redelivery-loop`. */
  readonly redeliveryLoop: number;
  /** Share (0–1) of the broker's ack timeout that the oldest unacked message may reach. */
  readonly ackTimeoutShare: number;
  /** A depth that has not fallen and has grown across this window raises `growing`. */
  readonly growingMinutes: number;
  /** Ready messages above this raise `depth`; null for no depth alert. */
  readonly maxReady: number | null;
  /** Dead letters above this raise `dead-letters` (0: any dead letter is worth a look). */
  readonly maxDeadLetters: number;
  /**
   * How long a level breach (depth, redelivery rate, ack-timeout share, dead letters) must last
   * before it is raised. The duration kinds' thresholds are durations already and wait no longer.
   */
  readonly sustainSeconds: number;
  /** A raised alert clears only once its value is back below threshold × (1 − clearMargin). */
  readonly clearMargin: number;
}

export interface QueueThresholdEntry extends Partial<QueueThresholds> {
  /** A queue name, or a pattern (`*` one word, `#` zero or more, dot-separated). */
  readonly queue: string;
}

export interface PublisherFamily {
  /** A topic prefix of whole words: `buildsys` covers `buildsys` and `buildsys.build.state.change`. */
  readonly prefix: string;
  /** No topic of the family for this long raises `publisher-quiet`. */
  readonly quietMinutes: number;
}

export interface NodeThresholds {
  /** How long the broker's memory or disk alarm must stay on before it is raised. */
  readonly sustainSeconds: number;
}

export interface AlertThresholds {
  readonly defaults: QueueThresholds;
  readonly queues: readonly QueueThresholdEntry[];
  readonly families: readonly PublisherFamily[];
  readonly node: NodeThresholds;
}

export interface AlertThresholdsInit {
  readonly defaults?: Partial<QueueThresholds>;
  readonly queues?: readonly QueueThresholdEntry[];
  readonly families?: readonly PublisherFamily[];
  readonly node?: Partial<NodeThresholds>;
}

export const DEFAULT_QUEUE_THRESHOLDS: QueueThresholds = {
  noConsumerSeconds: 300,
  noProgressMinutes: 10,
  redeliveryLoop: 1,
  ackTimeoutShare: 0.8,
  growingMinutes: 15,
  maxReady: null,
  maxDeadLetters: 0,
  sustainSeconds: 60,
  clearMargin: 0.1,
};

export function alertThresholds(init: AlertThresholdsInit = {}): AlertThresholds {
  const defaults = { ...DEFAULT_QUEUE_THRESHOLDS, ...definedFields(init.defaults ?? {}) };
  return {
    defaults,
    queues: init.queues ?? [],
    families: init.families ?? [],
    node: { sustainSeconds: init.node?.sustainSeconds ?? defaults.sustainSeconds },
  };
}

/** The thresholds that apply to `queue`. */
export function thresholdsForQueue(thresholds: AlertThresholds, queue: string): QueueThresholds {
  let resolved = thresholds.defaults;
  for (const entry of thresholds.queues) {
    if (entry.queue === queue || topicMatches(entry.queue, queue)) {
      const { queue: _pattern, ...fields } = entry;
      resolved = { ...resolved, ...definedFields(fields) };
    }
  }
  return resolved;
}

/** True when `topic` is `prefix` or starts with it followed by a dot. */
export function familyCovers(family: PublisherFamily, topic: string): boolean {
  return topic === family.prefix || topic.startsWith(`${family.prefix}.`);
}

// `{ maxReady: undefined }` from a config loader must not erase a default.
function definedFields<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
