/**
 * Nagios/Icinga checks over a snapshot: each gives the plugin's status, exit code and one output
 * line, `TIDINGS QUEUE OK - <text> | 'ready'=12;100;1000;0 …`, as the Monitoring Plugins guidelines
 * describe. Thresholds take the guidelines' simple form: a number N alerts when the value is above N
 * (and the checks whose trouble is "too few", consumers and connections, take a minimum instead and
 * write it in perfdata as the range `N:`).
 */
import type { Alert } from './alerts/index.js';
import type { BusSnapshot, QueueView } from './model.js';

export type CheckStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export interface CheckResult {
  readonly status: CheckStatus;
  readonly exitCode: 0 | 1 | 2 | 3;
  /** The plugin's one line of output: `TIDINGS <SERVICE> <STATUS> - <text> | <perfdata>`. */
  readonly line: string;
}

/** Alert above `warning` / `critical`; either may be left out. */
export interface Thresholds {
  readonly warning?: number;
  readonly critical?: number;
}

const EXIT_CODES = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
const SEVERITY_ORDER: readonly CheckStatus[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

interface Perf {
  readonly label: string;
  readonly value: number;
  readonly uom?: string;
  readonly warning?: string;
  readonly critical?: string;
  readonly min?: number;
  readonly max?: number;
}

export function result(service: string, status: CheckStatus, text: string, perf: readonly Perf[] = []): CheckResult {
  const perfdata = perf.map(formatPerf).join(' ');
  // A `|` in the text would start the perfdata early, and a plugin's first line is one line.
  const clean = text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '/');
  return { status, exitCode: EXIT_CODES[status], line: `TIDINGS ${service} ${status} - ${clean}${perfdata ? ` | ${perfdata}` : ''}` };
}

function formatPerf(perf: Perf): string {
  // Labels are quoted, and a quote inside one is doubled, as the guidelines ask.
  const label = `'${perf.label.replace(/'/g, "''")}'`;
  const fields = [`${formatNumber(perf.value)}${perf.uom ?? ''}`, perf.warning ?? '', perf.critical ?? '', perf.min === undefined ? '' : formatNumber(perf.min), perf.max === undefined ? '' : formatNumber(perf.max)];
  while (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  return `${label}=${fields.join(';')}`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}

function threshold(value: number | undefined): string {
  return value === undefined ? '' : formatNumber(value);
}

/** The worse of the statuses the value's thresholds give (simple form: above N alerts). */
function statusAbove(value: number, thresholds: Thresholds): CheckStatus {
  if (thresholds.critical !== undefined && value > thresholds.critical) return 'CRITICAL';
  if (thresholds.warning !== undefined && value > thresholds.warning) return 'WARNING';
  return 'OK';
}

function worst(...statuses: CheckStatus[]): CheckStatus {
  return statuses.reduce((a, b) => (SEVERITY_ORDER.indexOf(b) > SEVERITY_ORDER.indexOf(a) ? b : a), 'OK');
}

/** An UNKNOWN for thresholds that cannot be compared with, or null when they are fine. */
function invalidThresholds(service: string, thresholds: Record<string, number | undefined>): CheckResult | null {
  for (const [name, value] of Object.entries(thresholds)) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      return result(service, 'UNKNOWN', `invalid ${name} threshold ${String(value)}: give a number of 0 or more`);
    }
  }
  return null;
}

function findQueue(snapshot: BusSnapshot, service: string, name: string): QueueView | CheckResult {
  const queue = snapshot.queues.find((q) => q.name === name);
  if (queue !== undefined) return queue;
  return result(service, 'UNKNOWN', `no queue "${name}" on ${snapshot.node.name} (vhost ${snapshot.node.vhost}): check the queue name, or whether its service ever declared it`);
}

function isQueue(found: QueueView | CheckResult): found is QueueView {
  return 'ready' in found;
}

function queuePerf(queue: QueueView, thresholds: Thresholds = {}): Perf[] {
  return [
    { label: 'ready', value: queue.ready, warning: threshold(thresholds.warning), critical: threshold(thresholds.critical), min: 0 },
    { label: 'unacked', value: queue.unacked, min: 0 },
    { label: 'consumers', value: queue.consumers, min: 0 },
  ];
}

