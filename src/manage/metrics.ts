/**
 * The bus as Prometheus metrics (text exposition format 0.0.4), built from one snapshot and the
 * active alerts at scrape time.
 *
 * prom-client writes the text: it escapes label values and HELP text, and checks metric and label
 * names. It fits the snapshot-at-scrape model by giving each scrape its own `Registry`, filled
 * from the snapshot and thrown away: nothing is kept between scrapes, so a deleted queue's series
 * disappear with it and the global registry (the process's own metrics) is never touched.
 *
 * Series are bounded: only the `maxQueues` worst queues (most ready + unacked, then most dead
 * letters) get their own `queue` label; the rest are summed into `queue="_other"`, so a bus with
 * thousands of queues cannot blow up the monitoring's cardinality. A figure the broker cannot tell
 * (null in the snapshot) has no series, never a made-up zero.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { ALERT_KINDS, ALERT_SEVERITY, type Alert } from './alerts/index.js';
import type { BusSnapshot, QueueTotals, QueueView } from './model.js';

export const DEFAULT_METRICS_MAX_QUEUES = 200;
export const OTHER_QUEUES_LABEL = '_other';
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export interface MetricsOptions {
  /** Queues that get their own series; the rest are summed into `queue="_other"`. */
  readonly maxQueues?: number;
}

function otherNote(maxQueues: number): string {
  return `; only the worst ${maxQueues} queues (by ready + unacked, then dead letters) get their own series, the rest are summed into queue="${OTHER_QUEUES_LABEL}"`;
}

/** The snapshot and alerts as Prometheus text. */
export async function renderMetrics(snapshot: BusSnapshot, alerts: readonly Alert[], options: MetricsOptions = {}): Promise<string> {
  return buildRegistry(snapshot, alerts, options).metrics();
}

/** A registry holding this snapshot's metrics, for callers that merge it with others. */
export function buildRegistry(snapshot: BusSnapshot, alerts: readonly Alert[], options: MetricsOptions = {}): Registry {
  const registry = new Registry();
  const maxQueues = Math.max(0, Math.floor(options.maxQueues ?? DEFAULT_METRICS_MAX_QUEUES));
  addQueueMetrics(registry, snapshot.queues, maxQueues);
  addConnectionMetrics(registry, snapshot);
  addNodeMetrics(registry, snapshot);
  addAlertMetrics(registry, alerts);
  gauge(registry, 'tidings_snapshot_timestamp_seconds', 'When the broker was looked at (epoch seconds)').set(snapshot.takenAt / 1000);
  return registry;
}

/** The queues that get their own series, worst first; the rest, summed under `_other`. */
export function rankQueues(queues: readonly QueueView[], maxQueues: number): { shown: QueueView[]; other: QueueView[] } {
  const ranked = [...queues].sort(
    (a, b) =>
      b.ready + b.unacked - (a.ready + a.unacked) ||
      (b.deadLetterDepth ?? 0) - (a.deadLetterDepth ?? 0) ||
      a.name.localeCompare(b.name),
  );
  return { shown: ranked.slice(0, maxQueues), other: ranked.slice(maxQueues) };
}

type QueueFigure = (queue: QueueView) => number | null;

const QUEUE_GAUGES: ReadonlyArray<readonly [name: string, help: string, figure: QueueFigure]> = [
  ['tidings_queue_ready', 'Messages waiting to be delivered', (q) => q.ready],
  ['tidings_queue_unacked', 'Messages delivered and not yet acknowledged', (q) => q.unacked],
  ['tidings_queue_consumers', 'Consumers attached', (q) => q.consumers],
  ['tidings_queue_dead_letters', 'Messages waiting in the queue\'s dead-letter queue', (q) => q.deadLetterDepth],
];

const RATE_OPERATIONS = ['publish', 'deliver', 'ack', 'redeliver'] as const;

const QUEUE_COUNTERS: ReadonlyArray<readonly [name: string, help: string, field: keyof QueueTotals]> = [
  ['tidings_queue_published_total', 'Messages published to the queue since it (or the broker) started', 'published'],
  ['tidings_queue_delivered_total', 'Messages delivered from the queue', 'delivered'],
  ['tidings_queue_redelivered_total', 'Messages delivered again after a nack or a lost consumer', 'redelivered'],
  ['tidings_queue_acked_total', 'Messages acknowledged', 'acked'],
  ['tidings_queue_dead_lettered_total', 'Messages dead-lettered', 'deadLettered'],
];

