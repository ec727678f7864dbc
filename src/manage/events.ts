/**
 * Management events, QMF-style: what changed between two snapshots of the bus (connections,
 * queues, exchanges, bindings, consumers), the alerts' transitions and the audited actions, each as a message under
 * `tidings.manage.<object>.<verb>` with a small plain-JSON body. The bodies' schemas are exported
 * so that the events can be registered and validated like any app's messages.
 *
 * Snapshot diffs see only what differs at sampling time: an object created and gone between two
 * snapshots makes no event. Order follows cause: opens and declarations first (connection,
 * exchange, queue, binding, consumer), then cancellations and deletions in the reverse order.
 */
import type { JsonSchemaObject } from '../message/index.js';
import type { AlertTransition } from './alerts/index.js';
import type { AuditRecord } from './audit.js';
import type { BindingView, BusSnapshot, ConnectionView, ConsumerView, ExchangeView, QueueView } from './model.js';

export const ManagementTopic = {
  connectionOpen: 'tidings.manage.connection.open',
  connectionClose: 'tidings.manage.connection.close',
  connectionRefused: 'tidings.manage.connection.refused',
  queueDeclare: 'tidings.manage.queue.declare',
  queueDelete: 'tidings.manage.queue.delete',
  exchangeDeclare: 'tidings.manage.exchange.declare',
  exchangeDelete: 'tidings.manage.exchange.delete',
  bindingCreate: 'tidings.manage.binding.create',
  bindingDelete: 'tidings.manage.binding.delete',
  consumerSubscribe: 'tidings.manage.consumer.subscribe',
  consumerCancel: 'tidings.manage.consumer.cancel',
  alertRaise: 'tidings.manage.alert.raise',
  alertClear: 'tidings.manage.alert.clear',
  actionDone: 'tidings.manage.action.done',
  actionRefused: 'tidings.manage.action.refused',
  actionFailed: 'tidings.manage.action.failed',
} as const;

export type ManagementTopicName = (typeof ManagementTopic)[keyof typeof ManagementTopic];

export const MANAGEMENT_TOPICS: readonly ManagementTopicName[] = Object.values(ManagementTopic);

/** Every management topic, for one binding: `tidings.manage.#`. */
export const MANAGEMENT_TOPIC_PATTERN = 'tidings.manage.#';

/** Plain JSON: strings, numbers, booleans, null; only an action's `detail` nests an object. */
export type ManagementEventBody = Readonly<Record<string, unknown>>;

export interface ManagementEvent {
  readonly topic: ManagementTopicName;
  /** When it was seen: the later snapshot's `takenAt`, or the alert transition's time (epoch ms). */
  readonly at: number;
  readonly body: ManagementEventBody;
}

/** The events that turn `before` into `after`; `before` null means everything in `after` is new. */
export function diffSnapshots(before: BusSnapshot | null, after: BusSnapshot): ManagementEvent[] {
  const at = after.takenAt;
  const event = (topic: ManagementTopicName, body: ManagementEventBody): ManagementEvent => ({ topic, at, body });
  const was = before ?? { connections: [], exchanges: [], queues: [], bindings: [], consumers: [] };

  const connections = changes(was.connections, after.connections, (c) => c.name);
  const exchanges = changes(was.exchanges, after.exchanges, (e) => e.name);
  const queues = changes(was.queues, after.queues, (q) => q.name);
  const bindings = changes(was.bindings, after.bindings, bindingKey);
  const consumers = changes(was.consumers, after.consumers, consumerKey);
  const serviceOf = new Map(after.connections.map((c) => [c.name, c.service]));

  return [
    ...connections.added.map((c) => event(ManagementTopic.connectionOpen, connectionBody(c))),
    ...exchanges.added.map((e) => event(ManagementTopic.exchangeDeclare, exchangeDeclareBody(e))),
    ...queues.added.map((q) => event(ManagementTopic.queueDeclare, queueDeclareBody(q))),
    ...bindings.added.map((b) => event(ManagementTopic.bindingCreate, bindingBody(b))),
    ...consumers.added.map((c) => event(ManagementTopic.consumerSubscribe, consumerSubscribeBody(c, serviceOf.get(c.connection) ?? null))),
    ...consumers.removed.map((c) => event(ManagementTopic.consumerCancel, consumerCancelBody(c))),
    ...bindings.removed.map((b) => event(ManagementTopic.bindingDelete, bindingBody(b))),
    ...queues.removed.map((q) => event(ManagementTopic.queueDelete, { queue: q.name })),
    ...exchanges.removed.map((e) => event(ManagementTopic.exchangeDelete, { exchange: e.name })),
    ...connections.removed.map((c) => event(ManagementTopic.connectionClose, connectionBody(c))),
  ];
}

