/**
 * The status an operator reads first: a summary, the active alerts, the queues worst first and the
 * connections — built from one snapshot and the evaluator's active alerts, the same for the JSON API,
 * `tidings status` and its `--json`. "Worst" puts what stops work before what only waits: a queue
 * with a critical alert, then a warning, then dead letters, then the deepest.
 */
import type { Alert, AlertSeverity } from './alerts/index.js';
import type { BusSnapshot, ConnectionView, NodeView, QueueView } from './model.js';

export type Health = 'ok' | AlertSeverity;

export interface QueueStatus {
  readonly name: string;
  readonly owner: string | null;
  readonly health: Health;
  /** The kinds of the queue's active alerts. */
  readonly alerts: readonly string[];
  readonly ready: number;
  readonly unacked: number;
  readonly consumers: number;
  readonly consumerUtilisation: number | null;
  readonly publishRate: number | null;
  readonly deliverRate: number | null;
  readonly ackRate: number | null;
  readonly redeliverRate: number | null;
  readonly oldestAgeMs: number | null;
  readonly deadLetterQueue: string | null;
  readonly deadLetters: number | null;
  readonly isDeadLetterQueue: boolean;
}

export interface ConnectionStatus {
  readonly name: string;
  readonly service: string | null;
  readonly host: string | null;
  readonly pid: number | null;
  readonly library: string | null;
  readonly libraryVersion: string | null;
  readonly peer: string;
  readonly user: string | null;
  readonly channels: number;
  readonly consumers: number;
  readonly connectedAt: number | null;
  readonly state: string;
}

export interface StatusSummary {
  readonly health: Health;
  readonly queues: number;
  readonly ready: number;
  readonly unacked: number;
  readonly deadLetters: number;
  readonly consumers: number;
  readonly connections: number;
  readonly criticalAlerts: number;
  readonly warningAlerts: number;
}

export interface StatusReport {
  readonly takenAt: number;
  readonly node: NodeView;
  readonly summary: StatusSummary;
  /** Critical first, then the oldest breach. */
  readonly alerts: readonly Alert[];
  /** What to do next, one line each, for what the alerts and dead letters show. */
  readonly advice: readonly string[];
  readonly queues: readonly QueueStatus[];
  readonly connections: readonly ConnectionStatus[];
}