/** A queue's depth: its ready messages against the thresholds. */
export function checkQueueDepth(snapshot: BusSnapshot, name: string, thresholds: Thresholds): CheckResult {
  const service = 'QUEUE';
  const invalid = invalidThresholds(service, { ...thresholds });
  if (invalid) return invalid;
  const queue = findQueue(snapshot, service, name);
  if (!isQueue(queue)) return queue;
  const status = statusAbove(queue.ready, thresholds);
  const text = `queue "${name}": ${queue.ready} ready, ${queue.unacked} unacked, ${plural(queue.consumers, 'consumer')}`;
  return result(service, status, text, queuePerf(queue, thresholds));
}

/** The age of a queue's oldest message, in seconds against the thresholds (in seconds). */
export function checkQueueAge(snapshot: BusSnapshot, name: string, thresholds: Thresholds): CheckResult {
  const service = 'QUEUE AGE';
  const invalid = invalidThresholds(service, { ...thresholds });
  if (invalid) return invalid;
  const queue = findQueue(snapshot, service, name);
  if (!isQueue(queue)) return queue;
  if (queue.oldestAgeMs === null) {
    if (queue.ready + queue.unacked > 0) {
      return result(service, 'UNKNOWN', `queue "${name}" holds ${queue.ready + queue.unacked} messages but the broker does not tell their age`);
    }
    return result(service, 'OK', `queue "${name}" is empty`, [{ label: 'oldest_age', value: 0, uom: 's', warning: threshold(thresholds.warning), critical: threshold(thresholds.critical), min: 0 }]);
  }
  const seconds = queue.oldestAgeMs / 1000;
  const status = statusAbove(seconds, thresholds);
  return result(service, status, `queue "${name}": oldest message is ${formatNumber(seconds)} s old`, [
    { label: 'oldest_age', value: seconds, uom: 's', warning: threshold(thresholds.warning), critical: threshold(thresholds.critical), min: 0 },
  ]);
}

/**
 * A queue's consumers: CRITICAL with fewer than `minimum` (default 1) while messages wait, WARNING
 * with fewer while it is empty (nothing is late yet, but nothing would be taken either).
 */
export function checkQueueConsumers(snapshot: BusSnapshot, name: string, options: { readonly minimum?: number } = {}): CheckResult {
  const service = 'CONSUMERS';
  const minimum = options.minimum ?? 1;
  const invalid = invalidThresholds(service, { minimum });
  if (invalid) return invalid;
  const queue = findQueue(snapshot, service, name);
  if (!isQueue(queue)) return queue;
  const waiting = queue.ready + queue.unacked;
  const tooFew = queue.consumers < minimum;
  const status: CheckStatus = !tooFew ? 'OK' : waiting > 0 ? 'CRITICAL' : 'WARNING';
  const text = tooFew
    ? `queue "${name}" has ${plural(queue.consumers, 'consumer')} (at least ${minimum} expected) with ${plural(waiting, 'message')} waiting${queue.owner ? `; its service was ${queue.owner}` : ''}`
    : `queue "${name}" has ${plural(queue.consumers, 'consumer')}`;
  return result(service, status, text, [
    { label: 'consumers', value: queue.consumers, warning: `${minimum}:`, critical: waiting > 0 ? `${minimum}:` : '', min: 0 },
    { label: 'ready', value: queue.ready, min: 0 },
  ]);
}

/**
 * Dead letters of one queue (its dead-letter queue's depth, or a dead-letter queue's own depth) or,
 * with no queue named, of all dead-letter queues. Default: any dead letter warns.
 */
export function checkDeadLetters(snapshot: BusSnapshot, thresholds: Thresholds & { readonly queue?: string } = {}): CheckResult {
  const service = 'DEAD LETTERS';
  const limits: Thresholds = { warning: thresholds.warning ?? (thresholds.critical === undefined ? 0 : undefined), critical: thresholds.critical };
  const invalid = invalidThresholds(service, { ...limits });
  if (invalid) return invalid;
  const depths = deadLetterDepths(snapshot);
  let count: number;
  let text: string;
  if (thresholds.queue !== undefined) {
    const queue = findQueue(snapshot, service, thresholds.queue);
    if (!isQueue(queue)) return queue;
    const dlq = queue.isDeadLetterQueue ? queue.name : queue.deadLetterQueue;
    const depth = queue.isDeadLetterQueue ? queue.ready + queue.unacked : queue.deadLetterDepth;
    if (dlq === null || depth === null) return result(service, 'UNKNOWN', `queue "${queue.name}" has no dead-letter queue the broker reports on`);
    count = depth;
    text = `${plural(count, 'dead letter')} in "${dlq}"`;
  } else {
    count = [...depths.values()].reduce((sum, depth) => sum + depth, 0);
    const holding = [...depths].filter(([, depth]) => depth > 0).map(([dlq, depth]) => `${dlq}: ${depth}`);
    text = `${plural(count, 'dead letter')} in ${plural(depths.size, 'dead-letter queue')}${holding.length > 0 ? ` (${holding.join(', ')})` : ''}`;
  }
  return result(service, statusAbove(count, limits), text, [
    { label: 'dead_letters', value: count, warning: threshold(limits.warning), critical: threshold(limits.critical), min: 0 },
  ]);
}