/** A client the bus turned away (a hub client without a valid token): who, from where, and why. */
export function connectionRefusedEvent(peer: string, reason: string, at = Date.now()): ManagementEvent {
  return { topic: ManagementTopic.connectionRefused, at, body: { peer, reason } };
}

/** An alert transition as a management event (`tidings.manage.alert.raise` / `.clear`). */
export function alertEvent(transition: AlertTransition): ManagementEvent {
  const { alert } = transition;
  return {
    topic: transition.type === 'raised' ? ManagementTopic.alertRaise : ManagementTopic.alertClear,
    at: transition.at,
    body: {
      id: alert.id,
      kind: alert.kind,
      subject_type: alert.subjectType,
      subject: alert.subject,
      severity: alert.severity,
      message: alert.message,
      value: alert.value,
      threshold: alert.threshold,
      unit: alert.unit,
      since: alert.breachSince,
    },
  };
}

/** An audited management action as an event: `tidings.manage.action.done` / `.refused` / `.failed`. */
export function auditEvent(record: AuditRecord): ManagementEvent {
  const topic =
    record.outcome === 'done' ? ManagementTopic.actionDone : record.outcome === 'refused' ? ManagementTopic.actionRefused : ManagementTopic.actionFailed;
  return {
    topic,
    at: record.at,
    body: {
      id: record.id,
      actor: record.actor,
      role: record.role,
      action: record.action,
      target: record.target,
      outcome: record.outcome,
      affected: record.affected,
      detail: record.detail,
      error: record.error ?? null,
    },
  };
}

function changes<T>(before: readonly T[], after: readonly T[], key: (item: T) => string): { added: T[]; removed: T[] } {
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  return {
    added: after.filter((item) => !beforeKeys.has(key(item))),
    removed: before.filter((item) => !afterKeys.has(key(item))),
  };
}

function bindingKey(binding: BindingView): string {
  return JSON.stringify([binding.exchange, binding.queue, binding.pattern]);
}

// A consumer tag is unique per channel only; the same tag on a new channel is a new subscription.
function consumerKey(consumer: ConsumerView): string {
  return JSON.stringify([consumer.channel, consumer.tag, consumer.queue]);
}

function connectionBody(c: ConnectionView): ManagementEventBody {
  return { connection: c.name, service: c.service, host: c.host, pid: c.pid, user: c.user, peer: c.peer };
}

function exchangeDeclareBody(e: ExchangeView): ManagementEventBody {
  return { exchange: e.name, type: e.type, durable: e.durable };
}

function queueDeclareBody(q: QueueView): ManagementEventBody {
  return {
    queue: q.name,
    durable: q.durable,
    exclusive: q.exclusive,
    auto_delete: q.autoDelete,
    dead_letter_queue: q.deadLetterQueue,
  };
}

function bindingBody(b: BindingView): ManagementEventBody {
  return { exchange: b.exchange, queue: b.queue, pattern: b.pattern };
}

function consumerSubscribeBody(c: ConsumerView, service: string | null): ManagementEventBody {
  return { queue: c.queue, tag: c.tag, connection: c.connection, channel: c.channel, service, prefetch: c.prefetch };
}

function consumerCancelBody(c: ConsumerView): ManagementEventBody {
  return { queue: c.queue, tag: c.tag, connection: c.connection, channel: c.channel };
}

// ---- schemas: open objects (extra properties allowed), as every body schema on the bus is ----

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const text: JsonSchemaObject = { type: 'string' };
const optionalText: JsonSchemaObject = { type: ['string', 'null'] };
const flag: JsonSchemaObject = { type: 'boolean' };

function bodySchema(topic: ManagementTopicName, description: string, properties: Record<string, JsonSchemaObject>, required: readonly string[]): JsonSchemaObject {
  return { $schema: DRAFT, $id: topic, title: topic, description, type: 'object', properties, required: [...required] };
}

