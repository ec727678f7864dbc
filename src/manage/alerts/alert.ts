/**
 * What an alert is. An alert names one thing (a queue, a publisher family, the broker node) and one
 * way it is unwell; the evaluator raises it after a sustained breach and clears it with a margin,
 * so each alert comes as a pair of transitions an operator can act on and a pager can count.
 */

export const ALERT_KINDS = [
  'no-consumer',
  'no-progress',
  'redelivery-loop',
  'ack-timeout',
  'growing',
  'depth',
  'dead-letters',
  'publisher-quiet',
  'memory-alarm',
  'disk-alarm',
] as const;

export type AlertKind = (typeof ALERT_KINDS)[number];

export type AlertSeverity = 'warning' | 'critical';

export type AlertSubjectType = 'queue' | 'family' | 'node';

/** The unit `value` and `threshold` are in, so that a message, a metric and a check agree. */
export type AlertUnit = 'seconds' | 'minutes' | 'messages' | 'per-second' | 'share' | 'bytes';

export interface Alert {
  /** `<kind>:<subject>`: one alert per kind and subject at a time. */
  readonly id: string;
  readonly kind: AlertKind;
  readonly subjectType: AlertSubjectType;
  /** The queue's name, the family's prefix, or the node's name. */
  readonly subject: string;
  readonly severity: AlertSeverity;
  /** What is wrong and what to do about it, in one sentence an operator can act on. */
  readonly message: string;
  /** The measured value at the latest sample (a duration for the duration kinds). */
  readonly value: number;
  readonly threshold: number;
  readonly unit: AlertUnit;
  /** When the breach began (epoch ms, from the snapshots' `takenAt`). */
  readonly breachSince: number;
  /** When the alert was raised (epoch ms). */
  readonly raisedAt: number;
}

export interface AlertTransition {
  readonly type: 'raised' | 'cleared';
  /** The sample time that caused the transition (epoch ms). */
  readonly at: number;
  /**
   * The alert as raised, or as it stood when cleared with `value` updated to the measurement that
   * cleared it and `message` saying what recovered.
   */
  readonly alert: Alert;
}

/** Fixed per kind: what stops work now is critical, what will stop it soon is a warning. */
export const ALERT_SEVERITY: Readonly<Record<AlertKind, AlertSeverity>> = {
  'no-consumer': 'warning',
  // A consumer that holds messages and does nothing is an outage that looks healthy from outside.
  'no-progress': 'critical',
  'redelivery-loop': 'warning',
  // At the timeout RabbitMQ closes the channel and redelivers everything it held.
  'ack-timeout': 'critical',
  growing: 'warning',
  depth: 'warning',
  'dead-letters': 'warning',
  'publisher-quiet': 'warning',
  // Either alarm blocks every publisher on the node.
  'memory-alarm': 'critical',
  'disk-alarm': 'critical',
};

export function alertId(kind: AlertKind, subject: string): string {
  return `${kind}:${subject}`;
}
