/**
 * Progress alerts: thresholds per queue (names or topic-style patterns) and per publisher family,
 * and the evaluator that turns snapshots into raised and cleared alerts with hysteresis.
 */
export { AlertEvaluator } from './evaluator.js';
export { ALERT_KINDS, ALERT_SEVERITY, alertId } from './alert.js';
export type { Alert, AlertKind, AlertSeverity, AlertSubjectType, AlertTransition, AlertUnit } from './alert.js';
export { alertThresholds, thresholdsForQueue, familyCovers, DEFAULT_QUEUE_THRESHOLDS } from './thresholds.js';
export type {
  AlertThresholds,
  AlertThresholdsInit,
  NodeThresholds,
  PublisherFamily,
  QueueThresholdEntry,
  QueueThresholds,
} from './thresholds.js';