const connectionProperties = {
  connection: text,
  service: optionalText,
  host: optionalText,
  pid: { type: ['integer', 'null'] },
  user: optionalText,
  peer: text,
};
const bindingProperties = { exchange: text, queue: text, pattern: text };
const consumerProperties = { queue: text, tag: text, connection: text, channel: text };
const alertProperties = {
  id: text,
  kind: text,
  subject_type: { enum: ['queue', 'family', 'node'] },
  subject: text,
  severity: { enum: ['warning', 'critical'] },
  message: text,
  value: { type: 'number' },
  threshold: { type: 'number' },
  unit: text,
  since: { type: 'integer', description: 'when the breach began, epoch ms' },
};
const actionProperties = {
  id: { type: 'integer' },
  actor: text,
  role: text,
  action: text,
  target: text,
  outcome: { enum: ['done', 'refused', 'failed'] },
  affected: { type: 'integer', minimum: 0 },
  detail: { type: 'object' },
  error: optionalText,
};
const actionRequired = ['id', 'actor', 'role', 'action', 'target', 'outcome', 'affected'];
const alertRequired = ['id', 'kind', 'subject_type', 'subject', 'severity', 'message', 'value', 'threshold'];

export const MANAGEMENT_EVENT_SCHEMAS: Readonly<Record<ManagementTopicName, JsonSchemaObject>> = {
  [ManagementTopic.connectionOpen]: bodySchema(ManagementTopic.connectionOpen, 'a client connected to the broker', connectionProperties, ['connection']),
  [ManagementTopic.connectionClose]: bodySchema(ManagementTopic.connectionClose, 'a client connection closed', connectionProperties, ['connection']),
  [ManagementTopic.connectionRefused]: bodySchema(ManagementTopic.connectionRefused, 'a client was refused a connection to the bus', { peer: text, reason: text }, ['peer', 'reason']),
  [ManagementTopic.queueDeclare]: bodySchema(
    ManagementTopic.queueDeclare,
    'a queue was declared',
    { queue: text, durable: flag, exclusive: flag, auto_delete: flag, dead_letter_queue: optionalText },
    ['queue'],
  ),
  [ManagementTopic.queueDelete]: bodySchema(ManagementTopic.queueDelete, 'a queue was deleted', { queue: text }, ['queue']),
  [ManagementTopic.exchangeDeclare]: bodySchema(ManagementTopic.exchangeDeclare, 'an exchange was declared', { exchange: text, type: text, durable: flag }, ['exchange']),
  [ManagementTopic.exchangeDelete]: bodySchema(ManagementTopic.exchangeDelete, 'an exchange was deleted', { exchange: text }, ['exchange']),
  [ManagementTopic.bindingCreate]: bodySchema(ManagementTopic.bindingCreate, 'a queue was bound to an exchange', bindingProperties, ['exchange', 'queue', 'pattern']),
  [ManagementTopic.bindingDelete]: bodySchema(ManagementTopic.bindingDelete, 'a binding was removed', bindingProperties, ['exchange', 'queue', 'pattern']),
  [ManagementTopic.consumerSubscribe]: bodySchema(
    ManagementTopic.consumerSubscribe,
    'a consumer subscribed to a queue',
    { ...consumerProperties, service: optionalText, prefetch: { type: 'integer', minimum: 0 } },
    ['queue', 'tag', 'connection'],
  ),
  [ManagementTopic.consumerCancel]: bodySchema(ManagementTopic.consumerCancel, 'a consumer was cancelled or went away', consumerProperties, ['queue', 'tag', 'connection']),
  [ManagementTopic.alertRaise]: bodySchema(ManagementTopic.alertRaise, 'an alert was raised after a sustained breach', alertProperties, alertRequired),
  [ManagementTopic.alertClear]: bodySchema(ManagementTopic.alertClear, 'an alert cleared', alertProperties, alertRequired),
  [ManagementTopic.actionDone]: bodySchema(ManagementTopic.actionDone, 'an operator action was carried out', actionProperties, actionRequired),
  [ManagementTopic.actionRefused]: bodySchema(ManagementTopic.actionRefused, 'an operator action was refused by a guard or role', actionProperties, actionRequired),
  [ManagementTopic.actionFailed]: bodySchema(ManagementTopic.actionFailed, 'an operator action failed at the broker', actionProperties, actionRequired),
};
