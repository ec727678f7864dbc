/**
 * The operators' view of the bus (after QMF: objects with statistics, methods and events): one object
 * model for the embedded broker and RabbitMQ, alerts on progress, management events, the audit trail
 * of guarded actions, status reports, Prometheus metrics and Nagios checks.
 */
export type * from './model.js';
export { RETRY_COUNT_HEADER, DEATH_REASON_HEADER } from './model.js';
export * from './errors.js';
export { ManageService } from './service.js';
export type { ManageServiceOptions, ActionRequest, PublishEvent } from './service.js';
export { AuditStore } from './audit.js';
export type { AuditRecord, AuditOutcome, NewAuditRecord } from './audit.js';
export { ROLES, ACTION_ROLES, roleOf, allows } from './roles.js';
export type { Role, ManageAction, RoleGrants } from './roles.js';
export { buildStatus, sortQueues, QUEUE_SORTS } from './status.js';
export type { StatusReport, QueueStatus, ConnectionStatus, StatusSummary, Health, QueueSort } from './status.js';
export { describeDeadLetter } from './decode.js';
export type { DecodedDeadLetter } from './decode.js';
export { AlertEvaluator, ALERT_KINDS, alertThresholds } from './alerts/index.js';
export type { Alert, AlertKind, AlertTransition, AlertThresholdsInit } from './alerts/index.js';
export { diffSnapshots, alertEvent, auditEvent, connectionRefusedEvent, MANAGEMENT_TOPICS } from './events.js';
export type { ManagementEvent } from './events.js';
export { renderMetrics } from './metrics.js';
export {
  checkAlerts,
  checkConnections,
  checkDeadLetters,
  checkNodeAlarms,
  checkQueueAge,
  checkQueueConsumers,
  checkQueueDepth,
  checkUnavailable,
} from './nagios.js';
export type { CheckResult, CheckStatus } from './nagios.js';
export { EmbeddedManagementSource } from './embedded/index.js';
export { RabbitManagementSource } from './rabbitmq/index.js';