function addQueueMetrics(registry: Registry, queues: readonly QueueView[], maxQueues: number): void {
  const { shown, other } = rankQueues(queues, maxQueues);
  const OTHER_NOTE = otherNote(maxQueues);
  const COUNTER_NOTE = `${OTHER_NOTE} (so its counters jump when a queue moves in or out of that set)`;
  gauge(registry, 'tidings_queues', 'Queues on the broker, all of them').set(queues.length);
  gauge(registry, 'tidings_queues_summed_as_other', `Queues summed into queue="${OTHER_QUEUES_LABEL}" instead of their own series`).set(other.length);

  for (const [name, help, figure] of QUEUE_GAUGES) {
    const metric = gauge(registry, name, help + OTHER_NOTE, ['queue']);
    for (const queue of shown) setIfKnown(metric, queue.name, figure(queue));
    if (other.length > 0) setIfKnown(metric, OTHER_QUEUES_LABEL, sumKnown(other.map(figure)));
  }

  // The oldest message of many queues is the oldest of them all, not their sum.
  const age = gauge(registry, 'tidings_queue_oldest_message_age_seconds', `Age of the oldest message held (ready or unacked)${OTHER_NOTE}, where "${OTHER_QUEUES_LABEL}" is the oldest of them`, ['queue']);
  const ageOf: QueueFigure = (q) => (q.oldestAgeMs === null ? null : q.oldestAgeMs / 1000);
  for (const queue of shown) setIfKnown(age, queue.name, ageOf(queue));
  if (other.length > 0) setIfKnown(age, OTHER_QUEUES_LABEL, maxKnown(other.map(ageOf)));

  const rates = gauge(registry, 'tidings_queue_message_rate', `Messages per second over the broker's last sampling interval, by operation${OTHER_NOTE}`, ['queue', 'operation']);
  for (const operation of RATE_OPERATIONS) {
    const figure: QueueFigure = (q) => q.rates[operation];
    for (const queue of shown) setIfKnown(rates, queue.name, figure(queue), { operation });
    if (other.length > 0) setIfKnown(rates, OTHER_QUEUES_LABEL, sumKnown(other.map(figure)), { operation });
  }

  for (const [name, help, field] of QUEUE_COUNTERS) {
    const metric = new Counter({ name, help: help + COUNTER_NOTE, labelNames: ['queue'], registers: [registry] });
    const figure: QueueFigure = (q) => q.totals?.[field] ?? null;
    const put = (queue: string, value: number | null) => {
      // prom-client refuses to count down; a negative total would be the broker's bug, not a figure.
      if (value !== null && value >= 0) metric.inc({ queue }, value);
    };
    for (const queue of shown) put(queue.name, figure(queue));
    if (other.length > 0) put(OTHER_QUEUES_LABEL, sumKnown(other.map(figure)));
  }
}

function addConnectionMetrics(registry: Registry, snapshot: BusSnapshot): void {
  const metric = gauge(registry, 'tidings_connections', 'Client connections by the service they say they are ("_unknown" when they do not say)', ['service']);
  const counts = new Map<string, number>();
  for (const connection of snapshot.connections) {
    const service = connection.service ?? '_unknown';
    counts.set(service, (counts.get(service) ?? 0) + 1);
  }
  for (const [service, count] of counts) metric.set({ service }, count);
  gauge(registry, 'tidings_consumers', 'Consumers attached, all queues').set(snapshot.consumers.length);
}

function addNodeMetrics(registry: Registry, snapshot: BusSnapshot): void {
  const node = snapshot.node;
  gauge(registry, 'tidings_node_info', 'The broker node looked at (always 1)', ['kind', 'node', 'version', 'vhost']).set(
    { kind: node.kind, node: node.name, version: node.version, vhost: node.vhost },
    1,
  );
  const known: ReadonlyArray<readonly [string, string, number | null]> = [
    ['tidings_node_uptime_seconds', 'Time since the broker started', node.uptimeMs === null ? null : node.uptimeMs / 1000],
    ['tidings_node_memory_bytes', 'Memory the broker uses', node.memoryBytes],
    ['tidings_node_memory_limit_bytes', 'Memory use at which the broker raises its memory alarm', node.memoryLimitBytes],
    ['tidings_node_disk_free_bytes', 'Free disk space where the broker keeps its data', node.diskFreeBytes],
    ['tidings_node_disk_free_limit_bytes', 'Free disk space under which the broker raises its disk alarm', node.diskFreeLimitBytes],
  ];
  // An unlabelled gauge reads 0 until set: one the broker cannot tell is left out altogether.
  for (const [name, help, value] of known) if (value !== null) gauge(registry, name, help).set(value);
  gauge(registry, 'tidings_node_memory_alarm', 'The broker\'s memory alarm is on (publishers blocked)').set(node.memoryAlarm ? 1 : 0);
  gauge(registry, 'tidings_node_disk_alarm', 'The broker\'s disk alarm is on (publishers blocked)').set(node.diskAlarm ? 1 : 0);
}

function addAlertMetrics(registry: Registry, alerts: readonly Alert[]): void {
  const metric = gauge(registry, 'tidings_alerts_active', 'Alerts raised and not yet cleared, by kind (0 series are kept so absence means none)', ['kind', 'severity']);
  // Every kind has a series, so a dashboard can tell "no alert" from "no data".
  for (const kind of ALERT_KINDS) metric.set({ kind, severity: ALERT_SEVERITY[kind] }, 0);
  for (const alert of alerts) metric.inc({ kind: alert.kind, severity: alert.severity });
}

function gauge<L extends string = never>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  return new Gauge<L>({ name, help, labelNames, registers: [registry] });
}

function setIfKnown(metric: Gauge<'queue'> | Gauge<'queue' | 'operation'>, queue: string, value: number | null, extra: Record<string, string> = {}): void {
  if (value !== null) (metric as Gauge<string>).set({ queue, ...extra }, value);
}

function sumKnown(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : known.reduce((sum, value) => sum + value, 0);
}

function maxKnown(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : Math.max(...known);
}