/** Each dead-letter queue once, with its depth: its own figures where listed, else what its origin reports. */
function deadLetterDepths(snapshot: BusSnapshot): Map<string, number> {
  const depths = new Map<string, number>();
  for (const queue of snapshot.queues) {
    if (queue.isDeadLetterQueue) depths.set(queue.name, queue.ready + queue.unacked);
  }
  for (const queue of snapshot.queues) {
    if (!queue.isDeadLetterQueue && queue.deadLetterQueue !== null && queue.deadLetterDepth !== null && !depths.has(queue.deadLetterQueue)) {
      depths.set(queue.deadLetterQueue, queue.deadLetterDepth);
    }
  }
  return depths;
}

/** Connections of one service (by the name in its connection properties): CRITICAL when fewer than `critical`. */
export function checkConnections(snapshot: BusSnapshot, serviceName: string, minimum: { readonly critical: number; readonly warning?: number }): CheckResult {
  const service = 'CONNECTIONS';
  const invalid = invalidThresholds(service, { ...minimum });
  if (invalid) return invalid;
  const count = snapshot.connections.filter((c) => c.service === serviceName).length;
  const status: CheckStatus =
    count < minimum.critical ? 'CRITICAL' : minimum.warning !== undefined && count < minimum.warning ? 'WARNING' : 'OK';
  const expected = status === 'OK' ? '' : ` (at least ${status === 'CRITICAL' ? minimum.critical : minimum.warning} expected: is it running, and can it reach the broker?)`;
  return result(service, status, `${plural(count, 'connection')} from service "${serviceName}"${expected}`, [
    { label: 'connections', value: count, warning: minimum.warning === undefined ? '' : `${minimum.warning}:`, critical: `${minimum.critical}:`, min: 0 },
  ]);
}

/** The node's memory and disk alarms: CRITICAL while either is on (publishers are blocked). */
export function checkNodeAlarms(snapshot: BusSnapshot): CheckResult {
  const node = snapshot.node;
  const on = [node.memoryAlarm ? 'memory' : null, node.diskAlarm ? 'disk' : null].filter((x): x is string => x !== null);
  const perf: Perf[] = [];
  if (node.memoryBytes !== null) perf.push({ label: 'memory', value: node.memoryBytes, uom: 'B', critical: threshold(node.memoryLimitBytes ?? undefined), min: 0 });
  if (node.diskFreeBytes !== null) perf.push({ label: 'disk_free', value: node.diskFreeBytes, uom: 'B', critical: node.diskFreeLimitBytes === null ? '' : `${node.diskFreeLimitBytes}:`, min: 0 });
  const text = on.length === 0 ? `node "${node.name}": no alarm` : `node "${node.name}": ${on.join(' and ')} alarm on, publishers are blocked`;
  return result('NODE', on.length === 0 ? 'OK' : 'CRITICAL', text, perf);
}

/** The alert evaluator's active alerts (optionally of one subject): the worst severity decides. */
export function checkAlerts(alerts: readonly Alert[], subject?: string): CheckResult {
  const chosen = subject === undefined ? alerts : alerts.filter((alert) => alert.subject === subject);
  const critical = chosen.filter((alert) => alert.severity === 'critical').length;
  const warning = chosen.length - critical;
  const status = worst(critical > 0 ? 'CRITICAL' : 'OK', warning > 0 ? 'WARNING' : 'OK');
  const scope = subject === undefined ? '' : ` for "${subject}"`;
  const text = chosen.length === 0 ? `no active alert${scope}` : `${plural(chosen.length, 'active alert')}${scope}: ${chosen.map((alert) => alert.message).join('; ')}`;
  return result('ALERTS', status, text, [
    { label: 'critical', value: critical, critical: '0', min: 0 },
    { label: 'warning', value: warning, warning: '0', min: 0 },
  ]);
}

/** For a caller that could not get a snapshot at all. */
export function checkUnavailable(reason: string): CheckResult {
  return result('BROKER', 'UNKNOWN', `could not look at the broker: ${reason}`);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