export const QUEUE_SORTS = ['worst', 'name', 'ready', 'unacked', 'consumers', 'age', 'dead', 'publish', 'deliver'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

const HEALTH_RANK: Record<Health, number> = { critical: 2, warning: 1, ok: 0 };

export function buildStatus(snapshot: BusSnapshot, alerts: readonly Alert[]): StatusReport {
  const byQueue = new Map<string, Alert[]>();
  for (const alert of alerts) {
    if (alert.subjectType !== 'queue') continue;
    const list = byQueue.get(alert.subject) ?? [];
    list.push(alert);
    byQueue.set(alert.subject, list);
  }
  const queues = sortQueues(snapshot.queues.map((queue) => queueStatus(queue, byQueue.get(queue.name) ?? [])), 'worst');
  const consumersByConnection = new Map<string, number>();
  for (const consumer of snapshot.consumers) consumersByConnection.set(consumer.connection, (consumersByConnection.get(consumer.connection) ?? 0) + 1);
  const connections = snapshot.connections
    .map((connection) => connectionStatus(connection, consumersByConnection.get(connection.name) ?? 0))
    .sort((a, b) => (a.service ?? '\uffff').localeCompare(b.service ?? '\uffff') || a.name.localeCompare(b.name));
  const sortedAlerts = [...alerts].sort((a, b) => HEALTH_RANK[b.severity] - HEALTH_RANK[a.severity] || a.breachSince - b.breachSince);
  const critical = alerts.filter((alert) => alert.severity === 'critical').length;
  const warning = alerts.length - critical;
  const summary: StatusSummary = {
    health: critical > 0 ? 'critical' : warning > 0 ? 'warning' : 'ok',
    queues: queues.length,
    ready: sum(snapshot.queues.filter((q) => !q.isDeadLetterQueue), (q) => q.ready),
    unacked: sum(snapshot.queues, (q) => q.unacked),
    deadLetters: sum(snapshot.queues.filter((q) => q.isDeadLetterQueue), (q) => q.ready + q.unacked),
    consumers: snapshot.consumers.length,
    connections: snapshot.connections.length,
    criticalAlerts: critical,
    warningAlerts: warning,
  };
  return { takenAt: snapshot.takenAt, node: snapshot.node, summary, alerts: sortedAlerts, advice: adviceFor(sortedAlerts, queues), queues, connections };
}

function queueStatus(queue: QueueView, alerts: readonly Alert[]): QueueStatus {
  const health: Health = alerts.some((a) => a.severity === 'critical') ? 'critical' : alerts.length > 0 ? 'warning' : 'ok';
  return {
    name: queue.name,
    owner: queue.owner,
    health,
    alerts: alerts.map((alert) => alert.kind),
    ready: queue.ready,
    unacked: queue.unacked,
    consumers: queue.consumers,
    consumerUtilisation: queue.consumerUtilisation,
    publishRate: queue.rates.publish,
    deliverRate: queue.rates.deliver,
    ackRate: queue.rates.ack,
    redeliverRate: queue.rates.redeliver,
    oldestAgeMs: queue.oldestAgeMs,
    deadLetterQueue: queue.deadLetterQueue,
    deadLetters: queue.deadLetterDepth,
    isDeadLetterQueue: queue.isDeadLetterQueue,
  };
}

function connectionStatus(connection: ConnectionView, consumers: number): ConnectionStatus {
  return {
    name: connection.name,
    service: connection.service,
    host: connection.host,
    pid: connection.pid,
    library: connection.library,
    libraryVersion: connection.libraryVersion,
    peer: connection.peer,
    user: connection.user,
    channels: connection.channels,
    consumers,
    connectedAt: connection.connectedAt,
    state: connection.state,
  };
}

/** Sorts queue rows; every order but `name` puts the largest first, ties by name. */
export function sortQueues(rows: readonly QueueStatus[], by: QueueSort): QueueStatus[] {
  const key: Record<QueueSort, (row: QueueStatus) => number> = {
    worst: (row) => HEALTH_RANK[row.health] * 1e15 + ((row.deadLetters ?? 0) > 0 ? 1e14 : 0) + row.ready + row.unacked,
    name: () => 0,
    ready: (row) => row.ready,
    unacked: (row) => row.unacked,
    consumers: (row) => row.consumers,
    age: (row) => row.oldestAgeMs ?? -1,
    dead: (row) => row.deadLetters ?? -1,
    publish: (row) => row.publishRate ?? -1,
    deliver: (row) => row.deliverRate ?? -1,
  };
  const of = key[by];
  return [...rows].sort((a, b) => of(b) - of(a) || a.name.localeCompare(b.name));
}

function adviceFor(alerts: readonly Alert[], queues: readonly QueueStatus[]): string[] {
  const advice = alerts.map((alert) => `${alert.severity.toUpperCase()} ${alert.subject}: ${alert.message}`);
  for (const queue of queues) {
    if (queue.isDeadLetterQueue || !queue.deadLetters || !queue.deadLetterQueue) continue;
    if (alerts.some((alert) => alert.kind === 'dead-letters' && alert.subject === queue.name)) continue;
    advice.push(
      `${queue.name}: ${queue.deadLetters} dead letter${queue.deadLetters === 1 ? '' : 's'} in ${queue.deadLetterQueue} — ` +
        `read them with \`tidings dead-letters peek ${queue.name}\`, then retry (\`tidings dead-letters retry ${queue.name} --all\`) once the cause is fixed, or discard`,
    );
  }
  return advice;
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += of(item);
  return total;
}
